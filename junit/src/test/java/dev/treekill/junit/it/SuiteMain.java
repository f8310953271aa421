package dev.treekill.junit.it;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.HashMap;
import java.util.Map;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The JVM of a suite under test: runs the given test classes with the real JUnit Platform launcher and the
 * given configuration parameters, and prints one line per finished test or class
 * ({@code RESULT <name> <status> <message>}) and per report entry ({@code ENTRY <name> <key>=<value>}).
 * Usage: {@code SuiteMain <class>[,<class>...] [key=value ...]}.
 */
public final class SuiteMain {
    private SuiteMain() {
    }

    public static void main(String[] args) {
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
        for (String name : args[0].split(",")) {
            request.selectors(selectClass(name));
        }
        Map<String, String> config = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            config.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        LauncherDiscoveryRequest built = request.configurationParameters(config).build();
        LauncherFactory.create().execute(built, new Printer());
        System.out.println("DONE");
    }

    private static final class Printer implements TestExecutionListener {
        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            if (id.getSource().isEmpty()) {
                return; // the engine
            }
            String message = result.getThrowable().map(t -> String.valueOf(t.getMessage())).orElse("");
            System.out.println("RESULT " + name(id) + " " + result.getStatus() + " " + message.replace('\n', ' '));
        }

        @Override
        public void reportingEntryPublished(TestIdentifier id, ReportEntry entry) {
            entry.getKeyValuePairs().forEach((k, v) -> System.out.println("ENTRY " + name(id) + " " + k + "=" + v));
        }

        /** "LeakingScenario" for a class, "LeakingScenario#leaks" for a test method. */
        private static String name(TestIdentifier id) {
            String uid = id.getUniqueId();
            String cls = uid.replaceAll(".*\\[class:(?:[\\w.]*\\.)?([\\w$]+)\\].*", "$1");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\[method:(\\w+)\\(").matcher(uid);
            return m.find() ? cls + "#" + m.group(1) : cls;
        }
    }
}
