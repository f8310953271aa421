package dev.treekill.agent.sys;

import dev.treekill.agent.proc.FakeProc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntPredicate;
import java.util.function.Predicate;

/** Native calls as a test scripts them; every call is recorded as a {@link Call} and no signal is sent. */
public class FakeSyscalls implements Syscalls {
    /** Every call, in order. */
    public final List<Call> calls = new ArrayList<>();
    public final Map<Integer, Integer> fdToPid = new HashMap<>();
    public int self = 1000;
    /** When set, signals act on it as the kernel would: SIGSTOP stops, SIGCONT continues, SIGKILL leaves a zombie. */
    public FakeProc proc;
    public int pidfdOpenErrno;
    public IntPredicate readable = fd -> false;
    private int nextFd = 100;

    /** The calls that sent a signal ({@code kill}, {@code pidfd_send_signal}), in order. */
    public List<Call> signals() {
        List<Call> out = new ArrayList<>();
        for (Call c : calls) {
            if (c.kind.signals()) {
                out.add(c);
            }
        }
        return out;
    }

    /** The pids that were sent {@code signal}, either way, sorted. */
    public Set<Integer> signalled(int signal) {
        return pids(c -> c.kind.signals() && c.signal == signal);
    }

    /** Every pid a call of any kind named (signals, pidfds, reaps), sorted. */
    public Set<Integer> touched() {
        return pids(c -> true);
    }

    /** The pids a {@code waitid} was tried on, sorted. */
    public Set<Integer> reapTried() {
        return pids(c -> c.kind == Call.Kind.REAP);
    }

    private Set<Integer> pids(Predicate<Call> which) {
        Set<Integer> out = new TreeSet<>();
        for (Call c : calls) {
            if (c.namesAProcess() && which.test(c)) {
                out.add(c.pid);
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
        calls.add(Call.kill(pid, signal));
        deliver(pid, signal);
    }

    private void deliver(Integer pid, int signal) {
        if (proc != null && pid != null) {
            proc.setState(pid, signal == SIGSTOP ? 'T' : signal == SIGKILL ? 'Z' : 'S');
        }
    }

    /** The scan as the JDK's table gives it, from {@link #proc} (ENOSYS without one); recorded as no call. */
    @Override
    public int processTable(long[] pids, long[] ppids, long[] startTicks) throws ErrnoException {
        if (proc == null) {
            throw new ErrnoException("process table scan", ErrnoException.ENOSYS);
        }
        int n = 0;
        for (int pid : proc.pids()) {
            dev.treekill.agent.proc.ProcEntry e = dev.treekill.agent.proc.ProcTable.read(proc, pid);
            if (e != null) {
                if (n < pids.length) {
                    pids[n] = e.pid;
                    ppids[n] = e.ppid;
                    startTicks[n] = e.startTime;
                }
                n++;
            }
        }
        return n;
    }

    /** Like the JDK's destroy0: the signal only if {@link #proc} shows the process at {@code pid} with that start. */
    @Override
    public boolean signalStarted(int pid, long startTicks, int signal) throws ErrnoException {
        if (proc == null) {
            throw new ErrnoException("start-time-checked kill", ErrnoException.ENOSYS);
        }
        Syscalls.refuseUnsignallable(pid, self, "kill");
        dev.treekill.agent.proc.ProcEntry now = dev.treekill.agent.proc.ProcTable.read(proc, pid);
        if (now == null || now.startTime != startTicks) {
            return false;
        }
        killPid(pid, signal);
        return true;
    }

    @Override
    public int pidfdOpen(int pid) throws ErrnoException {
        calls.add(Call.pidfdOpen(pid));
        if (pidfdOpenErrno != 0) {
            throw new ErrnoException("pidfd_open", pidfdOpenErrno);
        }
        fdToPid.put(nextFd, pid);
        return nextFd++;
    }

    @Override
    public void pidfdSendSignal(int pidfd, int signal) throws ErrnoException {
        calls.add(Call.pidfdSignal(pidOf(pidfd), signal));
        deliver(fdToPid.get(pidfd), signal);
    }

    /** The pid {@code pidfd} was opened on here, or {@link Call#UNKNOWN_PID}. */
    protected int pidOf(int pidfd) {
        Integer pid = fdToPid.get(pidfd);
        return pid == null ? Call.UNKNOWN_PID : pid;
    }

    @Override
    public boolean pollReadable(int fd, int timeoutMillis) {
        return readable.test(fd);
    }

    @Override
    public void closeFd(int fd) {
        calls.add(Call.close(pidOf(fd)));
        fdToPid.remove(fd);
    }

    @Override
    public void reserveDescriptors(int count) {
    }

    /** Reaping as the kernel does it: only a zombie child of {@link #self} can be reaped; it then disappears. */
    @Override
    public boolean reapChild(int pidfd, int pid) throws ErrnoException {
        calls.add(Call.reap(pid));
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
