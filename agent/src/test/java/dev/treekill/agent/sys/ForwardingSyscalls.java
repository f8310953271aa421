package dev.treekill.agent.sys;

import java.util.HashMap;
import java.util.Map;

/** Real native calls that a test can intercept one at a time. */
public class ForwardingSyscalls implements Syscalls {
    private final Syscalls real;
    private final Map<Integer, Integer> pids = new HashMap<>();

    public ForwardingSyscalls(Syscalls real) {
        this.real = real;
    }

    public int pidOf(int pidfd) {
        return pids.getOrDefault(pidfd, -1);
    }

    @Override
    public int selfPid() {
        return real.selfPid();
    }

    @Override
    public void killPid(int pid, int signal) throws ErrnoException {
        real.killPid(pid, signal);
    }

    @Override
    public int pidfdOpen(int pid) throws ErrnoException {
        int fd = real.pidfdOpen(pid);
        pids.put(fd, pid);
        return fd;
    }

    @Override
    public void pidfdSendSignal(int pidfd, int signal) throws ErrnoException {
        real.pidfdSendSignal(pidfd, signal);
    }

    @Override
    public boolean pollReadable(int fd, int timeoutMillis) throws ErrnoException {
        return real.pollReadable(fd, timeoutMillis);
    }

    @Override
    public void closeFd(int fd) {
        pids.remove(fd);
        real.closeFd(fd);
    }

    @Override
    public void reserveDescriptors(int count) {
        real.reserveDescriptors(count);
    }

    @Override
    public boolean reapChild(int pidfd, int pid) throws ErrnoException {
        return real.reapChild(pidfd, pid);
    }

    @Override
    public void becomeSubreaper() throws ErrnoException {
        real.becomeSubreaper();
    }
}
