package dev.treekill.agent.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import java.nio.ByteOrder;

/**
 * {@link Syscalls} through JNA direct mapping (about 0.3 µs a call). Loaded only by {@link HiddenLoader},
 * so the JNA it links to is the agent's private copy, never the application's.
 */
final class JnaSyscalls implements Syscalls {
    // Same numbers on every Linux architecture that uses the generic syscall table (x86-64, arm64, ...).
    private static final long SYS_PIDFD_SEND_SIGNAL = 424;
    private static final long SYS_PIDFD_OPEN = 434;
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final int P_PID = 1;
    private static final int P_PIDFD = 3;
    private static final int WNOHANG = 1;
    private static final int WEXITED = 4;
    private static final int PR_SET_CHILD_SUBREAPER = 36;
    private static final int F_SETFD = 2;
    private static final int FD_CLOEXEC = 1;
    /** siginfo_t is 128 bytes; si_pid sits after si_signo, si_errno, si_code and padding on 64-bit Linux. */
    private static final int SIGINFO_INTS = 32;
    private static final int SI_PID_INT = 4;
    private static final int POLLIN = 0x1;
    private static final int POLL_DONE = 0x1 | 0x8 | 0x10; // IN, ERR, HUP
    private static final int POLLNVAL = 0x20;
    /** struct pollfd is {int fd; short events; short revents}: the second int holds both shorts. */
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    static {
        Native.register(JnaSyscalls.class, NativeLibrary.getInstance("c"));
    }

    private static native int getpid();

    private static native int kill(int pid, int sig) throws LastErrorException;

    private static native long syscall(long number, long a, long b, long c, long d) throws LastErrorException;

    private static native int poll(int[] fds, long nfds, int timeout) throws LastErrorException;

    private static native int close(int fd) throws LastErrorException;

    private static native int fcntl(int fd, int cmd, int arg) throws LastErrorException;

    private static native int waitid(int idtype, int id, int[] siginfo, int options) throws LastErrorException;

    private static native int prctl(int option, long arg2, long arg3, long arg4, long arg5) throws LastErrorException;

    private static native int setsid() throws LastErrorException;

    @Override
    public int selfPid() {
        return getpid();
    }

    @Override
    public void killPid(int pid, int signal) throws ErrnoException {
        Syscalls.refuseUnsignallable(pid, getpid(), "kill");
        try {
            kill(pid, signal);
        } catch (LastErrorException e) {
            throw new ErrnoException("kill", e.getErrorCode());
        }
    }

    @Override
    public int pidfdOpen(int pid) throws ErrnoException {
        try {
            return (int) syscall(SYS_PIDFD_OPEN, pid, 0, 0, 0);
        } catch (LastErrorException e) {
            throw new ErrnoException("pidfd_open", e.getErrorCode());
        }
    }

    @Override
    public void pidfdSendSignal(int pidfd, int signal) throws ErrnoException {
        try {
            syscall(SYS_PIDFD_SEND_SIGNAL, pidfd, signal, 0, 0);
        } catch (LastErrorException e) {
            throw new ErrnoException("pidfd_send_signal", e.getErrorCode());
        }
    }

    @Override
    public boolean pollReadable(int fd, int timeoutMillis) throws ErrnoException {
        int[] pollfd = {fd, LITTLE_ENDIAN ? POLLIN : POLLIN << 16};
        try {
            if (poll(pollfd, 1, timeoutMillis) == 0) {
                return false;
            }
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ErrnoException.EINTR) {
                return false;
            }
            throw new ErrnoException("poll", e.getErrorCode());
        }
        int revents = LITTLE_ENDIAN ? pollfd[1] >>> 16 : pollfd[1] & 0xffff;
        if ((revents & POLLNVAL) != 0) {
            throw new ErrnoException("poll", ErrnoException.EBADF);
        }
        return (revents & POLL_DONE) != 0;
    }

    @Override
    public void closeFd(int fd) {
        try {
            close(fd);
        } catch (LastErrorException ignored) {
            // EBADF/EINTR on close: the descriptor is released either way on Linux.
        }
    }

    @Override
    public void reserveDescriptors(int count) {
        int self = -1;
        try {
            self = pidfdOpen(getpid());
            closeFd(fcntl(self, F_DUPFD_CLOEXEC, count - 1));
        } catch (ErrnoException | LastErrorException e) {
            // A low RLIMIT_NOFILE or an old kernel: the table then grows on demand, which is only slower.
        } finally {
            if (self >= 0) {
                closeFd(self);
            }
        }
    }

    @Override
    public boolean reapChild(int pidfd, int pid) throws ErrnoException {
        if (pidfd >= 0) {
            try {
                return reap(P_PIDFD, pidfd);
            } catch (ErrnoException e) {
                if (e.errno() != ErrnoException.EINVAL) {
                    throw e;
                }
                // P_PIDFD needs Linux 5.4; by pid is as safe here: a zombie's pid cannot be reused.
            }
        }
        return reap(P_PID, pid);
    }

    private static boolean reap(int idtype, int id) throws ErrnoException {
        int[] siginfo = new int[SIGINFO_INTS];
        try {
            waitid(idtype, id, siginfo, WEXITED | WNOHANG);
        } catch (LastErrorException e) {
            throw new ErrnoException("waitid", e.getErrorCode());
        }
        return siginfo[SI_PID_INT] != 0; // WNOHANG and nothing exited: si_pid stays 0
    }

    @Override
    public void becomeSubreaper() throws ErrnoException {
        try {
            prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        } catch (LastErrorException e) {
            throw new ErrnoException("prctl(PR_SET_CHILD_SUBREAPER)", e.getErrorCode());
        }
    }

    @Override
    public void closeOnExec(int fd) throws ErrnoException {
        try {
            fcntl(fd, F_SETFD, FD_CLOEXEC);
        } catch (LastErrorException e) {
            throw new ErrnoException("fcntl(F_SETFD)", e.getErrorCode());
        }
    }

    @Override
    public void newSession() throws ErrnoException {
        try {
            setsid();
        } catch (LastErrorException e) {
            throw new ErrnoException("setsid", e.getErrorCode());
        }
    }
}
