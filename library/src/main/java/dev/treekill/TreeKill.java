package dev.treekill;

import dev.treekill.internal.Agent;
import dev.treekill.mbeans.Durations;
import dev.treekill.mbeans.KillReport;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * treekill for code that launches processes and cannot add a JVM flag. Every call goes to the treekill agent
 * active in this JVM; {@link #install()} puts it there first if the JVM was started without
 * {@code -javaagent} (self-attach through byte-buddy-agent). There is one engine, the agent's: after
 * {@code install()} a plain {@code Process.destroyForcibly()} kills the whole tree as well.
 *
 * <pre>{@code
 * TreeKill.install();                                   // once, e.g. at start-up
 * Process server = new ProcessBuilder("sh", "-c", "npm start").start();
 * ...
 * KillReport r = TreeKill.killTree(server.toHandle(), Duration.ofSeconds(30));
 * // r.getSurvivors() is empty unless the tree outlived the timeout (then a warning was logged)
 * }</pre>
 *
 * Log messages go to SLF4J (logger {@code dev.treekill.TreeKill}); the agent's own go to stderr. The agent
 * is attached as a file named {@code treekill-agent.jar} (its manifest's Boot-Class-Path): a jar of another
 * name, as Maven stores it, is copied to {@code ~/.cache/treekill/} first (see the README).
 */
public final class TreeKill {
    /** The {@code trigger} of the reports of kills made through this class. */
    public static final String TRIGGER = KillReport.TRIGGER_LIBRARY;

    private static final Logger LOG = LoggerFactory.getLogger(TreeKill.class);

    /** What a kill does when processes of the tree are still alive at the timeout. */
    public enum OnTimeout {
        /** Log a warning naming the pids still alive, and return the report. */
        WARN,
        /** Throw a {@link TreeSurvivorsException} naming them. */
        THROW
    }

    private TreeKill() {
    }

    /**
     * Makes sure the agent is active in this JVM, installing it with its default options if it is not.
     * Idempotent and thread-safe; the first failure is remembered.
     *
     * @throws IllegalStateException when the agent cannot be installed (the message says why and how to add
     *         {@code -javaagent} instead)
     */
    public static void install() {
        install("");
    }

    /**
     * As {@link #install()}, with agent options ({@code key=value,...}, see the README) used if this call
     * installs the agent; ignored if the agent is active already. They are checked first with the agent's own
     * parser (the active agent's, else the one in the jar to attach).
     *
     * @throws IllegalArgumentException for an unknown key or a bad value, naming it and listing the valid keys;
     *         nothing is attached and a later call with good options may still install the agent
     * @throws IllegalStateException when the agent cannot be installed
     */
    public static void install(String agentOptions) {
        Agent.installed(Objects.requireNonNull(agentOptions, "agentOptions"));
    }

    /** Whether the agent is active in this JVM (without installing it). */
    public static boolean isActive() {
        return Agent.activeWithoutInstalling();
    }

    /**
     * Kills the tree of {@code root} (and, for a process this JVM started, the processes that left the tree
     * but carry its cookie), freezing it first so nothing forks away, and waits until every process of it
     * has exited (a zombie counts as exited) or {@code timeout} passed; then logs a warning naming the
     * survivors. Installs the agent if needed.
     *
     * @return the same report the MBean's {@code killTree} gives; trigger {@value #TRIGGER}
     * @throws IllegalArgumentException for a pid treekill never signals (pid 1, this JVM, its ancestors) or a
     *         timeout that is not positive
     * @throws IllegalStateException when the agent cannot be installed
     */
    public static KillReport killTree(ProcessHandle root, Duration timeout) {
        return killTree(root, timeout, OnTimeout.WARN);
    }

    /**
     * As {@link #killTree(ProcessHandle, Duration)}; with {@link OnTimeout#THROW}, survivors at the timeout
     * make it throw {@link TreeSurvivorsException} instead of logging.
     */
    public static KillReport killTree(ProcessHandle root, Duration timeout, OnTimeout onTimeout) {
        Objects.requireNonNull(root, "root");
        long timeoutMillis = positiveMillis(timeout);
        KillReport report = Agent.installed("").killTree(root, timeoutMillis, TRIGGER);
        if (report.isTimedOut()) {
            if (onTimeout == OnTimeout.THROW) {
                throw new TreeSurvivorsException(report, timeoutMillis);
            }
            LOG.warn("{}", report.describeSurvivors(timeoutMillis));
        }
        return report;
    }

    /**
     * The one duration rule ({@link Durations#positive}); a positive timeout under 1 ms waits 1 ms. A negative one
     * too long for a {@code long} of milliseconds is refused like any other (IllegalArgumentException, not the
     * ArithmeticException of {@link Duration#toMillis}).
     */
    static long positiveMillis(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            long millis;
            try {
                millis = timeout.toMillis();
            } catch (ArithmeticException tooLong) {
                millis = Long.MIN_VALUE;
            }
            return Durations.positive("timeout", millis);
        }
        return Math.max(1, timeout.toMillis());
    }
}
