package dev.treekill.agent.guard;

import java.io.IOException;

/**
 * The calls on the guard's pipe, by descriptor number (the number is what a child is handed, through
 * {@code /proc/self/fd/<n>}). The seam for tests; {@link NioPipeCalls} makes them with the JDK alone.
 */
interface PipeCalls {
    /** A new pipe, {read end, write end}; neither end ever waits (a full pipe takes nothing, an empty one gives nothing). */
    int[] openPipe() throws IOException;

    /**
     * Writes {@code bytes} (at most PIPE_BUF, 4096: then all or nothing) to the write end {@code fd} without waiting;
     * how many were written: 0 when the pipe is full.
     *
     * @throws IOException when no one reads any more (EPIPE) or the descriptor is not open here
     */
    int write(int fd, byte[] bytes) throws IOException;

    /**
     * Reads and discards what the read end {@code fd} holds now, without waiting; how many bytes. Bounded: a pipe
     * holds at most its capacity, and nothing is waited for.
     */
    int drain(int fd) throws IOException;

    /** Loads the native calls {@link #closeOnExec} needs: it may take a second; call it holding no lock. */
    void loadNative() throws IOException;

    /** Marks a descriptor of {@link #openPipe} close-on-exec (through the native calls: see {@link #loadNative}). */
    void closeOnExec(int fd) throws IOException;

    /** Closes a descriptor of {@link #openPipe}. */
    void close(int fd);

    /** Lets go of a descriptor of {@link #openPipe} without closing it: its number is someone else's now. */
    void forget(int fd);

    /**
     * What {@code /proc/self/fd/<fd>} names (readlink, which opens nothing): {@code pipe:[<inode>]} for a pipe, a
     * path for a file; null when the descriptor is not open or /proc cannot tell.
     */
    default String fdTarget(int fd) {
        try {
            return java.nio.file.Files.readSymbolicLink(java.nio.file.Paths.get("/proc/self/fd/" + fd)).toString();
        } catch (IOException | RuntimeException notOpen) {
            return null;
        }
    }
}
