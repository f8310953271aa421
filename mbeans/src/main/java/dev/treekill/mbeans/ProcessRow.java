package dev.treekill.mbeans;

import java.util.Objects;
import javax.management.openmbean.CompositeData;

/**
 * One process of a tree listing. Mapped by the MXBean framework to a CompositeData with items pid,
 * ppid, state and command, and rebuilt with {@link #from(CompositeData)}.
 */
public final class ProcessRow {
    private final long pid;
    private final long ppid;
    private final String state;
    private final String command;

    public ProcessRow(long pid, long ppid, String state, String command) {
        this.pid = pid;
        this.ppid = ppid;
        this.state = Objects.requireNonNull(state, "state");
        this.command = Objects.requireNonNull(command, "command");
    }

    /** Rebuilds a row from its MXBean form; null stays null. */
    public static ProcessRow from(CompositeData cd) {
        if (cd == null) {
            return null;
        }
        return new ProcessRow((Long) cd.get("pid"), (Long) cd.get("ppid"), (String) cd.get("state"),
                (String) cd.get("command"));
    }

    public long getPid() {
        return pid;
    }

    public long getPpid() {
        return ppid;
    }

    /** The state letter as in /proc/PID/stat: R, S, D, T, Z, ... */
    public String getState() {
        return state;
    }

    /** The command line, or the process name when the command line is not readable. */
    public String getCommand() {
        return command;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ProcessRow)) {
            return false;
        }
        ProcessRow other = (ProcessRow) o;
        return pid == other.pid && ppid == other.ppid && state.equals(other.state) && command.equals(other.command);
    }

    @Override
    public int hashCode() {
        return Objects.hash(pid, ppid, state, command);
    }

    @Override
    public String toString() {
        return pid + " (ppid " + ppid + ") " + state + " " + command;
    }
}
