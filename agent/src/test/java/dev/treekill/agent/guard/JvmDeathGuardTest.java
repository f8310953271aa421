package dev.treekill.agent.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.proc.FakeProc;
import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.NativeAccess;
import dev.treekill.agent.sys.Syscalls;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The JVM's side of the guard against a scripted pipe: {@code done} reaches a guard in every state (still
 * starting, running), so that a guard whose start thread died with the JVM stands down instead of killing
 * the shutdown's own work; a guard stood down before its pipe exists is never started; and a descriptor the
 * application closed and got back for a file of its own is never written to nor closed. Then the same
 * pipe, for real: what a guard reads after the JVM stood down.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JvmDeathGuardTest {
    private static final int READ_FD = 10;
    private static final int WRITE_FD = 11;
    private static final String PIPE = "pipe:[4242]";
    private static final int GUARD_PID = 777;

    /** One pipe, {READ_FD, WRITE_FD}; records writes and closes; /proc/self/fd says what {@link #fds} says. */
    static class PipeSyscalls implements Syscalls {
        final Map<Integer, String> fds = new ConcurrentHashMap<>();
        final List<String> writes = new CopyOnWriteArrayList<>();
        final List<Integer> closed = new CopyOnWriteArrayList<>();

        @Override
        public int[] openPipe() {
            fds.put(READ_FD, PIPE);
            fds.put(WRITE_FD, PIPE);
            return new int[] {READ_FD, WRITE_FD};
        }

        @Override
        public String fdTarget(int fd) {
            return fds.get(fd);
        }

        @Override
        public int write(int fd, byte[] bytes) {
            writes.add(fd + " " + new String(bytes, StandardCharsets.ISO_8859_1));
            return bytes.length;
        }

        @Override
        public void closeFd(int fd) {
            closed.add(fd);
            fds.remove(fd);
        }

        @Override
        public int selfPid() {
            return 1000;
        }

        @Override
        public void killPid(int pid, int signal) {
            throw new AssertionError("the JVM's side of the guard never signals");
        }

        @Override
        public int pidfdOpen(int pid) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void pidfdSendSignal(int pidfd, int signal) {
            throw new AssertionError("the JVM's side of the guard never signals");
        }

        @Override
        public boolean pollReadable(int fd, int timeoutMillis) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void reserveDescriptors(int count) {
        }

        @Override
        public boolean reapChild(int pidfd, int pid) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void becomeSubreaper() {
            throw new UnsupportedOperationException();
        }
    }

    private final PipeSyscalls sys = new PipeSyscalls();
    private final FakeProc proc = new FakeProc();
    private final AtomicInteger launches = new AtomicInteger();
    private final CountDownLatch launcherEntered = new CountDownLatch(1);
    private final CountDownLatch launcherMayReturn = new CountDownLatch(1);

    /** A launcher that waits for {@link #launcherMayReturn}, and a guard process that runs. */
    private JvmDeathGuard guard(Supplier<Syscalls> syscalls) {
        proc.put(GUARD_PID, 1, 'S', 1, 500, "java");
        JvmDeathGuard.Launcher launcher = readFd -> {
            launches.incrementAndGet();
            assertEquals(READ_FD, readFd);
            launcherEntered.countDown();
            assertTrue(launcherMayReturn.await(30, TimeUnit.SECONDS));
            return new JvmDeathGuard.Launched(GUARD_PID, 500);
        };
        return new JvmDeathGuard(launcher, syscalls, proc, true);
    }

    private static void await(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, what::get);
            Thread.sleep(5);
        }
    }

    @Test
    void aGuardStillStartingWhenTheExitKillEndsFindsDoneInItsPipe() throws Exception {
        JvmDeathGuard guard = guard(() -> sys);
        guard.ensureRunning();
        assertTrue(launcherEntered.await(30, TimeUnit.SECONDS));
        guard.standDown(); // the JVM may halt now: its start thread is a daemon
        assertEquals(List.of(WRITE_FD + " done\n"), sys.writes, "told at once, whatever the state");
        assertFalse(sys.closed.contains(WRITE_FD), "the write end stays for the start still using the read end");
        launcherMayReturn.countDown(); // ... or it does not halt that soon, and the start ends
        await(() -> sys.closed.contains(WRITE_FD), () -> "the start closes the write end once done: " + sys.closed);
        assertEquals(List.of(READ_FD, WRITE_FD), sys.closed, "each end closed once");
        assertEquals(1, sys.writes.size(), "told once");
        assertEquals(-1, guard.pid());
        guard.ensureRunning();
        assertEquals(1, launches.get(), "never started again once stood down");
    }

    @Test
    void aGuardStoodDownBeforeItsPipeExistsIsNeverStarted() throws Exception {
        CountDownLatch asked = new CountDownLatch(1);
        CountDownLatch mayOpen = new CountDownLatch(1);
        JvmDeathGuard guard = guard(() -> {
            asked.countDown();
            try {
                assertTrue(mayOpen.await(30, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return sys;
        });
        guard.ensureRunning();
        assertTrue(asked.await(30, TimeUnit.SECONDS));
        guard.standDown();
        mayOpen.countDown();
        await(() -> sys.closed.size() == 2, () -> "the pipe is closed again: " + sys.closed);
        assertEquals(0, launches.get(), "nothing started after the stand-down");
        assertEquals(List.of(), sys.writes);
    }

    @Test
    void aRunningGuardIsToldAndItsPipeClosed() throws Exception {
        launcherMayReturn.countDown();
        JvmDeathGuard guard = guard(() -> sys);
        guard.ensureRunning();
        await(() -> guard.pid() == GUARD_PID, () -> "the guard runs");
        guard.standDown();
        assertEquals(List.of(WRITE_FD + " done\n"), sys.writes);
        assertEquals(List.of(READ_FD, WRITE_FD), sys.closed);
    }

    @Test
    void aDescriptorTheApplicationReusedIsNeverWrittenToNorClosed() throws Exception {
        launcherMayReturn.countDown();
        JvmDeathGuard guard = guard(() -> sys);
        guard.ensureRunning();
        await(() -> guard.pid() == GUARD_PID, () -> "the guard runs");
        sys.fds.put(WRITE_FD, "/srv/app/data.db"); // the application closed it, and opened a file that got its number
        guard.standDown();
        assertEquals(List.of(), sys.writes, "nothing written into the application's file");
        assertEquals(List.of(READ_FD), sys.closed, "the application's file not closed");
    }

    @Test
    void aDeadGuardsReusedDescriptorIsForgottenUntouched() throws Exception {
        launcherMayReturn.countDown();
        JvmDeathGuard guard = guard(() -> sys);
        guard.ensureRunning();
        await(() -> guard.pid() == GUARD_PID, () -> "the guard runs");
        sys.fds.put(WRITE_FD, "socket:[99]"); // closed by the application, reused for a connection
        proc.remove(GUARD_PID); // the guard died: the next start brings a new one, and forgets the old pipe
        guard.ensureRunning(); // forgets the old pipe at once, on this thread
        assertFalse(sys.closed.contains(WRITE_FD), () -> "the application's socket was closed: " + sys.closed);
        await(() -> launches.get() == 2, () -> "a new guard is started");
        assertEquals(List.of(), sys.writes);
    }

    @Test
    void anUnnamedPipeIsRefusedAndLeftClosed() {
        PipeSyscalls blind = new PipeSyscalls() {
            @Override
            public String fdTarget(int fd) {
                return null; // no /proc
            }
        };
        try {
            GuardPipe.open(blind);
            throw new AssertionError("a pipe that cannot be checked must not be used");
        } catch (ErrnoException expected) {
            assertEquals(List.of(READ_FD, WRITE_FD), blind.closed);
        }
    }

    @Test
    void aRealGuardReadsDoneBeforeEndOfFileAfterTheJvmStoodDown() throws Exception {
        Syscalls real = NativeAccess.syscalls();
        GuardPipe pipe = GuardPipe.open(real);
        // What the guard's launcher does: open the read end through /proc, as the guard's stdin.
        try (InputStream guardsStdin = new FileInputStream("/proc/self/fd/" + pipe.readFd())) {
            pipe.closeReadEnd();
            assertTrue(pipe.tell(JvmDeathGuard.STAND_DOWN));
            pipe.close(); // what the kernel does when the JVM halts
            assertFalse(Guard.awaitEndOfPipe(guardsStdin), "the guard stands down instead of killing");
        }
        assertFalse(pipe.tell(JvmDeathGuard.STAND_DOWN), "closed: nothing written any more");
    }
}
