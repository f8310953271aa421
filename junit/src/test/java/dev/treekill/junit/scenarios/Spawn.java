package dev.treekill.junit.scenarios;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * Starts {@code /bin/sh -c script} for a scenario and prints {@code SPAWNED <label> <pid>} so that the
 * integration test can look the pid up in /proc afterwards. The suite's JVM carries the test's
 * TREEKILL_TEST_TAG, so every process started here inherits it and is swept after the test.
 */
public final class Spawn {
    private Spawn() {
    }

    public static Process shell(String label, String script) {
        try {
            Process p = new ProcessBuilder("/bin/sh", "-c", script).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            spawned(label, p.pid());
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code script}, which prints a pid on its first line, waits for it to exit, and returns that pid. */
    public static long shellPrintingPid(String label, String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/bin/sh", "-c", script).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            long pid = Long.parseLong(out.readLine().trim());
            spawned(label, pid);
            p.waitFor();
            return pid;
        }
    }

    /** Waits (at most 30 s) until {@code pid} runs {@code commandLine} (it has exec'd it). */
    public static void awaitCommandLine(long pid, String commandLine) throws InterruptedException {
        long end = System.nanoTime() + 30_000_000_000L;
        while (!commandLine.equals(commandLine(pid))) {
            if (System.nanoTime() > end) {
                throw new AssertionError("pid " + pid + " did not come to run " + commandLine);
            }
            Thread.sleep(10);
        }
    }

    private static String commandLine(long pid) {
        try {
            byte[] argv = Files.readAllBytes(Paths.get("/proc", Long.toString(pid), "cmdline"));
            return new String(argv, StandardCharsets.UTF_8).replace('\0', ' ').trim();
        } catch (IOException e) {
            return null;
        }
    }

    public static void spawned(String label, long pid) {
        System.out.println("SPAWNED " + label + " " + pid);
    }

    /** Waits (at most 30 s) until {@code p} has {@code count} live descendants. */
    public static void awaitDescendants(Process p, int count) throws InterruptedException {
        long end = System.nanoTime() + 30_000_000_000L;
        while (p.descendants().filter(h -> isLive(h.pid())).count() < count) {
            if (System.nanoTime() > end) {
                throw new AssertionError("tree of " + p.pid() + " did not reach " + count + " descendants");
            }
            Thread.sleep(10);
        }
    }

    /** True if /proc shows {@code pid} and it is neither a zombie nor dead. */
    public static boolean isLive(long pid) {
        try {
            String stat = Files.readString(Paths.get("/proc", Long.toString(pid), "stat"), StandardCharsets.ISO_8859_1);
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
