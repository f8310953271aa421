package dev.treekill.agent.cli;

import dev.treekill.agent.engine.Deadline;
import dev.treekill.agent.engine.Engine;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.machine.Engines;
import dev.treekill.agent.options.AgentOptions;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.report.KillReports;
import dev.treekill.mbeans.Durations;
import dev.treekill.mbeans.KillReport;
import dev.treekill.mbeans.TreeKillerMXBean;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar treekill-agent.jar <command>}. Exit 0 on success, 1 when processes survived or the
 * wait timed out, 2 for bad usage or a refused target (the reason on stderr).
 */
public final class Cli {
    static final int OK = 0;
    static final int SURVIVORS = 1;
    static final int USAGE = 2;
    private static final long DEFAULT_KILL_TIMEOUT_MILLIS = 10_000;

    static final String USAGE_TEXT = String.join("\n",
            "usage: java -jar treekill-agent.jar <command>",
            "",
            "  attach <jvm-pid> [options]   load the agent into a running JVM (options as for -javaagent,",
            "                               e.g. timeout=10s,log=info)",
            "  status <jvm-pid>             print the TreeKiller MBean's attributes of that JVM",
            "  kill <pid> [--via <jvm-pid>] [--timeout <duration>]",
            "                               kill the tree of <pid> and wait for it (default timeout 10s);",
            "                               with --via, through that JVM's MBean (its scope applies)",
            "  tree <pid>                   print the process tree of <pid> with states",
            "  --help                       this text",
            "",
            "exit status: 0 done, 1 processes survived or the wait timed out, 2 bad usage or refused target",
            "durations: 500ms, 10s, 2m or plain milliseconds");

    private final PrintStream out;
    private final PrintStream err;

    Cli(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static int run(String[] args) {
        return new Cli(System.out, System.err).execute(args);
    }

    int execute(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            (args.length == 0 ? err : out).println(USAGE_TEXT);
            return args.length == 0 ? USAGE : OK;
        }
        try {
            List<String> rest = Arrays.asList(args).subList(1, args.length);
            switch (args[0]) {
                case "attach":
                    return attach(rest);
                case "status":
                    return status(rest);
                case "kill":
                    return kill(rest);
                case "tree":
                    return tree(rest);
                default:
                    throw new UsageException("unknown command '" + args[0] + "'");
            }
        } catch (UsageException | IllegalArgumentException e) {
            err.println("treekill: " + e.getMessage());
            if (e instanceof UsageException) {
                err.println(USAGE_TEXT);
            }
            return USAGE;
        } catch (JvmConnection.ConnectException e) {
            err.println("treekill: " + e.getMessage());
            return USAGE;
        } catch (RuntimeException e) {
            // e.g. the target JVM went away mid-call: not "survivors" (1), so the usage/refusal code
            err.println("treekill: failed: " + e);
            return USAGE;
        }
    }

    private int attach(List<String> args) throws JvmConnection.ConnectException {
        expectArgs(args, 1, 2);
        long jvm = pid(args.get(0));
        String options = args.size() > 1 ? args.get(1) : "";
        AgentOptions.parse(options); // refuse a typo here rather than in the target JVM
        String version = JvmConnection.loadAgent(jvm, options);
        out.println("treekill agent loaded into JVM " + jvm + (options.isEmpty() ? "" : " with " + options));
        if (Runtime.Version.parse(version).feature() >= 21) {
            err.println("note: JDK " + version + " prints a warning about a dynamically loaded agent on that JVM's"
                    + " stderr; start it with -XX:+EnableDynamicAgentLoading (or with -javaagent) to avoid it");
        }
        return OK;
    }

    private int status(List<String> args) throws JvmConnection.ConnectException {
        expectArgs(args, 1, 1);
        try (JvmConnection jvm = JvmConnection.open(pid(args.get(0)))) {
            TreeKillerMXBean bean = jvm.treeKiller();
            out.println("JVM " + args.get(0) + " (" + TreeKillerMXBean.OBJECT_NAME + ")");
            row("Enabled", bean.isEnabled());
            row("ReapTimeoutMillis", bean.getReapTimeoutMillis());
            row("WarnAfterMillis", bean.getWarnAfterMillis());
            row("Scope", bean.getScope());
            row("LiveDescendants", bean.getLiveDescendants());
            row("ZombieDescendants", bean.getZombieDescendants());
            row("KillsInProgress", bean.getKillsInProgress());
            row("TreesKilled", bean.getTreesKilled());
            row("ProcessesKilled", bean.getProcessesKilled());
            row("ReapTimeouts", bean.getReapTimeouts());
            row("Errors", bean.getErrors());
            KillReport last = bean.getLastKill();
            row("LastKill", last == null ? "-" : describe(last));
        }
        return OK;
    }

