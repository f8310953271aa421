package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A native library the dynamic linker finds only through its cache: {@code libtkprobe.so.1} (a versioned
 * name, no {@code libtkprobe.so}) exporting {@code int tkprobe_answer(void)} = 42, compiled with gcc into a
 * fresh temporary directory that is listed in a file of its own in /etc/ld.so.conf.d, then {@code ldconfig}.
 * The way vendor and CUDA libraries, or /usr/local/lib on Debian, are installed. {@link #close()} removes
 * the file, runs {@code ldconfig} again and deletes the directory.
 */
final class ProbeLibrary implements AutoCloseable {
    static final String FILE_NAME = "libtkprobe.so.1";
    static final int ANSWER = 42;
    private static final Path CONF_DIR = Paths.get("/etc/ld.so.conf.d");
    private static final long TOOL_LIMIT_SECONDS = 60;

    private final Path dir;
    private final Path conf;

    private ProbeLibrary(Path dir, Path conf) {
        this.dir = dir;
        this.conf = conf;
    }

    /** Builds and installs it; skips the test (with the reason) where gcc is missing or /etc is not writable. */
    static ProbeLibrary install() throws IOException, InterruptedException {
        Assumptions.assumeTrue(onPath("gcc"), "gcc is not installed: this test compiles its probe library with it"
                + " (CI machines have gcc; apt-get install gcc)");
        Assumptions.assumeTrue(Files.isWritable(CONF_DIR), () -> CONF_DIR + " is not writable: this test registers a"
                + " library directory with the dynamic linker and must run as root");
        Path dir = Files.createTempDirectory("treekill-tkprobe-");
        Path source = dir.resolve("tkprobe.c");
        Files.write(source, ("int tkprobe_answer(void) { return " + ANSWER + "; }\n").getBytes(StandardCharsets.US_ASCII));
        run("gcc", "-shared", "-fPIC", "-Wl,-soname," + FILE_NAME, "-o", dir.resolve(FILE_NAME).toString(), source.toString());
        Path conf = CONF_DIR.resolve("zz-treekill-it-" + UUID.randomUUID() + ".conf");
        ProbeLibrary probe = new ProbeLibrary(dir, conf);
        try {
            Files.write(conf, (dir + "\n").getBytes(StandardCharsets.UTF_8));
            run(ldconfig());
            String cache = run(ldconfig(), "-p");
            assertTrue(cache.contains("=> " + probe.file()), () -> "ldconfig does not list " + probe.file() + ":\n" + cache);
            assertTrue(Files.notExists(dir.resolve("libtkprobe.so")), "only the versioned name exists");
        } catch (IOException | RuntimeException | Error e) {
            probe.close();
            throw e;
        }
        return probe;
    }

    Path file() {
        return dir.resolve(FILE_NAME);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Files.deleteIfExists(conf);
        run(ldconfig());
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    private static String ldconfig() {
        return Files.isExecutable(Paths.get("/sbin/ldconfig")) ? "/sbin/ldconfig" : "ldconfig";
    }

    private static boolean onPath(String tool) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Paths.get(d, tool)));
    }

    /** Runs a tool to completion (bounded); fails with its output unless it exits 0. Returns its output. */
    private static String run(String... command) throws IOException, InterruptedException {
        List<String> cmd = Arrays.asList(command);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(TOOL_LIMIT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not finish within " + TOOL_LIMIT_SECONDS + " s");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), () -> cmd + " failed:\n" + text);
        return text;
    }
}
