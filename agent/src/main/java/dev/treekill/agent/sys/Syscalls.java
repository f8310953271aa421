package dev.treekill.agent.sys;

/**
 * The native seam: the few Linux calls the engine needs, nothing more. Signal numbers are those of
 * Linux on x86-64 and arm64. Only {@code dev.treekill.agent.kill.Signaller} may call the signalling
 * methods; everything else asks it.
 */
public interface Syscalls {
    int SIGKILL = 9;
    int SIGTERM = 15;
    int SIGCONT = 18;
    int SIGSTOP = 19;

    int selfPid();

    void killPid(int pid, int signal) throws ErrnoException;

    /** A file descriptor that refers to this very process until closed, whatever happens to its pid. */
    int pidfdOpen(int pid) throws ErrnoException;

    void pidfdSendSignal(int pidfd, int signal) throws ErrnoException;

    /** Waits up to {@code timeoutMillis} for {@code fd} to be readable (a pidfd is readable once its process exited). */
    boolean pollReadable(int fd, int timeoutMillis) throws ErrnoException;

    void closeFd(int fd);

    /**
     * Grows this process's file descriptor table to hold at least {@code count} descriptors, once, so
     * that opening many pidfds later does not grow it step by step (each step waits for an RCU grace period).
     */
    void reserveDescriptors(int count);
}
