package dev.treekill.mbeans;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javax.management.openmbean.CompositeData;

/**
 * What one tree kill did. The MXBean framework maps it to a CompositeData through its getters
 * (items rootPid, signalled, exited, survivors, elapsedMillis, timedOut, trigger) and rebuilds it
 * with {@link #from(CompositeData)}, so no java.desktop @ConstructorProperties is needed. The same items
 * cross from the agent to treekill-library as a map of JDK types ({@link #toItems()}, {@link #fromItems}),
 * because a class of ours may exist in two class loaders there.
 *
 * <p>The {@code TRIGGER_*} constants are the one list of trigger names (the README lists the same, and a test
 * holds the agent's {@code Trigger} enum to it).
 */
public final class KillReport {
    /** Trigger of a kill made by an instrumented Process/ProcessHandle.destroyForcibly(). */
    public static final String TRIGGER_DESTROY_FORCIBLY = "destroyForcibly";
    /** Trigger of a kill made by an instrumented Process/ProcessHandle.destroy(). */
    public static final String TRIGGER_DESTROY = "destroy";
    /** Trigger of a kill requested through the MBean. */
    public static final String TRIGGER_JMX = "jmx";
    /** Trigger of the command line's {@code kill} without {@code --via} (with it, the kill is the MBean's). */
    public static final String TRIGGER_CLI = "cli";
    /** Trigger of the agent's {@code exitKill}, at a normal exit. */
    public static final String TRIGGER_EXIT = "exit";
    /** Trigger of the guard process, after the JVM died without running its shutdown hooks. */
    public static final String TRIGGER_JVM_DEATH = "jvm-death";
    /** Trigger of treekill-junit's leak check. */
    public static final String TRIGGER_JUNIT = "junit";
    /** Trigger of treekill-library's {@code TreeKill.killTree}. */
    public static final String TRIGGER_LIBRARY = "library";

    /** The item names, in the order of the getters and of the constructor's parameters. */
    static final String[] ITEMS = {"rootPid", "signalled", "exited", "survivors", "elapsedMillis", "timedOut", "trigger"};

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
        return cd == null ? null : of(cd.getAll(ITEMS));
    }

    /**
     * Rebuilds a report from {@link #toItems()}'s form.
     *
     * @throws IllegalArgumentException if an item is missing or of another type
     */
    public static KillReport fromItems(Map<String, ?> items) {
        Object[] values = new Object[ITEMS.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = items.get(ITEMS[i]);
        }
        return of(values);
    }

    private static KillReport of(Object[] v) {
        try {
            return new KillReport((Long) v[0], (Integer) v[1], (Integer) v[2], (long[]) v[3], (Double) v[4],
                    (Boolean) v[5], (String) v[6]);
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException("not the items of a KillReport " + Arrays.asList(ITEMS) + ": "
                    + Arrays.deepToString(v), e);
        }
    }

    /**
     * The items by name (the CompositeData item names), with JDK types only (Long, Integer, long[], Double,
     * Boolean, String), in getter order; the survivors array is a copy.
     */
    public Map<String, Object> toItems() {
        Map<String, Object> items = new LinkedHashMap<>();
        items.put(ITEMS[0], rootPid);
        items.put(ITEMS[1], signalled);
        items.put(ITEMS[2], exited);
        items.put(ITEMS[3], survivors.clone());
        items.put(ITEMS[4], elapsedMillis);
        items.put(ITEMS[5], timedOut);
        items.put(ITEMS[6], trigger);
        return items;
    }

    /**
     * The sentence every "processes outlived the timeout" message of treekill is made of (the exception of
     * {@code onTimeout=throw}, treekill-library's warning and exception): {@code "2 processes of the tree of pid
     * 42 still alive after 30000 ms: [43, 44]"}.
     */
    public String describeSurvivors(long timeoutMillis) {
        return survivors.length + " processes of the tree of pid " + rootPid + " still alive after " + timeoutMillis
                + " ms: " + Arrays.toString(survivors);
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
     * check) or {@code library} (treekill-library's {@code TreeKill.killTree}); the {@code TRIGGER_*} constants.
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
