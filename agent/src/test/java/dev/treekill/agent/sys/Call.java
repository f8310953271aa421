package dev.treekill.agent.sys;

import java.util.Objects;

/**
 * One native call {@link FakeSyscalls} saw: what it was, the process it named and, for a signal, which. A pidfd
 * call names the process the pidfd was opened on. Printed as the call reads ({@code pidfd_send_signal 1002 9}),
 * so that a failing assertion shows the sequence a person would write down.
 */
public final class Call {
    /** The native calls a test can see. */
    public enum Kind {
        KILL("kill"), PIDFD_OPEN("pidfd_open"), PIDFD_SEND_SIGNAL("pidfd_send_signal"), CLOSE("close"), REAP("reap");

        private final String syscall;

        Kind(String syscall) {
            this.syscall = syscall;
        }

        /** Whether a call of this kind sends a signal. */
        public boolean signals() {
            return this == KILL || this == PIDFD_SEND_SIGNAL;
        }
    }

    /** {@link #signal} of a call that sends none. */
    public static final int NO_SIGNAL = -1;
    /** {@link #pid} of a pidfd call on a descriptor the fake never opened (a test's own). */
    public static final int UNKNOWN_PID = -1;

    public final Kind kind;
    public final int pid;
    public final int signal;

    private Call(Kind kind, int pid, int signal) {
        this.kind = kind;
        this.pid = pid;
        this.signal = signal;
    }

    /** {@code kill(pid, signal)}. */
    public static Call kill(int pid, int signal) {
        return new Call(Kind.KILL, pid, signal);
    }

    /** {@code pidfd_send_signal} on a pidfd of {@code pid}. */
    public static Call pidfdSignal(int pid, int signal) {
        return new Call(Kind.PIDFD_SEND_SIGNAL, pid, signal);
    }

    public static Call pidfdOpen(int pid) {
        return new Call(Kind.PIDFD_OPEN, pid, NO_SIGNAL);
    }

    /** {@code close} of the pidfd of {@code pid}. */
    public static Call close(int pid) {
        return new Call(Kind.CLOSE, pid, NO_SIGNAL);
    }

    /** {@code waitid} on {@code pid}. */
    public static Call reap(int pid) {
        return new Call(Kind.REAP, pid, NO_SIGNAL);
    }

    /** Whether this call names a known process (every call but a pidfd call on a descriptor the fake did not open). */
    public boolean namesAProcess() {
        return pid != UNKNOWN_PID;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Call)) {
            return false;
        }
        Call c = (Call) o;
        return kind == c.kind && pid == c.pid && signal == c.signal;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, pid, signal);
    }

    @Override
    public String toString() {
        String p = pid == UNKNOWN_PID ? "?" : Integer.toString(pid);
        return kind.syscall + " " + p + (signal == NO_SIGNAL ? "" : " " + signal);
    }
}
