package dev.treekill.agent.linux;

import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.signal.Member;
import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.Syscalls;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Waits, zombie-aware, until processes have exited. A process has exited when its pidfd polls readable,
 * or /proc shows it a zombie with no thread left, or it is gone (or its pid names a newer process).
 * The wait is event-driven on pidfds; without one it polls /proc with a back-off from 50 µs to 1 ms.
 */
public final class ExitWaiter {
    /** The C floor's back-off (bench/cfloor.c): SIGKILLed processes take tens of µs to a few ms to exit. */
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    /** One /proc read a millisecond for the member waited for; only while it is not exited. */
    private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Syscalls sys;
    private final ProcSource proc;

    public ExitWaiter(Syscalls sys, ProcSource proc) {
        this.sys = sys;
        this.proc = proc;
    }

    /**
     * Waits for every member until {@code deadline} ({@link System#nanoTime()}); calls {@code warn} once
     * with the members still alive at {@code warnAt}. Returns the members still alive at the deadline.
     */
    public List<Member> await(List<Member> members, long warnAt, long deadline, Consumer<List<Member>> warn) {
        boolean warned = false;
        long backoff = FIRST_BACKOFF_NANOS;
        for (Member m : members) {
            if (m.unsignalled && !(m.exited = hasExited(m))) {
                continue; // reported with the survivors, without waiting out the timeout for it
            }
            while (!m.exited) {
                long now = System.nanoTime();
                if (now >= deadline) {
                    return stillAlive(members);
                }
                if (!warned && now >= warnAt) {
                    warned = true;
                    warn.accept(stillAlive(members));
                }
                long until = warned ? deadline : Math.min(warnAt, deadline);
                if (m.hasPidfd() && !m.pollFailed) {
                    m.exited = pollExit(m, until - now);
                } else if (hasExited(m)) {
                    m.exited = true;
                    backoff = FIRST_BACKOFF_NANOS;
                } else {
                    sleep(Math.min(backoff, until - now));
                    backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
                }
            }
        }
        return stillAlive(members);
    }

    private boolean pollExit(Member m, long nanos) {
        int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999)));
        try {
            return sys.pollReadable(m.pidfd, millis);
        } catch (ErrnoException e) {
            // A pidfd that cannot be polled says nothing: fall back to /proc for this member.
            m.pollFailed = true;
            return hasExited(m);
        }
    }

    /** Looks once, without waiting. */
    public boolean hasExited(Member m) {
        if (m.hasPidfd() && !m.pollFailed) {
            try {
                return sys.pollReadable(m.pidfd, 0);
            } catch (ErrnoException e) {
                // fall through to /proc
            }
        }
        return exitedIn(m, ProcTable.read(proc, m.pid()));
    }

    /**
     * Whether {@code now}, /proc's entry at {@code m}'s pid (null: none), shows {@code m} exited: gone, its pid taken
     * over, or a zombie with no thread left.
     */
    public static boolean exitedIn(Member m, ProcEntry now) {
        return !m.entry.sameProcess(now) || now.hasExited();
    }

    private List<Member> stillAlive(List<Member> members) {
        List<Member> alive = new ArrayList<>();
        for (Member m : members) {
            if (!m.exited) {
                m.exited = hasExited(m);
                if (!m.exited) {
                    alive.add(m);
                }
            }
        }
        return alive;
    }

    private static void sleep(long nanos) {
        if (nanos > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(nanos);
        }
    }
}
