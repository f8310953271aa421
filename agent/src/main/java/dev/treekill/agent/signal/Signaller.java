package dev.treekill.agent.signal;

import dev.treekill.agent.log.Log;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.Syscalls;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one place that sends signals, for every engine. It refuses pid &le; 1, this JVM and its ancestors (and so can never
 * signal a process group by a negative pid), and it only signals the very process that was scanned:
 * through a pidfd when the kernel has them, else by pid right after checking the start time (the JDK's check inside
 * a handle's destroy, or the one of {@link Syscalls#signalStarted}, or a /proc read of ours).
 */
public final class Signaller {
    private final Syscalls sys;
    private final ProcSource proc;
    private final int self;
    private volatile boolean pidfdsWork = true;
    /**
     * Pidfds held at once, all kills together, at most half the open-files limit: the application and
     * our own /proc reads need descriptors too. Past it, members are signalled by pid after a start-time check.
     */
    private final int pidfdBudget;
    private final AtomicInteger pidfdsHeld = new AtomicInteger();

    public Signaller(Syscalls sys, ProcSource proc) {
        this.sys = sys;
        this.proc = proc;
        this.self = sys.selfPid();
        this.pidfdBudget = (int) Math.min(MAX_PIDFDS, proc.openFilesLimit() / 2);
    }

    private static final int MAX_PIDFDS = 16_384;

    public int selfPid() {
        return self;
    }

    /**
     * {@link #refusal(long, Set)} with this JVM's ancestors read only where they can matter. A process whose parent
     * is this JVM (one /proc read) is neither this JVM nor one of its ancestors: the rule's answer is known without
     * walking up the ancestry or reading {@code status}. That is every destroy of a live Process this JVM started. One
     * difference: a thread id of a child of this JVM is not refused here (its /proc entry shows this JVM as parent);
     * signalling it reaches only that child, which the rule allows, and pinning it by pidfd fails as "gone".
     */
    public String refusal(long pid) {
        String refusal = Refusal.of(pid, self, Collections.<Integer>emptySet());
        if (refusal != null) {
            return refusal;
        }
        ProcEntry e = ProcTable.read(proc, (int) pid);
        return e != null && e.ppid == self ? null : refusal(pid, ancestors());
    }

    /**
     * Why {@code pid} must never be signalled, or null if it may be: the one rule ({@link Refusal}), and never a thread id
     * (kill() of a thread id signals the whole process it belongs to, possibly this JVM or an ancestor).
     */
    public String refusal(long pid, Set<Integer> ancestors) {
        String refusal = Refusal.of(pid, self, ancestors);
        if (refusal != null) {
            return refusal;
        }
        int process = proc.tgid((int) pid);
        if (process > 0 && process != pid) {
            return "pid " + pid + " is a thread of process " + process + ", not a process";
        }
        return null;
    }

    /** The ancestors of this JVM now (they can change when a parent exits). */
    public Set<Integer> ancestors() {
        return ProcTable.ancestorsOf(proc, self);
    }

    /**
     * Pins {@code scanned}: returns a member holding a pidfd (or none, where pidfds fail), or null if the
     * process is gone or its pid now names another process.
     */
    public Member pin(ProcEntry scanned) {
        return pin(scanned.pid, scanned, null);
    }

    /**
     * Pins the process now at {@code pid} if it is a child of {@code parent}: a process younger than its
     * parent whose parent pid is the parent's.
     */
    public Member pinChild(int pid, ProcEntry parent) {
        return pin(pid, null, parent);
    }

    /**
     * Opens the pidfd first and reads /proc second: what is read is the process the pidfd holds, or (if
     * that one died meanwhile) a newer process, which the check rejects or whose signals through the
     * dead pidfd fail harmlessly. The check: the very process {@code scanned}, else a child of {@code parent}.
     */
    private Member pin(int pid, ProcEntry scanned, ProcEntry parent) {
        int fd = Member.NO_PIDFD;
        if (pidfdsWork && pidfdsHeld.get() < pidfdBudget) {
            try {
                fd = sys.pidfdOpen(pid);
                pidfdsHeld.incrementAndGet();
            } catch (ErrnoException e) {
                if (isGone(e.errno())) {
                    return null;
                }
                if (e.errno() == ErrnoException.ENOSYS) {
                    pidfdsWork = false; // kernel older than 5.3: every later call would fail the same way
                }
                Log.debug("pidfd_open(" + pid + ") errno " + e.errno() + ": signalling by pid");
            }
        }
        // Without a pidfd, a JDK handle pins the same way (made first, checked by the read that follows): the process
        // read is the one it holds, or a newer one at a recycled pid, which its start-time-checked destroy spares.
        ProcessHandle handle = fd == Member.NO_PIDFD ? sys.pinHandle(pid) : null;
        ProcEntry now = ProcTable.read(proc, pid);
        boolean expected = scanned != null ? scanned.sameProcess(now)
                : now != null && now.ppid == parent.pid && now.startTime >= parent.startTime;
        if (!expected) {
            if (fd != Member.NO_PIDFD) {
                sys.closeFd(fd);
                pidfdsHeld.decrementAndGet();
            }
            return null;
        }
        Member m = new Member(now, fd);
        m.handle = handle;
        return m;
    }

    /**
     * EINVAL is what some kernels return for a process that is already exiting; ESRCH and ENOENT for one
     * that is gone. None of them is an error for a kill.
     */
    public static boolean isGone(int errno) {
        return errno == ErrnoException.ESRCH || errno == ErrnoException.EINVAL || errno == ErrnoException.ENOENT;
    }

    /** Sends {@code signal}; false if the process turned out to be gone already. */
    public boolean signal(Member m, int signal) {
        if (m.pid() <= 1 || m.pid() == self) {
            throw new IllegalStateException("refusing to signal pid " + m.pid()); // cannot happen: pinned members are checked
        }
        try {
            if (m.hasPidfd()) {
                sys.pidfdSendSignal(m.pidfd, signal);
            } else if (m.byStartTime) {
                return sys.signalStarted(m.pid(), m.entry.startTime, signal); // checked right before kill(2)
            } else if (m.handle != null && sys.signalHandle(m.handle, signal)) {
                return true; // no read here: the handle's destroy checked the start time it was made with
            } else if (m.entry.sameProcess(ProcTable.read(proc, m.pid()))) {
                // no handle, or its process was gone: if the read finds the member after all (its handle was made
                // just before a pid was recycled to it), the by-pid kill right after the check reaches it
                sys.killPid(m.pid(), signal);
            } else {
                return false;
            }
            return true;
        } catch (ErrnoException e) {
            if (e.errno() == ErrnoException.ESRCH) {
                return false;
            }
            Log.debug("signal " + signal + " to " + m + " failed: errno " + e.errno());
            return false;
        }
    }

    public void release(Member m) {
        if (m.hasPidfd()) {
            sys.closeFd(m.pidfd);
            m.pidfd = Member.NO_PIDFD;
            pidfdsHeld.decrementAndGet();
        }
    }
}
