package dev.treekill.agent.sys;

import dev.treekill.agent.proc.FakeProc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/** Native calls as a test scripts them; every signal is recorded and none is sent. */
public class FakeSyscalls implements Syscalls {
    public final List<String> calls = new ArrayList<>();
    public final Map<Integer, Integer> fdToPid = new HashMap<>();
    public int self = 1000;
    /** When set, signals act on it as the kernel would: SIGSTOP stops, SIGCONT continues, SIGKILL leaves a zombie. */
    public FakeProc proc;
    public int pidfdOpenErrno;
    public IntPredicate readable = fd -> false;
    private int nextFd = 100;

    public List<String> signals() {
        List<String> out = new ArrayList<>();
        for (String c : calls) {
            if (c.startsWith("kill") || c.startsWith("pidfd_send_signal")) {
                out.add(c);
            }
        }
        return out;
    }

    public FakeSyscalls() {
    }

    public FakeSyscalls(FakeProc proc) {
        this.proc = proc;
    }

    @Override
    public int selfPid() {
        return self;
    }

    @Override
    public void killPid(int pid, int signal) {
        calls.add("kill " + pid + " " + signal);
        deliver(pid, signal);
    }

    private void deliver(Integer pid, int signal) {
        if (proc != null && pid != null) {
            proc.setState(pid, signal == SIGSTOP ? 'T' : signal == SIGKILL ? 'Z' : 'S');
        }
    }

    @Override
    public int pidfdOpen(int pid) throws ErrnoException {
        calls.add("pidfd_open " + pid);
        if (pidfdOpenErrno != 0) {
            throw new ErrnoException("pidfd_open", pidfdOpenErrno);
        }
        fdToPid.put(nextFd, pid);
        return nextFd++;
    }

    @Override
    public void pidfdSendSignal(int pidfd, int signal) throws ErrnoException {
        calls.add("pidfd_send_signal " + fdToPid.get(pidfd) + " " + signal);
        deliver(fdToPid.get(pidfd), signal);
    }

    @Override
    public boolean pollReadable(int fd, int timeoutMillis) {
        return readable.test(fd);
    }

    @Override
    public void closeFd(int fd) {
        calls.add("close " + fdToPid.remove(fd));
    }

    @Override
    public void reserveDescriptors(int count) {
    }

    /** Reaping as the kernel does it: only a zombie child of {@link #self} can be reaped; it then disappears. */
    @Override
    public boolean reapChild(int pidfd, int pid) throws ErrnoException {
        calls.add("reap " + pid);
        if (proc == null) {
            return false;
        }
        dev.treekill.agent.proc.ProcEntry e = dev.treekill.agent.proc.ProcTable.read(proc, pid);
        if (e == null || e.ppid != self) {
            throw new ErrnoException("waitid", ErrnoException.ECHILD);
        }
        if (!e.isZombie()) {
            return false;
        }
        proc.remove(pid);
        return true;
    }

    int subreaperCalls;

    @Override
    public void becomeSubreaper() {
        subreaperCalls++;
    }
}
