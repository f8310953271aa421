package dev.treekill.junit;

import dev.treekill.internal.AgentUnavailableException;
import java.io.PrintStream;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where leaks are told: stderr (the build's console, visible without any SLF4J binding), JUnit report
 * entries (key {@code treekill.leak}, one per process, in the test report), and the SLF4J logger
 * {@code dev.treekill.junit.TreeKillExtension} at WARN for suites whose logging collects it.
 */
final class LeakReport {
    static final String ENTRY_KEY = "treekill.leak";
    private static final String PREFIX = "[treekill] ";
    private static final Logger LOG = LoggerFactory.getLogger(TreeKillExtension.class);

    private LeakReport() {
    }

    static void publish(String owner, LeakCheck.Outcome outcome, Config config, BiConsumer<String, String> entries) {
        if (outcome.destroyedLeftovers > 0) {
            LOG.debug("{}: killed {} processes left of processes it had destroyed", owner, outcome.destroyedLeftovers);
        }
        if (outcome.leaked.isEmpty() || config.leaks == Config.Leaks.OFF) {
            return;
        }
        StringBuilder text = new StringBuilder();
        text.append(owner).append(" left ").append(outcome.leaked.size())
                .append(outcome.leaked.size() == 1 ? " process" : " processes").append(" running; killed:");
        for (LeakCheck.Leaked l : outcome.leaked) {
            text.append("\n  ").append(l);
            entries.accept(ENTRY_KEY, l.toString());
        }
        print(text.toString());
        LOG.warn("{}", text);
    }

    /** Survivors fail the test whatever the mode; leaks fail it with {@code treekill.leaks=fail}. */
    static void failIfNeeded(String owner, LeakCheck.Outcome outcome, Config config) {
        if (!outcome.survivors.isEmpty()) {
            String message = owner + " left processes that were still alive " + config.timeoutMillis
                    + " ms after SIGKILL: " + LeakCheck.pids(outcome.survivors);
            print(message);
            throw new AssertionError("treekill: " + message);
        }
        if (config.leaks == Config.Leaks.FAIL && !outcome.leaked.isEmpty()) {
            StringBuilder pids = new StringBuilder();
            for (LeakCheck.Leaked l : outcome.leaked) {
                pids.append(pids.length() == 0 ? "" : ", ").append(l.pid);
            }
            throw new AssertionError("treekill: " + owner + " left " + outcome.leaked.size()
                    + " processes running (pids " + pids + "; killed); " + Config.LEAKS + "=fail");
        }
    }

    /** Nothing can fail after the run: survivors of the suite's own check are printed loudly instead. */
    static void reportSuiteSurvivors(LeakCheck.Outcome outcome) {
        if (!outcome.survivors.isEmpty()) {
            String message = "processes still alive after the run's final check: " + LeakCheck.pids(outcome.survivors);
            print(message);
            LOG.error("{}", message);
        }
    }

    static void unavailable(AgentUnavailableException e) {
        String message = e.getMessage() + ". Tests run without treekill's leak checks.";
        print(message);
        LOG.warn("{}", message, e.getCause());
    }

    private static void print(String text) {
        PrintStream err = System.err;
        for (String line : text.split("\n")) {
            err.println(PREFIX + line);
        }
    }
}
