package dev.treekill.agent.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Stream;

/**
 * Whether a pid can be a JVM, asked before the Attach API is: for a process that is no JVM, HotSpot's attach
 * waits about 10 s for a socket that never comes and then says "HotSpot VM not loaded". The answer comes from
 * {@code /proc/<pid>/maps}: a HotSpot JVM maps {@code libjvm.so} (and its {@code lib/modules} image), shown with
 * a trailing {@code " (deleted)"} once its JDK's files were replaced on disk (an in-place upgrade). A process
 * whose attach socket ({@code /tmp/.java_pid<nspid>} in its own root) exists is never refused. Where the maps
 * cannot be read (another user's process, no /proc), or a missing pid may be one hidden by {@code hidepid},
 * nothing more is concluded than can be: a false "no JVM" would refuse a real one.
 */
final class JvmCheck {
    private static final String DELETED = " (deleted)";

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
            return whyAbsent(pid);
        }
        try (Stream<String> lines = Files.lines(dir.resolve("maps"))) {
            if (lines.anyMatch(JvmCheck::mapsAJvmFile) || hasAttachSocket(dir, pid)) {
                return null;
            }
            return "pid " + pid + " is not a Java process (no libjvm.so in /proc/" + pid + "/maps)";
        } catch (NoSuchFileException e) {
            return null; // gone since, or a /proc without maps: the attach tells
        } catch (IOException | UncheckedIOException | SecurityException e) {
            return null; // not ours to read: the attach tells
        }
    }

    /**
     * A pid with no /proc entry: absent where /proc shows every process (pid 1 is seen), else it may be one that
     * hidepid hides from this user. Null where this is no /proc at all.
     */
    private String whyAbsent(long pid) {
        if (!Files.isDirectory(proc.resolve("self"))) {
            return null;
        }
        return Files.isDirectory(proc.resolve("1")) ? "pid " + pid + " does not exist"
                : "pid " + pid + " does not exist or is hidden from this user (/proc mounted with hidepid)";
    }

    /** A maps line naming HotSpot's library or the JDK's modules image, also after the file was replaced on disk. */
    static boolean mapsAJvmFile(String line) {
        String path = line.endsWith(DELETED) ? line.substring(0, line.length() - DELETED.length()) : line;
        return path.endsWith("/libjvm.so") || path.endsWith("/lib/modules");
    }

    /**
     * Whether the JVM's attach socket is there: {@code /proc/<pid>/root/tmp/.java_pid<nspid>}, the pid as the
     * process's own PID namespace names it (the last field of the NSpid line of its status; {@code pid} itself
     * where the kernel has no such line). Whatever maps say, a process with it listens for attach.
     */
    private static boolean hasAttachSocket(Path dir, long pid) {
        try {
            return Files.exists(dir.resolve("root").resolve("tmp").resolve(".java_pid" + namespacePid(dir, pid)));
        } catch (SecurityException e) {
            return false;
        }
    }

    private static long namespacePid(Path dir, long pid) {
        try {
            List<String> status = Files.readAllLines(dir.resolve("status"), StandardCharsets.ISO_8859_1);
            for (String line : status) {
                if (line.startsWith("NSpid:")) {
                    String[] fields = line.substring("NSpid:".length()).trim().split("\\s+");
                    return Long.parseLong(fields[fields.length - 1]);
                }
            }
        } catch (IOException | UncheckedIOException | NumberFormatException | SecurityException e) {
            // no status to read, or a strange one: the pid as this /proc names it
        }
        return pid;
    }
}
