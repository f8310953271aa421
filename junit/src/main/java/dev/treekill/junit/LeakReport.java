package dev.treekill.junit;

import dev.treekill.internal.AgentUnavailableException;
import dev.treekill.internal.Notices;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where leaks are told: JUnit report entries (key {@code treekill.leak}, one per process, in the test report),
 * and once on the console: through the SLF4J logger {@code dev.treekill.junit.TreeKillExtension} (WARN; ERROR
 * for survivors) when the suite has an SLF4J binding that takes that level, else on stderr with the prefix
 * {@code [treekill]} (the library's {@link Notices} rule): a leak must not vanish in a suite without a binding.
 */
final class LeakReport {
    static final String ENTRY_KEY = "treekill.leak";
    private static final Logger LOG = LoggerFactory.getLogger(TreeKillExtension.class);

    private LeakReport() {
    }

    /** {@code nameThreads}: say which threads started the leaked processes (for a class or the suite). */
    static void publish(String owner, LeakCheck.Outcome outcome, Config config, BiConsumer<String, String> entries,
            boolean nameThreads) {
        if (outcome.destroyedLeftovers > 0) {
            LOG.debug("{}: killed {} processes left of processes it had destroyed", owner, outcome.destroyedLeftovers);
        }
        if (outcome.leaked.isEmpty() || config.leaks == Config.Leaks.OFF) {
            return;
        }
        StringBuilder text = new StringBuilder();
        text.append(owner).append(" left ").append(outcome.leaked.size())
                .append(outcome.leaked.size() == 1 ? " process" : " processes").append(" running");
        if (nameThreads && !outcome.threads.isEmpty()) {
            text.append(outcome.threads.size() == 1 ? ", started on thread " : ", started on threads ");
            String sep = "";
            for (String thread : outcome.threads) {
                text.append(sep).append('"').append(thread).append('"');
                sep = ", ";
            }
        }
        text.append("; killed:");
        for (LeakCheck.Leaked l : outcome.leaked) {
            text.append("\n  ").append(l);
            entries.accept(ENTRY_KEY, l.toString());
        }
        warn(text.toString(), null);
    }

    /** Survivors fail the test whatever the mode; leaks fail it with {@code treekill.leaks=fail}. */
    static void failIfNeeded(String owner, LeakCheck.Outcome outcome, Config config) {
        if (!outcome.survivors.isEmpty()) {
            String message = owner + " left processes that were still alive " + config.timeoutMillis
                    + " ms after SIGKILL: " + LeakCheck.pids(outcome.survivors);
            error(message);
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
            error(message);
        }
    }

    static void unavailable(AgentUnavailableException e) {
        String message = e.getMessage() + ". Tests run without treekill's leak checks.";
        warn(message, e.getCause());
    }

    private static void warn(String text, Throwable cause) {
        Notices.warn(LOG, text, cause);
    }

    private static void error(String text) {
        Notices.error(LOG, text);
    }
}
