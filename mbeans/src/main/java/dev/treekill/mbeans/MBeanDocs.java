package dev.treekill.mbeans;

import static java.util.Map.entry;

import java.util.Map;
import javax.management.MBeanOperationInfo;

/**
 * What generic JMX clients (JConsole, VisualVM, jmxterm, Jolokia) show for the TreeKiller MBean:
 * descriptions, parameter names and impacts. A missing entry fails the registration, so a new
 * attribute or operation cannot ship undocumented.
 */
final class MBeanDocs {
    static final String BEAN = "Kills and reaps whole process trees: what Process.destroyForcibly() does to every "
            + "descendant under the treekill agent, and the same on demand by pid.";

    private static final Map<String, String> ATTRIBUTES = Map.ofEntries(
            entry("Enabled", "Whether destroy()/destroyForcibly() kill the whole tree (false: the JDK's own behaviour)."),
            entry("ReapTimeoutMillis", "How long destroyForcibly(), killTree(pid) and terminateTree (after its SIGKILL) wait "
                    + "for the tree to exit, in ms (> 0)."),
            entry("WarnAfterMillis", "After how many ms a wait that is still running logs a warning (> 0)."),
            entry("Scope", "Which pids this MBean may kill: 'descendants' (of this JVM) or 'user' (any process of this "
                    + "user). Read-only: only the agent option 'scope' sets it."),
            entry("LiveDescendants", "Descendant processes of this JVM alive now (zombies excluded)."),
            entry("ZombieDescendants", "Descendant processes of this JVM that have exited but are not reaped yet."),
            entry("KillsInProgress", "Tree kills running now."),
            entry("TreesKilled", "Tree kills since start or the last resetCounters (instrumented and JMX)."),
            entry("ProcessesKilled", "Processes sent SIGKILL since start or the last resetCounters."),
            entry("ReapTimeouts", "Kills whose wait hit the timeout since start or the last resetCounters."),
            entry("Errors", "Internal failures since start or the last resetCounters; the application never sees them."),
            entry("LastKill", "The most recent kill: root pid, processes signalled and exited, survivor pids, elapsed "
                    + "ms, whether it timed out, and its trigger (" + KillReport.TRIGGER_DESTROY_FORCIBLY + ", "
                    + KillReport.TRIGGER_DESTROY + ", " + KillReport.TRIGGER_JMX + ", " + KillReport.TRIGGER_CLI + ", "
                    + KillReport.TRIGGER_EXIT + ", " + KillReport.TRIGGER_JVM_DEATH + ", " + KillReport.TRIGGER_JUNIT
                    + ", " + KillReport.TRIGGER_LIBRARY + ")."));

    /** Keyed by name/arity: the two killTree overloads need their own text. */
    private static final Map<String, String> OPERATIONS = Map.of(
            "killTree/1", "SIGKILL the process tree rooted at pid and wait up to ReapTimeoutMillis for every process "
                    + "to exit. Refuses pid <= 1, this JVM, its ancestors, unknown pids and pids outside Scope.",
            "killTree/2", "SIGKILL the process tree rooted at pid and wait up to timeoutMillis for every process to "
                    + "exit. Refuses pid <= 1, this JVM, its ancestors, unknown pids and pids outside Scope.",
            "terminateTree/2", "SIGTERM the process tree rooted at pid, wait up to graceMillis, then SIGKILL what is "
                    + "still alive and wait up to ReapTimeoutMillis for every process to exit (a zombie counts as "
                    + "exited). Refuses pid <= 1, this JVM, its ancestors, unknown pids and pids outside Scope.",
            "killDescendants/1", "SIGKILL every child tree of this JVM and wait up to timeoutMillis for them to exit.",
            "describeTree/1", "List the process tree rooted at pid: pid, parent pid, state letter (R, S, D, T, Z, ...) "
                    + "and command. Changes nothing.",
            "resetCounters/0", "Set TreesKilled, ProcessesKilled, ReapTimeouts and Errors back to zero.");

    /** Parameter names by position; every overload of an operation starts with the same parameters. */
    private static final Map<String, String[]> PARAMETERS = Map.of(
            "killTree", new String[] {"pid", "timeoutMillis"},
            "killDescendants", new String[] {"timeoutMillis"},
            "terminateTree", new String[] {"pid", "graceMillis"},
            "describeTree", new String[] {"pid"});

    private static final Map<String, String> PARAMETER_DESCRIPTIONS = Map.of(
            "pid", "Process id of the tree's root.",
            "timeoutMillis", "How long to wait for the tree to exit, in ms (> 0).",
            "graceMillis", "How long the tree may take to exit on SIGTERM before SIGKILL, in ms (>= 0).");

    private static final Map<String, Integer> IMPACTS = Map.of(
            "killTree", MBeanOperationInfo.ACTION,
            "killDescendants", MBeanOperationInfo.ACTION,
            "terminateTree", MBeanOperationInfo.ACTION,
            "resetCounters", MBeanOperationInfo.ACTION,
            "describeTree", MBeanOperationInfo.INFO);

    private MBeanDocs() {
    }

    static String attribute(String name) {
        return required(ATTRIBUTES.get(name), "attribute " + name);
    }

    static String operation(String name, int arity) {
        return required(OPERATIONS.get(name + "/" + arity), "operation " + name + "/" + arity);
    }

    static String parameterName(String operation, int position) {
        String[] names = required(PARAMETERS.get(operation), "parameters of " + operation);
        if (position >= names.length) {
            throw new IllegalStateException("undocumented parameter " + position + " of " + operation);
        }
        return names[position];
    }

    static String parameter(String operation, int position) {
        return PARAMETER_DESCRIPTIONS.get(parameterName(operation, position));
    }

    static int impact(String operation) {
        return required(IMPACTS.get(operation), "impact of " + operation);
    }

    private static <T> T required(T value, String what) {
        if (value == null) {
            throw new IllegalStateException("undocumented " + what);
        }
        return value;
    }
}
