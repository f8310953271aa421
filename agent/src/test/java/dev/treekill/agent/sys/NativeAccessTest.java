package dev.treekill.agent.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NativeAccessTest {
    /**
     * The native kill(2) refuses what the JDK one refuses, itself, under any caller. Signal 0 only asks the kernel
     * whether a signal could be sent: without the refusal, root's kill(1, 0), kill(0, 0), kill(-1, 0) and
     * kill(self, 0) succeed, so these assertions fail, and nothing is hurt.
     */
    @Test
    void theNativeKillRefusesPidOneZeroNegativeAndThisJvm() {
        Syscalls sys = NativeAccess.syscalls();
        for (int pid : new int[] {1, 0, -1, -12345, sys.selfPid()}) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> sys.killPid(pid, 0), "pid " + pid);
            assertEquals(ErrnoException.EPERM, e.errno(), "pid " + pid);
        }
    }

    @Test
    void theNativeCallsLinkToAPrivateJnaNotTheClassPathOne() throws Exception {
        Syscalls sys = NativeAccess.syscalls();
        ClassLoader hidden = sys.getClass().getClassLoader();
        assertTrue(hidden instanceof HiddenLoader, "built with TREEKILL-INF/jna, so loaded privately: " + hidden);
        Class<?> privateJna = Class.forName("com.sun.jna.Native", false, hidden);
        Class<?> appJna = Class.forName("com.sun.jna.Native", false, NativeAccessTest.class.getClassLoader());
        assertNotSame(appJna, privateJna);
        assertTrue(privateJna.getClassLoader() instanceof HiddenLoader);
    }

    /**
     * The hidden JNA writes jna.loaded, jnidispatch.path and jna.platform.library.path into its private view, not
     * into this JVM's properties, where another JNA would read them. (Other tests in this JVM may initialise the
     * class path's JNA, which sets its own: the out-of-process LibraryIsolationIT compares a whole JVM's.)
     */
    @Test
    void theHiddenJnaKeepsItsPropertiesToItself() {
        Syscalls sys = NativeAccess.syscalls();
        assertTrue(sys.getClass().getClassLoader() instanceof HiddenLoader);
        assertEquals("true", JnaProperties.own("jna.loaded"), "the hidden JNA ran its initialisation");
        String ownLibrary = JnaProperties.own("jnidispatch.path");
        assertTrue(ownLibrary != null && new java.io.File(ownLibrary).isFile(), "and recorded its native library: " + ownLibrary);
        assertNotEquals(ownLibrary, System.getProperty("jnidispatch.path"), "a path no other JNA extracted");
        assertTrue(JnaProperties.own(NativeAccess.PLATFORM_LIBRARY_PATH).contains("/lib"));
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
