package dev.treekill.agent.sys;

/** A system call failed with {@code errno}. Checked, so that every caller decides what each errno means. */
public final class ErrnoException extends Exception {
    private static final long serialVersionUID = 1L;

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int EINVAL = 22;
    public static final int EMFILE = 24;
    public static final int EPIPE = 32;
    public static final int ENOSYS = 38;

    private final int errno;

    public ErrnoException(String call, int errno) {
        super(call + " failed: errno " + errno, null, false, false);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
