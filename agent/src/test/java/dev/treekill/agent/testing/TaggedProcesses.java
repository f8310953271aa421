package dev.treekill.agent.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts real process trees for a test, every process tagged with {@code TREEKILL_TEST_TAG=<uuid>}
 * (inherited by all descendants), and after each test kills whatever still carries the tag, found by
 * its tag alone: a failing test never leaks processes into the next one.
 */
public final class TaggedProcesses implements AfterEachCallback {
    public static final String TAG_VARIABLE = "TREEKILL_TEST_TAG";

    /** Shell snippets for the tree shapes the tests need; {@code $1} is the size. */
    public static final String WIDE = "i=1; while [ $i -lt $1 ]; do sleep 1000 & i=$((i+1)); done; wait";
    /** A chain: each level starts the next in the background, then becomes {@code sleep}. */
    public static final String CHAIN = "n=$1; if [ $n -gt 1 ]; then sh -c \"$TREEKILL_CHAIN\" chain $((n-1)) & fi; exec sleep 1000";
    /** $1 shells whose loops fork a short-lived sleep again and again: the tree changes while it is killed. */
    public static final String FORKING = "i=0; while [ $i -lt $1 ]; do sh -c 'while :; do sleep 0.01 & sleep 0.002; done' & i=$((i+1)); done; wait";
    /** A parent that never reaps: the child exits and stays a zombie under a live sleep. */
    public static final String ZOMBIE_PARENT = "i=0; while [ $i -lt $1 ]; do sh -c 'true & true & exec sleep 1000' & i=$((i+1)); done; wait";
    /** $1 shells that exit on SIGTERM (shells do by default) with a sleep each. */
    public static final String OBEDIENT = "i=0; while [ $i -lt $1 ]; do sh -c 'sleep 1000 & wait' & i=$((i+1)); done; wait";

    private final String tag = UUID.randomUUID().toString();
    private final List<Process> started = new ArrayList<>();

    public String tag() {
        return tag;
    }

    /** Starts {@code sh -c script sh args...} tagged, output discarded. */
    public Process shell(String script, Object... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", script, "sh"));
        for (Object a : args) {
            command.add(String.valueOf(a));
        }
        return start(command);
    }

    public Process start(List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put(TAG_VARIABLE, tag);
        pb.environment().put("TREEKILL_CHAIN", CHAIN);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = pb.start();
        started.add(p);
        return p;
    }

    /** Waits (bounded) until {@code root} has at least {@code count} live descendants. */
    public static void awaitDescendants(Process root, int count) {
        await("tree of " + root.pid() + " to reach " + count + " descendants", Duration.ofSeconds(60),
                () -> liveDescendants(root.pid()).size() >= count);
    }

    /** Pids under {@code pid} per /proc right now that are alive (not zombies). */
    public static List<Long> liveDescendants(long pid) {
        List<Long> out = new ArrayList<>();
        ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> {
            if (isLive(d.pid())) {
                out.add(d.pid());
            }
        }));
        return out;
    }

    /** True if /proc shows {@code pid} and it is neither a zombie nor dead. */
    public static boolean isLive(long pid) {
        String stat = read(Paths.get("/proc", Long.toString(pid), "stat"));
        if (stat == null) {
            return false;
        }
        char state = stat.charAt(stat.lastIndexOf(')') + 2);
        return state != 'Z' && state != 'X';
    }

    /** Processes carrying this test's tag that are still alive. */
    public List<Long> survivors() {
        List<Long> out = new ArrayList<>();
        String needle = TAG_VARIABLE + "=" + tag;
        String[] names = new java.io.File("/proc").list();
        for (String name : names == null ? new String[0] : names) {
            if (!name.chars().allMatch(Character::isDigit)) {
                continue;
            }
            String environ = read(Paths.get("/proc", name, "environ"));
            if (environ != null && List.of(environ.split("\0")).contains(needle) && isLive(Long.parseLong(name))) {
                out.add(Long.parseLong(name));
            }
        }
        return out;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        for (int round = 0; round < 20; round++) {
            List<Long> left = survivors();
            if (left.isEmpty()) {
                break;
            }
            for (long pid : left) {
                // ProcessHandle checks the start time, and we found the pid by our tag: only ours die.
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            sleep(50);
        }
        started.forEach(Process::destroyForcibly);
    }

    public static void await(String what, Duration limit, BooleanSupplier condition) {
        long end = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            sleep(20);
        }
    }

    private static String read(Path p) {
        try {
            return new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
