package dev.treekill.agent.guard;

import dev.treekill.agent.log.Log;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * This JVM's ends of the guard's pipe (a write to it never waits: see {@link PipeCalls}), and what
 * {@code /proc/self/fd} named them at creation, {@code pipe:[<inode>]}. The JVM keeps its read end too: the guard's
 * end-of-file needs only the write end gone, and with it a full pipe can be emptied for the stand-down line. The descriptors are plain numbers that
 * native code in the application can close; the number then comes back for a file of the application's. So
 * before every write or close the descriptor is checked to still name this pipe, and one that does not is
 * forgotten without being touched: the worst the application can do is end the guard early (it sees
 * end-of-file and, the JVM being alive, exits; the next process start brings a new one). The check and the
 * call are two system calls: a close and reopen by another thread between them cannot be ruled out from user
 * space, but it is a window of microseconds instead of the guard's whole life.
 */
final class GuardPipe {
    private final PipeCalls calls;
    private final int readFd;
    private final int writeFd;
    /** {@code pipe:[<inode>]}: both ends name the same pipe. */
    private final String identity;
    private boolean readOpen = true;
    private boolean writeOpen = true;

    private GuardPipe(PipeCalls calls, int readFd, int writeFd, String identity) {
        this.calls = calls;
        this.readFd = readFd;
        this.writeFd = writeFd;
        this.identity = identity;
    }

    /** A new pipe. @throws IOException if it cannot be made or /proc cannot name it (then nothing is left open) */
    static GuardPipe open(PipeCalls calls) throws IOException {
        int[] fds = calls.openPipe();
        String identity = calls.fdTarget(fds[1]);
        if (identity == null || !identity.startsWith("pipe:") || !identity.equals(calls.fdTarget(fds[0]))) {
            calls.close(fds[0]);
            calls.close(fds[1]);
            throw new IOException("/proc/self/fd does not name the new pipe (" + identity + ")");
        }
        return new GuardPipe(calls, fds[0], fds[1], identity);
    }

    /** The read end, for the guard's start to hand over as its stdin. */
    int readFd() {
        return readFd;
    }

    /**
     * Writes {@code line} and a newline without waiting (the pipe buffers it; a guard still starting reads it
     * before end-of-file). False if it could not be written: closed, no longer this pipe, or full.
     */
    synchronized boolean tell(String line) {
        if (!writeOpen || !stillOurs(writeFd)) {
            if (writeOpen) {
                calls.forget(writeFd);
            }
            writeOpen = false;
            return false;
        }
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.ISO_8859_1);
        try {
            return calls.write(writeFd, bytes) == bytes.length;
        } catch (IOException | RuntimeException e) {
            Log.debug("cannot tell the guard '" + line + "': " + e);
            return false;
        }
    }

    /**
     * Tells the guard to stand down. If the pipe is full (roots told while the guard was still booting), what it
     * holds is read back through this JVM's own read end first: the guard needs none of it any more. The line then
     * starts with a newline, which ends a line the guard may have read only the first part of.
     */
    synchronized boolean standDown(String line) {
        if (tell(line)) {
            return true;
        }
        if (!readOpen || !writeOpen || !stillOurs(readFd)) {
            return false;
        }
        try {
            calls.drain(readFd);
        } catch (IOException | RuntimeException e) {
            Log.debug("cannot empty the guard's pipe: " + e);
            return false;
        }
        return tell("\n" + line);
    }

    /**
     * Marks both ends close-on-exec, so that no program that native code in the application forks and execs keeps
     * the pipe (and with it the guard blind to the JVM's death). Through the native calls, loaded first without
     * holding this pipe's lock (a start telling its root must not wait for them): off the starting thread.
     */
    void closeOnExec() {
        try {
            calls.loadNative();
            synchronized (this) {
                if (readOpen && stillOurs(readFd)) {
                    calls.closeOnExec(readFd);
                }
                if (writeOpen && stillOurs(writeFd)) {
                    calls.closeOnExec(writeFd);
                }
            }
        } catch (IOException | RuntimeException e) {
            Log.debug("the guard's pipe stays inheritable by programs forked natively: " + e);
        }
    }

    /** Closes both ends: a guard not told to stand down then sees end-of-file. At most once. */
    synchronized void close() {
        if (writeOpen) {
            release(writeFd);
        }
        writeOpen = false;
        if (readOpen) {
            release(readFd);
        }
        readOpen = false;
    }

    private void release(int fd) {
        if (stillOurs(fd)) {
            calls.close(fd);
        } else {
            calls.forget(fd);
        }
    }

    private boolean stillOurs(int fd) {
        if (identity.equals(calls.fdTarget(fd))) {
            return true;
        }
        Log.debug("the guard's pipe descriptor " + fd + " no longer names " + identity
                + " (the application closed it); forgotten, not touched");
        return false;
    }
}
