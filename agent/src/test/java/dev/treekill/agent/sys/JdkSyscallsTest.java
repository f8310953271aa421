package dev.treekill.agent.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.testing.TaggedProcesses;
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
    void sigtermIsDestroy() throws Exception {
        Process p = procs.start(java.util.List.of("sleep", "1000"));
        sys.killPid((int) p.pid(), Syscalls.SIGTERM);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(143, p.exitValue(), "SIGTERM");
    }
}
