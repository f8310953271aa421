package dev.treekill.agent.it;

import dev.treekill.testing.TreeShapes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A long-running application that owns several separate process trees, for tests that kill them from
 * outside (JMX, the CLI). It kills nothing while it runs.
 *
 * <p>Arguments: tree specs {@code <shape>:<count>}, started before it prints {@code ready}. Then every
 * stdin line {@code <shape>:<count>} starts more trees. When stdin ends (the test is done, or gone), it kills
 * what is left of its trees and exits; the test's tag sweep takes anything else.
 *
 * <p>Shapes ({@code count} is how many trees of it): {@code pair} ({@code sh -c 'sleep 1000 & sleep 1000 &
 * wait'}: 3 processes), {@code wide<n>} (a {@code TreeShapes.WIDE} tree of n processes), {@code heavy<mb>}
 * (sh, a dd holding mb MB, a sleep: see {@link #HEAVY}). Only TreeShapes' compile-time constants are used:
 * they are inlined by javac, and this JVM's class path is the test classes alone.
 *
 * <p>Output: {@code root=<pid> size=<processes>} per tree once it is complete, then {@code ready pid=<this
 * jvm> trees=<n>} after the arguments and {@code started trees=<n>} after each stdin line.
 */
public final class ManyTreesApp {
    private static final String PAIR = "sleep 1000 & sleep 1000 & wait";
    /**
     * dd fills a buffer of $1 MB, then blocks writing it into a pipe nobody reads: a process that takes real
     * time to exit after SIGKILL, because the kernel frees its memory first (about 50 ms for 256 MB here).
     */
    private static final String HEAVY = "dd if=/dev/zero bs=$1M count=1 2>/dev/null | sleep 1000";

    private ManyTreesApp() {
    }

    public static void main(String[] args) throws Exception {
        List<Process> all = new ArrayList<>();
        int n = 0;
        for (String spec : args) {
            n += start(spec, all);
        }
        System.out.println("ready pid=" + ProcessHandle.current().pid() + " trees=" + n);
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (!line.isBlank()) {
                int started = start(line.trim(), all);
                System.out.println("started trees=" + started);
                System.out.flush();
            }
        }
        // The test is done (or gone): leave no orphans, with or without the agent in this JVM.
        for (Process root : all) {
            root.descendants().forEach(ProcessHandle::destroyForcibly);
            root.destroyForcibly();
        }
    }

    private static int start(String spec, List<Process> all) throws IOException, InterruptedException {
        String[] parts = spec.split(":");
        String shape = parts[0];
        int count = parts.length > 1 ? Integer.parseInt(parts[1]) : 1;
        for (int i = 0; i < count; i++) {
            Process root;
            int size;
            int megabytes = 0;
            if (shape.equals("pair")) {
                root = shell(PAIR);
                size = 3;
            } else if (shape.startsWith("heavy")) {
                megabytes = Integer.parseInt(shape.substring("heavy".length()));
                root = shell(HEAVY, Integer.toString(megabytes));
                size = 3;
            } else if (shape.startsWith("wide")) {
                size = Integer.parseInt(shape.substring("wide".length()));
                root = shell(TreeShapes.WIDE, Integer.toString(size));
            } else {
                throw new IllegalArgumentException("unknown shape " + shape);
            }
            awaitComplete(root, size);
            awaitResident(root, megabytes);
            all.add(root);
            System.out.println("root=" + root.pid() + " size=" + size);
            System.out.flush();
        }
        return count;
    }

    private static Process shell(String script, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", script, "sh"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** TaggedProcesses' own check is in another jar (test-support); this JVM only has the test classes. */
    private static boolean notZombie(ProcessHandle h) {
        try {
            String stat = new String(java.nio.file.Files.readAllBytes(java.nio.file.Paths.get("/proc", Long.toString(h.pid()), "stat")),
                    StandardCharsets.ISO_8859_1);
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Until a descendant of the root has {@code megabytes} resident (dd filled its buffer); 0: no wait. */
    private static void awaitResident(Process root, int megabytes) throws InterruptedException {
        long end = System.nanoTime() + 60_000_000_000L;
        while (megabytes > 0 && root.descendants().mapToLong(ManyTreesApp::residentKb).max().orElse(0) < megabytes * 1024L * 9 / 10) {
            if (System.nanoTime() > end || !root.isAlive()) {
                throw new IllegalStateException("no process of the tree of " + root.pid() + " holds " + megabytes + " MB");
            }
            Thread.sleep(10);
        }
    }

    private static long residentKb(ProcessHandle h) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Paths.get("/proc", Long.toString(h.pid()), "status"),
                    StandardCharsets.ISO_8859_1)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return 0;
    }

    /** Until the root has size - 1 live descendants: a test must never race the shell's forks. */
    private static void awaitComplete(Process root, int size) throws InterruptedException {
        long end = System.nanoTime() + 60_000_000_000L;
        while (root.descendants().filter(ManyTreesApp::notZombie).count() < size - 1) {
            if (System.nanoTime() > end || !root.isAlive()) {
                throw new IllegalStateException("tree of " + root.pid() + " did not reach " + size + " processes");
            }
            Thread.sleep(10);
        }
    }
}
