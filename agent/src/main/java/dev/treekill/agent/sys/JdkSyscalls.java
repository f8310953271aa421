package dev.treekill.agent.sys;

import java.util.Optional;

/**
 * {@link Syscalls} with what the JDK offers, no native code of ours: usable from a JVM's first process start
 * on, while JNA still loads. SIGKILL and SIGTERM go through {@link ProcessHandle#destroyForcibly()} and
 * {@link ProcessHandle#destroy()}, which compare the process's start time with the one the handle was made
 * for right before kill(2) (ProcessHandleImpl's destroy0): the same pid-reuse check as signalling by pid after
 * reading /proc, with the same tiny window between check and kill. Everything else a kernel call would give
 * (SIGSTOP, pidfds, poll, waitid, prctl) fails with ENOSYS, so callers take their pidfd-less paths.
 * <p>
 * The callers run with the agent's hooks off on their thread: the destroy calls here must not become tree
 * kills of their own.
 */
public final class JdkSyscalls implements Syscalls {
    private final int self = (int) ProcessHandle.current().pid();
    /** The JDK's own scan of /proc and its start-time-checked kill, or null (then {@link #processTable} fails). */
    private final JdkProcessTable table;

    /** Signals only: no {@link #processTable}. */
    public JdkSyscalls() {
        this(null);
    }

    /** With {@code table} (null for none) behind {@link #processTable} and {@link #signalStarted}. */
    public JdkSyscalls(JdkProcessTable table) {
        this.table = table;
    }

    @Override
    public int selfPid() {
        return self;
    }

    @Override
    public int processTable(long[] pids, long[] ppids, long[] startTicks) throws ErrnoException {
        if (table == null) {
            throw new ErrnoException("process table scan without the JDK's", ErrnoException.ENOSYS);
        }
        return table.scan(pids, ppids, startTicks);
    }

    @Override
    public boolean signalStarted(int pid, long startTicks, int signal) throws ErrnoException {
        if (table == null || (signal != SIGKILL && signal != SIGTERM)) {
            throw new ErrnoException("kill(" + signal + ") of a scanned process without native calls", ErrnoException.ENOSYS);
        }
        Syscalls.refuseUnsignallable(pid, self, "kill");
        return table.destroy(pid, startTicks, signal == SIGKILL);
    }

    @Override
    public void killPid(int pid, int signal) throws ErrnoException {
        if (signal != SIGKILL && signal != SIGTERM) {
            throw new ErrnoException("kill(" + signal + ") without native calls", ErrnoException.ENOSYS);
        }
        Syscalls.refuseUnsignallable(pid, self, "kill"); // ProcessHandle refuses these too; say so here
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        // of() read the start time; destroy re-reads it right before kill(2) and does nothing if the pid was reused.
        boolean sent = handle.isPresent() && (signal == SIGKILL ? handle.get().destroyForcibly() : handle.get().destroy());
        if (!sent) {
            throw new ErrnoException("kill", ErrnoException.ESRCH);
        }
    }

    /** ProcessHandle.of: reads the start time of the process now at {@code pid}, which its destroy compares. */
    @Override
    public ProcessHandle pinHandle(int pid) {
        return pid <= 1 || pid == self ? null : ProcessHandle.of(pid).orElse(null);
    }

    @Override
    public boolean signalHandle(ProcessHandle handle, int signal) throws ErrnoException {
        if (signal != SIGKILL && signal != SIGTERM) {
            throw new ErrnoException("kill(" + signal + ") without native calls", ErrnoException.ENOSYS);
        }
        Syscalls.refuseUnsignallable(handle.pid(), self, "kill");
        return signal == SIGKILL ? handle.destroyForcibly() : handle.destroy();
    }

    @Override
    public int pidfdOpen(int pid) throws ErrnoException {
        throw new ErrnoException("pidfd_open without native calls", ErrnoException.ENOSYS);
    }

    @Override
    public void pidfdSendSignal(int pidfd, int signal) throws ErrnoException {
        throw new ErrnoException("pidfd_send_signal without native calls", ErrnoException.ENOSYS);
    }

    @Override
    public boolean pollReadable(int fd, int timeoutMillis) throws ErrnoException {
        throw new ErrnoException("poll without native calls", ErrnoException.ENOSYS);
    }

    @Override
    public void closeFd(int fd) {
        // never opened one
    }

    @Override
    public void reserveDescriptors(int count) {
        // nothing to reserve without pidfds
    }

    @Override
    public boolean reapChild(int pidfd, int pid) throws ErrnoException {
        throw new ErrnoException("waitid without native calls", ErrnoException.ENOSYS);
    }

    @Override
    public void becomeSubreaper() throws ErrnoException {
        throw new ErrnoException("prctl without native calls", ErrnoException.ENOSYS);
    }
}