    private void row(String name, Object value) {
        out.printf("  %-18s %s%n", name, value);
    }

    private int kill(List<String> args) throws JvmConnection.ConnectException {
        Map<String, String> flags = new HashMap<>();
        Deque<String> positional = new ArrayDeque<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--via") || a.equals("--timeout")) {
                if (i + 1 >= args.size()) {
                    throw new UsageException(a + " needs a value");
                }
                flags.put(a, args.get(++i));
            } else if (a.startsWith("--")) {
                throw new UsageException("unknown option '" + a + "'");
            } else {
                positional.add(a);
            }
        }
        if (positional.size() != 1) {
            throw new UsageException("kill takes exactly one pid");
        }
        long target = pid(positional.peek());
        long timeout = flags.containsKey("--timeout")
                ? Durations.positive("--timeout", Durations.parseMillis(flags.get("--timeout")))
                : DEFAULT_KILL_TIMEOUT_MILLIS;
        KillReport report = flags.containsKey("--via") ? killVia(pid(flags.get("--via")), target, timeout)
                : killHere(target, timeout);
        out.println(describe(report));
        return report.isTimedOut() || report.getSurvivors().length > 0 ? SURVIVORS : OK;
    }

    private static KillReport killVia(long jvm, long target, long timeout) throws JvmConnection.ConnectException {
        try (JvmConnection connection = JvmConnection.open(jvm)) {
            return connection.treeKiller().killTree(target, timeout);
        }
    }

    /**
     * The process at {@code target} as the command line is read: pinned by its start time before the kill. This
     * JVM has no agent settings, so the wait warns at the default warn delay of {@code timeout} (as an agent
     * started without a {@code warn} option would).
     */
    private static KillReport killHere(long target, long timeout) {
        Engine engine = Engines.forThisMachine(new KillStats());
        engine.requireAllowed(target);
        Target root = engine.identify(target);
        if (root == null) {
            throw new IllegalArgumentException("pid " + target + " does not exist");
        }
        Deadline deadline = Deadline.of(timeout, AgentOptions.defaultWarnMillis(timeout));
        return KillReports.of(engine.await(engine.kill(root, Trigger.CLI), deadline));
    }

    /** A kill in one line, as {@code kill} prints it and {@code status} shows LastKill (scripts read it). */
    static String describe(KillReport r) {
        return String.format(java.util.Locale.ROOT, "tree of pid %d: signalled=%d exited=%d survivors=%s elapsed_ms=%.1f%s (%s)",
                r.getRootPid(), r.getSignalled(), r.getExited(), Arrays.toString(r.getSurvivors()), r.getElapsedMillis(),
                r.isTimedOut() ? " TIMED OUT" : "", r.getTrigger());
    }

    private int tree(List<String> args) {
        expectArgs(args, 1, 1);
        long root = pid(args.get(0));
        List<ProcEntry> tree = Engines.forThisMachine(new KillStats()).describe(root);
        if (tree.isEmpty()) {
            throw new IllegalArgumentException("pid " + root + " does not exist");
        }
        Map<Integer, Integer> depth = new HashMap<>();
        out.printf("%8s %8s %s  %s%n", "PID", "PPID", "S", "COMMAND");
        for (ProcEntry e : tree) {
            int d = e.pid == root ? 0 : depth.getOrDefault(e.ppid, 0) + 1;
            depth.put(e.pid, d);
            out.printf("%8d %8d %c  %s%s%n", e.pid, e.ppid, e.state, "  ".repeat(d), e.command);
        }
        return OK;
    }

    private static void expectArgs(List<String> args, int min, int max) {
        if (args.size() < min || args.size() > max) {
            throw new UsageException("wrong number of arguments");
        }
    }

    private static long pid(String text) {
        try {
            long pid = Long.parseLong(text);
            if (pid > 0 && pid <= Integer.MAX_VALUE) {
                return pid;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("'" + text + "' is not a pid");
    }

    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
