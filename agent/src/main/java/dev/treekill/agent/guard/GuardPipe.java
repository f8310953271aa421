package dev.treekill.agent.guard;

import dev.treekill.agent.log.Log;
import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.Syscalls;
import java.nio.charset.StandardCharsets;

/**
 * This JVM's ends of the guard's pipe (pipe2 with O_CLOEXEC and O_NONBLOCK: no child inherits them, and a write
 * never waits), and what {@code /proc/self/fd} named them at creation, {@code pipe:[<inode>]}. The descriptors
 * are plain numbers the application can close; the number then comes back for a file of the application's.
 * So before every write or close the descriptor is checked to still name this pipe, and one that does not is
 * forgotten without being touched: the worst the application can do is end the guard early (it sees
 * end-of-file and, the JVM being alive, exits; the next process start brings a new one). The check and the
 * call are two system calls: a close and reopen by another thread between them cannot be ruled out from user
 * space, but it is a window of microseconds instead of the guard's whole life.
 */
final class GuardPipe {
    private final Syscalls sys;
    private final int readFd;
    private final int writeFd;
    /** {@code pipe:[<inode>]}: both ends name the same pipe. */
    private final String identity;
    private boolean readOpen = true;
    private boolean writeOpen = true;

    private GuardPipe(Syscalls sys, int readFd, int writeFd, String identity) {
        this.sys = sys;
        this.readFd = readFd;
        this.writeFd = writeFd;
        this.identity = identity;
    }

    /** A new pipe. @throws ErrnoException if pipe2 fails or /proc cannot name it (then nothing is left open) */
    static GuardPipe open(Syscalls sys) throws ErrnoException {
        int[] fds = sys.openPipe();
        String identity = sys.fdTarget(fds[1]);
        if (identity == null || !identity.startsWith("pipe:") || !identity.equals(sys.fdTarget(fds[0]))) {
            sys.closeFd(fds[0]);
            sys.closeFd(fds[1]);
            throw new ErrnoException("readlink /proc/self/fd of a new pipe (" + identity + ")", ErrnoException.ENOSYS);
        }
        return new GuardPipe(sys, fds[0], fds[1], identity);
    }

    /** The read end, for the guard's start to hand over as its stdin. */
    int readFd() {
        return readFd;
    }

    /** Once the guard holds the read end: this JVM must not, or its death would not be end-of-file. */
    synchronized void closeReadEnd() {
        if (readOpen && stillOurs(readFd)) {
            sys.closeFd(readFd);
        }
        readOpen = false;
    }

    /**
     * Writes {@code line} and a newline without waiting (the pipe buffers it; a guard still starting reads it
     * before end-of-file). False if it could not be written whole: closed, no longer this pipe, or full.
     */
    synchronized boolean tell(String line) {
        if (!writeOpen || !stillOurs(writeFd)) {
            writeOpen = false;
            return false;
        }
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.ISO_8859_1);
        try {
            return sys.write(writeFd, bytes) == bytes.length;
        } catch (ErrnoException | RuntimeException e) {
            Log.debug("cannot tell the guard '" + line + "': " + e);
            return false;
        }
    }

    /** Closes the write end: a guard not told to stand down then sees end-of-file. At most once. */
    synchronized void close() {
        if (writeOpen && stillOurs(writeFd)) {
            sys.closeFd(writeFd);
        }
        writeOpen = false;
    }

    private boolean stillOurs(int fd) {
        if (identity.equals(sys.fdTarget(fd))) {
            return true;
        }
        Log.debug("the guard's pipe descriptor " + fd + " no longer names " + identity
                + " (the application closed it); forgotten, not touched");
        return false;
    }
}
