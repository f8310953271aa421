package dev.treekill.agent.engine;

/**
 * What asked for a kill. The engine only carries it into the result, the log and the counters; each trigger
 * lives in its own package. {@link #wireName()} is what {@code KillReport.getTrigger}, the README and the log
 * lines show: a public name, never changed.
 */
public enum Trigger {
    /** {@code Process.destroyForcibly()} or {@code ProcessHandle.destroyForcibly()} (the hooks). */
    DESTROY_FORCIBLY("destroyForcibly"),
    /** {@code destroy()} (the hooks): SIGTERM, then SIGKILL after a grace. */
    DESTROY("destroy"),
    /** The MBean's {@code killTree}, {@code terminateTree}, {@code killDescendants}. */
    JMX("jmx"),
    /** {@code java -jar treekill-agent.jar kill <pid>}, without {@code --via}. */
    CLI("cli"),
    /** {@code exitKill=true}, at a normal exit. */
    EXIT("exit"),
    /** The guard process, once the JVM died without running its shutdown hooks. */
    JVM_DEATH("jvm-death"),
    /** {@code dev.treekill.TreeKill} (treekill-library). */
    LIBRARY("library"),
    /** The JUnit extension's leak check (treekill-junit). */
    JUNIT("junit");

    private final String wireName;

    Trigger(String wireName) {
        this.wireName = wireName;
    }

    /** The name in reports and logs. */
    public String wireName() {
        return wireName;
    }

    /**
     * The trigger whose {@link #wireName()} is {@code name}; for names that cross from the library and the JUnit
     * extension as text.
     *
     * @throws IllegalArgumentException for a name no trigger has
     */
    public static Trigger ofWireName(String name) {
        for (Trigger t : values()) {
            if (t.wireName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("no kill trigger is named '" + name + "'");
    }

    @Override
    public String toString() {
        return wireName;
    }
}
