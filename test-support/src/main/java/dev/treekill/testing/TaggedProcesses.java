package dev.treekill.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The test's tag, {@code TREEKILL_TEST_TAG=<uuid>}: every process a test starts carries it in its environment,
 * and so does everything those start. After each test whatever still carries it is killed, found by the tag
 * alone (never by name): a failing test never leaks processes into the next one. Register it per test
 * instance: {@code @RegisterExtension final TaggedProcesses tagged = new TaggedProcesses();}.
 */
public final class TaggedProcesses implements AfterEachCallback {
    public static final String TAG_VARIABLE = "TREEKILL_TEST_TAG";

    /** Sweep rounds after a test: each kills what is left, then looks again 50 ms later. */
    private static final int SWEEP_ROUNDS = 20;

    private final String tag = UUID.randomUUID().toString();
    private final List<Process> started = new ArrayList<>();

    public String tag() {
        return tag;
    }

    /** {@code builder} with this test's tag in its environment; returns it. */
    public ProcessBuilder withTag(ProcessBuilder builder) {
        builder.environment().put(TAG_VARIABLE, tag);
        return builder;
    }

    /** Starts {@code sh -c script sh args...} tagged, output discarded (see {@link TreeShapes}). */
    public Process shell(String script, Object... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", script, "sh"));
        for (Object a : args) {
            command.add(String.valueOf(a));
        }
        return start(command);
    }

    /** Starts {@code command} tagged (and able to run {@link TreeShapes#CHAIN}), stdout discarded. */
    public Process start(List<String> command) throws IOException {
        ProcessBuilder pb = withTag(new ProcessBuilder(command));
        pb.environment().put(TreeShapes.CHAIN_VARIABLE, TreeShapes.CHAIN);
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

    /** Live processes (not zombies) carrying this test's tag, by pid. */
    public List<Long> survivors() {
        return pinnedSurvivors().stream().map(ProcessHandle::pid).collect(Collectors.toList());
    }

    /**
     * Live processes carrying this test's tag, each as a handle taken <em>before</em> its environment was read. The
     * handle pins the process by its start time (its destroy does nothing once the pid belongs to another one), and
     * the start time in /proc is read before and after the environment: equal, and the environment read is that of
     * the process the handle pins. A pid reused at any point is skipped or, through the handle, left alone; taking
     * the handle after the read (ProcessHandle.of(pid) later) would pin whatever held the pid by then, and the
     * sweep runs as root.
     */
    private List<ProcessHandle> pinnedSurvivors() {
        List<ProcessHandle> out = new ArrayList<>();
        String needle = TAG_VARIABLE + "=" + tag;
        String[] names = new File("/proc").list();
        for (String name : names == null ? new String[0] : names) {
            if (name.isEmpty() || !name.chars().allMatch(Character::isDigit)) {
                continue;
            }
            long pid = Long.parseLong(name);
            Optional<ProcessHandle> handle = ProcessHandle.of(pid);
            if (handle.isEmpty()) {
                continue;
            }
            String startBefore = startTicks(pid);
            String environ = read(Paths.get("/proc", name, "environ"));
            String startAfter = startTicks(pid);
            if (startBefore != null && startBefore.equals(startAfter) && environ != null
                    && List.of(environ.split("\0")).contains(needle) && isLive(pid)) {
                out.add(handle.get());
            }
        }
        return out;
    }

    /** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or null when the process is gone. */
    private static String startTicks(long pid) {
        String stat = read(Paths.get("/proc", Long.toString(pid), "stat"));
        if (stat == null) {
            return null;
        }
        String[] afterComm = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return afterComm.length > 19 ? afterComm[19] : null; // afterComm[0] is field 3 (state)
    }

    /** {@code [pid command line; ...]}, for assertion messages about {@code pids}. */
    public static String describe(List<Long> pids) {
        return pids.stream()
                .map(pid -> pid + " " + ProcessHandle.of(pid).flatMap(h -> h.info().commandLine()).orElse("?"))
                .collect(Collectors.joining("; ", "[", "]"));
    }

    /** Kills whatever still carries the tag, a bounded number of rounds, then every process it started. */
    @Override
    public void afterEach(ExtensionContext context) {
        for (int round = 0; round < SWEEP_ROUNDS; round++) {
            List<ProcessHandle> left = pinnedSurvivors();
            if (left.isEmpty()) {
                break;
            }
            for (ProcessHandle h : left) {
                // Pinned before its tag was read (see pinnedSurvivors): destroy checks the start time, so only ours die.
                h.destroyForcibly();
            }
            sleep(50);
        }
        started.forEach(Process::destroyForcibly);
    }

    /** Polls {@code condition} every 20 ms until it holds; past {@code limit} fails naming {@code what}. */
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
