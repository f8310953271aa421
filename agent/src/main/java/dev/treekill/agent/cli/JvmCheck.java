package dev.treekill.agent.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.stream.Stream;

/**
 * Whether a pid can be a JVM, asked before the Attach API is: for a process that is no JVM, HotSpot's attach
 * waits about 10 s for a socket that never comes and then says "HotSpot VM not loaded". The answer comes from
 * {@code /proc/<pid>/maps}: a HotSpot JVM maps {@code libjvm.so} (and its {@code lib/modules} image). Where the
 * maps cannot be read (another user's process, hidepid, no /proc), nothing is concluded and the attach goes ahead
 * to say what it says: a false "no JVM" would refuse a real one.
 */
final class JvmCheck {
    private final Path proc;

    JvmCheck(Path proc) {
        this.proc = proc;
    }

    static JvmCheck ofThisMachine() {
        return new JvmCheck(Paths.get("/proc"));
    }

    /** Why {@code pid} is certainly not a JVM to attach to, or null when it may be one (or cannot be told). */
    String whyNotAJvm(long pid) {
        Path dir = proc.resolve(Long.toString(pid));
        if (!Files.isDirectory(dir)) {
            return Files.isDirectory(proc.resolve("self")) ? "pid " + pid + " does not exist" : null;
        }
        try (Stream<String> lines = Files.lines(dir.resolve("maps"))) {
            boolean jvm = lines.anyMatch(line -> line.endsWith("/libjvm.so") || line.endsWith("/lib/modules"));
            return jvm ? null : "pid " + pid + " is not a Java process (no libjvm.so in /proc/" + pid + "/maps)";
        } catch (NoSuchFileException e) {
            return null; // gone since, or a /proc without maps: the attach tells
        } catch (IOException | UncheckedIOException | SecurityException e) {
            return null; // not ours to read: the attach tells
        }
    }
}
