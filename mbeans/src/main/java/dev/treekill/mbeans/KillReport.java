package dev.treekill.mbeans;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import javax.management.openmbean.CompositeData;

/**
 * What one tree kill did. The MXBean framework maps it to a CompositeData through its getters
 * (items rootPid, signalled, exited, survivors, elapsedMillis, timedOut, trigger) and rebuilds it
 * with {@link #from(CompositeData)}, so no java.desktop @ConstructorProperties is needed.
 */
public final class KillReport {
    /** Trigger of a kill made by an instrumented Process/ProcessHandle.destroyForcibly(). */
    public static final String TRIGGER_DESTROY_FORCIBLY = "destroyForcibly";
    /** Trigger of a kill made by an instrumented Process/ProcessHandle.destroy(). */
    public static final String TRIGGER_DESTROY = "destroy";
    /** Trigger of a kill requested through the MBean. */
    public static final String TRIGGER_JMX = "jmx";

    private final long rootPid;
    private final int signalled;
    private final int exited;
    private final long[] survivors;
    private final double elapsedMillis;
    private final boolean timedOut;
    private final String trigger;

    public KillReport(long rootPid, int signalled, int exited, long[] survivors, double elapsedMillis,
            boolean timedOut, String trigger) {
        this.rootPid = rootPid;
        this.signalled = signalled;
        this.exited = exited;
        this.survivors = survivors.clone();
        this.elapsedMillis = elapsedMillis;
        this.timedOut = timedOut;
        this.trigger = Objects.requireNonNull(trigger, "trigger");
    }

    /** Rebuilds a report from its MXBean form; null stays null so callers can pass an unset LastKill. */
    public static KillReport from(CompositeData cd) {
        if (cd == null) {
            return null;
        }
        return new KillReport((Long) cd.get("rootPid"), (Integer) cd.get("signalled"), (Integer) cd.get("exited"),
                (long[]) cd.get("survivors"), (Double) cd.get("elapsedMillis"), (Boolean) cd.get("timedOut"),
                (String) cd.get("trigger"));
    }

    /** The pid the kill started from. */
    public long getRootPid() {
        return rootPid;
    }

    /** Processes of the tree that were sent a signal. */
    public int getSignalled() {
        return signalled;
    }

    /**
     * Processes the kill took (signalled or not: one whose signal could not be sent counts too) that had exited
     * when the wait ended; a zombie counts as exited.
     */
    public int getExited() {
        return exited;
    }

    /** Pids still alive when the wait ended (a copy). */
    public long[] getSurvivors() {
        return survivors.clone();
    }

    /**
     * Milliseconds from the start of the kill (before the tree is frozen; for a terminate and its escalation, the
     * start of the terminate) to the end of the wait.
     */
    public double getElapsedMillis() {
        return elapsedMillis;
    }

    /** Whether the wait ended because the timeout passed. */
    public boolean isTimedOut() {
        return timedOut;
    }

    /**
     * What asked for the kill: {@code destroyForcibly}, {@code destroy} (the instrumented methods), {@code jmx}
     * (the MBean), {@code cli} (the command line's {@code kill}), {@code exit} (the agent's exitKill),
     * {@code jvm-death} (the guard, after a JVM died without its hooks), {@code junit} (treekill-junit's leak
     * check) or {@code library} (treekill-library's {@code TreeKill.killTree}). Constants exist for the first
     * three only; the others are the strings their callers pass.
     */
    public String getTrigger() {
        return trigger;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof KillReport)) {
            return false;
        }
        KillReport other = (KillReport) o;
        return rootPid == other.rootPid && signalled == other.signalled && exited == other.exited
                && Arrays.equals(survivors, other.survivors)
                && Double.compare(elapsedMillis, other.elapsedMillis) == 0
                && timedOut == other.timedOut && trigger.equals(other.trigger);
    }

    @Override
    public int hashCode() {
        return Objects.hash(rootPid, signalled, exited, Arrays.hashCode(survivors), elapsedMillis, timedOut, trigger);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "KillReport[rootPid=%d, trigger=%s, signalled=%d, exited=%d, survivors=%s, elapsedMillis=%.1f%s]",
                rootPid, trigger, signalled, exited, Arrays.toString(survivors), elapsedMillis, timedOut ? ", TIMED OUT" : "");
    }
}
