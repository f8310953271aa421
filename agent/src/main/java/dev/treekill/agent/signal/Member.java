package dev.treekill.agent.signal;

import dev.treekill.agent.proc.ProcEntry;

/** A process of a tree being killed: who it is, and a pidfd pinning it when the kernel gave one. */
public final class Member {
    /** The {@link #pidfd} of a member the kernel gave no pidfd for. */
    public static final int NO_PIDFD = -1;

    public final ProcEntry entry;
    /** {@link #NO_PIDFD} when there is none: signals then go through {@link #handle}, or by pid after a start-time check. */
    public int pidfd;
    /** Without a pidfd, a JDK handle made before the member's /proc entry was read and checked; else null. */
    public ProcessHandle handle;
    public boolean exited;
    /** Its pidfd could not be polled: the wait reads /proc for it instead. */
    public boolean pollFailed;
    /** Threads when last read; a stopped process cannot start more, so 1 means its main thread's children are all. */
    public int threads;
    /** Seen stopped (every thread), a zombie, or gone: it cannot fork any more. */
    public boolean stopped;
    /** Its SIGKILL could not be sent (EPERM: another user's process): no use waiting for it. */
    public boolean unsignalled;
    /** A signal found it reaped: its pid may name a newer process now. */
    public boolean gone;
    /**
     * Known from a scan and pinned by nothing: signalled through {@link dev.treekill.agent.sys.Syscalls#signalStarted},
     * which checks its start time right before kill(2).
     */
    public boolean byStartTime;

    public Member(ProcEntry entry, int pidfd) {
        this.entry = entry;
        this.pidfd = pidfd;
        this.threads = entry.threads;
    }

    /** Whether the kernel gave a pidfd for it (else signals go by handle, or by pid after a start-time check). */
    public boolean hasPidfd() {
        return pidfd != NO_PIDFD;
    }

    public int pid() {
        return entry.pid;
    }

    /**
     * Stopped by somebody else (job control, a supervisor's SIGSTOP) when it was pinned, before the freeze: a
     * freeze that continues the tree afterwards must leave it stopped, as the application meant it to be. (A
     * process stopped by somebody else between its pinning and its SIGSTOP is continued: that window is one
     * /proc read wide.)
     */
    public boolean stoppedBeforeFreeze() {
        return entry.state == 'T';
    }

    @Override
    public String toString() {
        return entry.toString();
    }
}
