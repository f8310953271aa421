package dev.treekill.agent.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TaggedProcesses;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The signals a JVM has without native calls: the guards first, then real processes. */
@Timeout(60)
class JdkSyscallsTest {
    @RegisterExtension
    final TaggedProcesses procs = new TaggedProcesses();

    private final JdkSyscalls sys = new JdkSyscalls();

    @Test
    void refusesPidOneZeroNegativeAndThisJvm() {
        for (int pid : new int[] {1, 0, -1, -12345, (int) ProcessHandle.current().pid()}) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> sys.killPid(pid, Syscalls.SIGKILL), "pid " + pid);
            assertEquals(ErrnoException.EPERM, e.errno());
        }
    }

    @Test
    void hasNoStopContinueOrPidfds() {
        int pid = (int) ProcessHandle.current().pid();
        assertEquals(ErrnoException.ENOSYS, assertThrows(ErrnoException.class, () -> sys.killPid(pid + 1_000_000, Syscalls.SIGSTOP)).errno());
        assertEquals(ErrnoException.ENOSYS, assertThrows(ErrnoException.class, () -> sys.killPid(pid + 1_000_000, Syscalls.SIGCONT)).errno());
        assertEquals(ErrnoException.ENOSYS, assertThrows(ErrnoException.class, () -> sys.pidfdOpen(pid)).errno());
        assertEquals(ErrnoException.ENOSYS, assertThrows(ErrnoException.class, () -> sys.reapChild(-1, pid)).errno());
        assertEquals(pid, sys.selfPid());
    }

    @Test
    void killsALiveProcessAndSaysEsrchForAGoneOne() throws Exception {
        Process p = procs.start(java.util.List.of("sleep", "1000"));
        sys.killPid((int) p.pid(), Syscalls.SIGKILL);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue(), "SIGKILL");
        ErrnoException gone = assertThrows(ErrnoException.class, () -> sys.killPid((int) p.pid(), Syscalls.SIGKILL));
        assertEquals(ErrnoException.ESRCH, gone.errno());
    }

    @Test
    void aHandleSignalsItsOwnProcessOnceAndRefusesTheGuardedPids() throws Exception {
        assertNull(sys.pinHandle(1));
        assertNull(sys.pinHandle(sys.selfPid()));
        ProcessHandle self = ProcessHandle.current();
        assertEquals(ErrnoException.EPERM, assertThrows(ErrnoException.class, () -> sys.signalHandle(self, Syscalls.SIGKILL)).errno());
        Process p = procs.start(java.util.List.of("sleep", "1000"));
        ProcessHandle handle = sys.pinHandle((int) p.pid());
        assertNotNull(handle);
        assertEquals(ErrnoException.ENOSYS, assertThrows(ErrnoException.class, () -> sys.signalHandle(handle, Syscalls.SIGSTOP)).errno());
        assertTrue(sys.signalHandle(handle, Syscalls.SIGKILL));
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue(), "SIGKILL");
        assertFalse(sys.signalHandle(handle, Syscalls.SIGKILL), "reaped: whatever has its pid now is left alone");
    }

    @Test
    void sigtermIsDestroy() throws Exception {
        Process p = procs.start(java.util.List.of("sleep", "1000"));
        sys.killPid((int) p.pid(), Syscalls.SIGTERM);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(143, p.exitValue(), "SIGTERM");
    }
}
