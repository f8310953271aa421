package dev.treekill.agent.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NativeAccessTest {
    @Test
    void theNativeCallsLinkToAPrivateJnaNotTheClassPathOne() throws Exception {
        Syscalls sys = NativeAccess.syscalls();
        ClassLoader hidden = sys.getClass().getClassLoader();
        assertTrue(hidden instanceof HiddenLoader, "built with TREEKILL-INF/jna, so loaded privately: " + hidden);
        Class<?> privateJna = Class.forName("com.sun.jna.Native", false, hidden);
        Class<?> appJna = Class.forName("com.sun.jna.Native");
        assertNotSame(appJna, privateJna);
        assertTrue(privateJna.getClassLoader() instanceof HiddenLoader);
    }

    @Test
    void callsReachTheKernel() throws Exception {
        Syscalls sys = NativeAccess.syscalls();
        assertEquals(ProcessHandle.current().pid(), sys.selfPid());
        int fd = sys.pidfdOpen(sys.selfPid());
        assertFalse(sys.pollReadable(fd, 0), "this process has not exited");
        sys.closeFd(fd);
        ErrnoException gone = assertThrows(ErrnoException.class, () -> sys.pidfdOpen(Integer.MAX_VALUE));
        assertEquals(ErrnoException.ESRCH, gone.errno());
        ErrnoException closed = assertThrows(ErrnoException.class, () -> sys.pollReadable(fd, 0));
        assertEquals(ErrnoException.EBADF, closed.errno(), "a closed pidfd says nothing about its process");
    }

    @Test
    void aPidfdPollsReadableWhenItsProcessIsAZombie() throws Exception {
        Syscalls sys = NativeAccess.syscalls();
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", "read x");
        pb.environment().put("TREEKILL_TEST_TAG", "native-access-test");
        Process p = pb.start();
        int fd = sys.pidfdOpen((int) p.pid());
        try {
            assertFalse(sys.pollReadable(fd, 0));
            p.getOutputStream().close(); // EOF: the shell exits, and stays a zombie until the JDK reaps it
            assertTrue(sys.pollReadable(fd, 30_000));
            p.waitFor();
        } finally {
            sys.closeFd(fd);
            p.destroyForcibly();
        }
    }
}
