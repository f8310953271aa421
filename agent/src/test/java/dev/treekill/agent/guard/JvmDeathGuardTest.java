package dev.treekill.agent.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.proc.FakeProc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The JVM's side of the guard against a scripted pipe: the launcher is started before {@code ensureRunning}
 * returns (so before the start's own fork: no window); roots are told as they start, and a guard that replaces a
 * dead one is told them all; a full pipe neither blocks nor loses {@code done}; {@code done} reaches a guard in
 * every state (still starting, running), so that a guard whose start thread died with the JVM stands down instead
 * of killing the shutdown's own work; and a descriptor the application closed and got back for a file of its own
 * is never written to nor closed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JvmDeathGuardTest {
    static final String PIPE = "pipe:[4242]";
    private static final int GUARD_PID = 777;

    /** Pipes {10, 11}, {12, 13}, ...; records writes and closes; /proc/self/fd says what {@link #fds} says. */
    static class ScriptedPipes implements PipeCalls {
        final Map<Integer, String> fds = new ConcurrentHashMap<>();
        final List<String> writes = new CopyOnWriteArrayList<>();
        final List<Integer> closed = new CopyOnWriteArrayList<>();
        final List<Integer> forgotten = new CopyOnWriteArrayList<>();
        final AtomicInteger drained = new AtomicInteger();
        volatile boolean full;
        private int next = 10;

        @Override
        public synchronized int[] openPipe() {
            int read = next++;
            int write = next++;
            fds.put(read, "pipe:[" + (4242 + read) + "]");
            fds.put(write, "pipe:[" + (4242 + read) + "]");
            return new int[] {read, write};
        }

        @Override
        public String fdTarget(int fd) {
            return fds.get(fd);
        }

        @Override
        public int write(int fd, byte[] bytes) {
            if (full) {
                return 0;
            }
            writes.add(fd + " " + new String(bytes, StandardCharsets.ISO_8859_1));
            return bytes.length;
        }

        @Override
        public int drain(int fd) {
            drained.incrementAndGet();
            full = false;
            return 4096;
        }

        final List<Integer> closeOnExec = new CopyOnWriteArrayList<>();

        /** Counted down when a thread loads the native calls. */
        final CountDownLatch loading = new CountDownLatch(1);

        @Override
        public void loadNative() {
            loading.countDown();
        }

        @Override
        public void closeOnExec(int fd) {
            closeOnExec.add(fd);
        }

        @Override
        public void close(int fd) {
            closed.add(fd);
            fds.remove(fd);
        }

        @Override
        public void forget(int fd) {
            forgotten.add(fd);
        }
    }

    private final ScriptedPipes pipes = new ScriptedPipes();
    private final FakeProc proc = new FakeProc();
    private final List<Integer> spawnedWith = new CopyOnWriteArrayList<>();
    private final CountDownLatch guardMayRun = new CountDownLatch(1);
    /** The threads that waited for a guard (treekill-guard-start). */
    private final List<Thread> startThreads = new CopyOnWriteArrayList<>();

    @AfterEach
    void letStartThreadsEnd() throws InterruptedException {
        guardMayRun.countDown();
        for (Thread t : startThreads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    /** A launcher whose guard runs once {@link #guardMayRun} is counted down. */
    private JvmDeathGuard guard() {
        proc.put(GUARD_PID, 1, 'S', 1, 500, "java");
        JvmDeathGuard.Launcher launcher = readFd -> {
            spawnedWith.add(readFd);
            return () -> {
                startThreads.add(Thread.currentThread());
                assertTrue(guardMayRun.await(30, TimeUnit.SECONDS));
                return new JvmDeathGuard.Launched(GUARD_PID, 500);
            };
        };
        return new JvmDeathGuard(launcher, () -> pipes, proc, true);
    }

    private static void await(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, what::get);
            Thread.sleep(5);
        }
    }

    @Test
    void theLauncherHoldsTheReadEndBeforeTheFirstStartForks() {
        JvmDeathGuard guard = guard();
        guard.ensureRunning();
        assertEquals(List.of(10), spawnedWith, "spawned on the starting thread, with the read end, before returning");
        assertEquals(List.of(), pipes.closed, "the JVM keeps both ends: the write end for EOF, the read end to empty it");
        guard.ensureRunning();
        assertEquals(1, spawnedWith.size(), "one guard at a time");
    }

    @Test
    void rootsAreToldAsTheyStartAndANewGuardIsToldThemAll() throws Exception {
        guardMayRun.countDown();
        JvmDeathGuard guard = guard();
        guard.ensureRunning();
        guard.rootStarted(2001, 61); // told while the guard still boots: the pipe holds it
        await(() -> guard.pid() == GUARD_PID, () -> "the guard runs");
        assertEquals(List.of(10, 11), pipes.closeOnExec, "no program forked natively keeps the pipe once the guard runs");
        guard.rootStarted(2002, 62);
        assertEquals(List.of("11 root 2001 61\n", "11 root 2002 62\n"), pipes.writes);
        proc.put(GUARD_PID, 1, 'S', 1, 900, "java"); // a newer process got its pid: the old guard is gone all the same
        pipes.writes.clear();
        guard.ensureRunning();
        assertEquals(List.of(10, 12), spawnedWith, "a new guard, on a new pipe");
        assertTrue(pipes.closed.containsAll(List.of(11, 10)), () -> "the dead guard's pipe closed: " + pipes.closed);
        assertEquals(List.of("13 root 2001 61\n", "13 root 2002 62\n"), pipes.writes, "the new guard learns every root");
    }

    @Test
    void sparedStartsAreToldBeforeTheyForkAndANewGuardIsToldThemToo() throws Exception {
        JvmDeathGuard guard = guard();
        guard.ensureRunning();
        guard.rootStarted(2001, 61);
        guard.startSpared("tk3e8-1-7"); // told while the guard still boots: the pipe holds it
        guardMayRun.countDown();
        await(() -> guard.pid() == GUARD_PID, () -> "the guard runs");
        guard.startSpared("tk3e8-1-8");
        assertEquals(List.of("11 root 2001 61\n", "11 spare tk3e8-1-7\n", "11 spare tk3e8-1-8\n"), pipes.writes);
        proc.remove(GUARD_PID); // the guard died
        pipes.writes.clear();
        guard.ensureRunning();
        assertEquals(List.of("13 root 2001 61\n", "13 spare tk3e8-1-7\n", "13 spare tk3e8-1-8\n"), pipes.writes,
                "the new guard spares what the old one was told to");
    }

    @Test
    void aSparedStartNeverWaitsOnAFullPipeAndNothingIsToldAfterDone() {
        JvmDeathGuard guard = guard();
        guard.ensureRunning();
        pipes.full = true;
        guard.startSpared("tk3e8-1-7");
        assertEquals(List.of(), pipes.writes, "dropped, not waited for");
        pipes.full = false;
        guard.startSpared("bad cookie"); // a space would make it another line's word: never told
        assertEquals(List.of(), pipes.writes);
        guard.standDown();
        guard.startSpared("tk3e8-1-8");
        assertEquals(List.of("11 done\n"), pipes.writes, "nothing told after done");
    }

    @Test
    void aStartTellingItsRootNeverWaitsForTheNativeCallsToLoad() throws Exception {
        CountDownLatch slowLoad = new CountDownLatch(1);
        ScriptedPipes slow = new ScriptedPipes() {
            @Override
            public void loadNative() {
                loading.countDown();
                try {
                    assertTrue(slowLoad.await(30, TimeUnit.SECONDS)); // JNA loading on a busy machine
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        };
        proc.put(GUARD_PID, 1, 'S', 1, 500, "java");
        JvmDeathGuard guard = new JvmDeathGuard(readFd -> () -> new JvmDeathGuard.Launched(GUARD_PID, 500), () -> slow,
                proc, true);
        try {
            guard.ensureRunning();
            assertTrue(slow.loading.await(30, TimeUnit.SECONDS), "the start thread loads the native calls");
            Thread start = new Thread(() -> guard.rootStarted(2001, 61));
            start.start();
            start.join(TimeUnit.SECONDS.toMillis(20)); // generous: it takes microseconds unless it waits for the load
            assertFalse(start.isAlive(), "the start waited for the native calls to load");
            assertEquals(List.of("11 root 2001 61\n"), slow.writes);
        } finally {
            slowLoad.countDown();
        }
    }

    @Test
    void aStartThreadThatCannotStartLeavesNoGuardHalfLaunched() {
        proc.put(GUARD_PID, 1, 'S', 1, 500, "java");
        List<String> abandoned = new ArrayList<>();
        JvmDeathGuard guard = new JvmDeathGuard(readFd -> {
            spawnedWith.add(readFd);
            return new JvmDeathGuard.Spawned() {
                @Override
                public JvmDeathGuard.Launched awaitGuard() {
                    return new JvmDeathGuard.Launched(GUARD_PID, 500);
                }

                @Override
                public void abandoned() {
                    abandoned.add("launch " + readFd);
                }
            };
        }, () -> pipes, proc, true, r -> new Thread(r) {
            @Override
            public synchronized void start() {
                throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
            }
        });
        guard.ensureRunning();
        assertEquals(List.of(10), spawnedWith);
        assertEquals(List.of("launch 10"), abandoned, "what the launch holds (the hiding of its children) is let go");
        assertTrue(pipes.closed.containsAll(List.of(10, 11)), () -> "the pipe let go (end-of-file for that guard): " + pipes.closed);
        guard.rootStarted(2001, 61);
        assertEquals(List.of(), pipes.writes, "no root written into a pipe no guard will read");
        assertEquals(-1, guard.pid());
        guard.ensureRunning();
        assertEquals(List.of(10), spawnedWith, "failed: retried after a pause, not at every start");
    }

    @Test
    void aFullPipeNeitherBlocksNorLosesDone() throws Exception {
        JvmDeathGuard guard = guard();
        guard.ensureRunning();
        pipes.full = true; // the guard still boots, and the application started thousands of processes
        guard.rootStarted(2001, 61);
        assertEquals(List.of(), pipes.writes, "dropped, not waited for");
        guard.standDown();
        assertEquals(1, pipes.drained.get(), "the JVM empties the pipe through its own read end");
        assertEquals(List.of("11 \ndone\n"), pipes.writes, "a newline ends a line the guard may have read half of");
        assertEquals(List.of(11, 10), pipes.closed);
    }

    @Test
    void aGuardStillStartingWhenTheExitKillEndsFindsDoneInItsPipe() throws Exception {
        JvmDeathGuard guard = guard();
        guard.ensureRunning();
        guard.standDown(); // the JVM may halt now: its start thread is a daemon
        assertEquals(List.of("11 done\n"), pipes.writes, "told at once, whatever the state");
        assertEquals(List.of(11, 10), pipes.closed, "the launcher holds the read end already: both of ours closed");
        await(() -> startThreads.size() == 1, () -> "the start thread waits for the guard");
        guardMayRun.countDown(); // ... or it does not halt that soon, and the start ends
        startThreads.get(0).join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(startThreads.get(0).isAlive());
        assertEquals(List.of(11, 10), pipes.closed, "each end closed once");
        assertEquals(1, pipes.writes.size(), "told once");
        assertEquals(-1, guard.pid());
        guard.ensureRunning();
        guard.rootStarted(2001, 61);
        assertEquals(1, spawnedWith.size(), "never started again once stood down");
        assertEquals(1, pipes.writes.size(), "nothing told after done");
    }

    @Test
    void aRunningGuardIsToldAndItsPipeClosed() throws Exception {
        guardMayRun.countDown();
        JvmDeathGuard guard = guard();
        guard.ensureRunning();
        await(() -> guard.pid() == GUARD_PID, () -> "the guard runs");
        guard.standDown();
        assertEquals(List.of("11 done\n"), pipes.writes);
        assertEquals(List.of(11, 10), pipes.closed);
    }

    @Test
    void aDescriptorTheApplicationReusedIsNeverWrittenToNorClosed() throws Exception {
        guardMayRun.countDown();
        JvmDeathGuard guard = guard();
        guard.ensureRunning();
        await(() -> guard.pid() == GUARD_PID, () -> "the guard runs");
        pipes.fds.put(11, "/srv/app/data.db"); // the application closed it, and opened a file that got its number
        guard.rootStarted(2001, 61);
        guard.standDown();
        assertEquals(List.of(), pipes.writes, "nothing written into the application's file");
        assertEquals(List.of(10), pipes.closed, "the application's file not closed");
        assertEquals(List.of(11), pipes.forgotten, "forgotten instead");
    }

    @Test
    void aDeadGuardsReusedDescriptorIsForgottenUntouched() throws Exception {
        guardMayRun.countDown();
        JvmDeathGuard guard = guard();
        guard.ensureRunning();
        await(() -> guard.pid() == GUARD_PID, () -> "the guard runs");
        pipes.fds.put(11, "socket:[99]"); // closed by the application, reused for a connection
        proc.remove(GUARD_PID); // the guard died: the next start brings a new one, and forgets the old pipe
        guard.ensureRunning();
        assertFalse(pipes.closed.contains(11), () -> "the application's socket was closed: " + pipes.closed);
        assertEquals(2, spawnedWith.size(), "a new guard is started");
        assertEquals(List.of(), pipes.writes);
    }

    @Test
    void aFailedStartIsRetriedOnlyAfterAWhile() {
        proc.put(GUARD_PID, 1, 'S', 1, 500, "java");
        AtomicInteger attempts = new AtomicInteger();
        JvmDeathGuard guard = new JvmDeathGuard(readFd -> {
            attempts.incrementAndGet();
            throw new IOException("no java");
        }, () -> pipes, proc, true);
        guard.ensureRunning();
        guard.ensureRunning();
        guard.rootStarted(2001, 61);
        assertEquals(1, attempts.get(), "not one failing start per process start");
        assertEquals(List.of(11, 10), pipes.closed, "the failed start's pipe is closed");
        assertEquals(List.of(), pipes.writes);
    }

    @Test
    void anUnnamedPipeIsRefusedAndLeftClosed() {
        ScriptedPipes blind = new ScriptedPipes() {
            @Override
            public String fdTarget(int fd) {
                return null; // no /proc
            }
        };
        try {
            GuardPipe.open(blind);
            throw new AssertionError("a pipe that cannot be checked must not be used");
        } catch (IOException expected) {
            assertEquals(List.of(10, 11), blind.closed);
        }
    }

    @Test
    void anOffGuardDoesNothing() {
        JvmDeathGuard off = new JvmDeathGuard(readFd -> {
            throw new AssertionError("never started");
        }, () -> pipes, proc, false);
        off.ensureRunning();
        off.rootStarted(2001, 61);
        off.startSpared("tk3e8-1-7");
        off.standDown();
        assertEquals(List.of(), pipes.writes);
    }
}
