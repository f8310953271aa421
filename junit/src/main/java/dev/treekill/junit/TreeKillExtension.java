package dev.treekill.junit;

import dev.treekill.internal.Agent;
import dev.treekill.internal.AgentUnavailableException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Ends process leaks between tests. After each test, every process the test started (on its thread, or on a
 * thread created during it) that is still alive, with its tree and the escapees carrying its cookie, is
 * killed with the treekill agent's engine and waited for, zombie-aware; after each class, the same for what
 * the class's {@code @BeforeAll} (and everything else on its thread outside a test) started; at the end of
 * the run, for what threads outside any test started. A leak is reported on stderr and as a JUnit report
 * entry ({@code treekill.leak}) naming the test and each process (pid, command line), and fails the test with
 * {@code treekill.leaks=fail}; a tree still alive at {@code treekill.timeout} fails the test naming the pids,
 * whatever the mode. The agent is installed into the JVM on first use if it did not come with
 * {@code -javaagent}. Register with {@code @ExtendWith(TreeKillExtension.class)} or by auto-detection
 * ({@code junit.jupiter.extensions.autodetection.enabled=true}).
 */
public final class TreeKillExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(TreeKillExtension.class);
    private static final Scopes SCOPES = new Scopes();
    private static boolean listening;
    private static boolean toldUnavailable;

    @Override
    public void beforeAll(ExtensionContext context) {
        Config config = Config.of(context);
        Agent agent = agent(config);
        if (agent == null) {
            return;
        }
        context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(SuiteCheck.class,
                k -> new SuiteCheck(agent, SCOPES, config), SuiteCheck.class);
        open(context, context.getRequiredTestClass().getSimpleName());
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (Agent.ifActive() != null) {
            open(context, testName(context));
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        check(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        check(context);
    }

    /** Opens the scope of a class or test, owned by the scope of the enclosing class (if any). */
    private static void open(ExtensionContext context, String name) {
        Scope owner = context.getParent().map(p -> p.getStore(NAMESPACE).get(Scope.class, Scope.class)).orElse(null);
        context.getStore(NAMESPACE).put(Scope.class, SCOPES.push(name, owner));
    }

    private static void check(ExtensionContext context) {
        Scope scope = context.getStore(NAMESPACE).remove(Scope.class, Scope.class);
        Agent agent = Agent.ifActive();
        if (scope == null || agent == null) {
            return;
        }
        SCOPES.pop(scope);
        Map<Process, String> owned = scope.close();
        if (owned.isEmpty()) {
            return;
        }
        Config config = Config.of(context);
        LeakCheck.Outcome outcome = LeakCheck.run(agent, owned, config.timeoutMillis);
        // A class's or the suite's processes come from threads that outlive a test: name them.
        boolean nameThreads = context.getTestMethod().isEmpty();
        LeakReport.publish(scope.name, outcome, config, context::publishReportEntry, nameThreads);
        LeakReport.failIfNeeded(scope.name, outcome, config);
    }

    /** The agent, installed if needed; null (after one warning) when it cannot be: then no check is made. */
    private static synchronized Agent agent(Config config) {
        try {
            Agent agent = Agent.installed(config.agentOptions);
            if (!listening) {
                agent.addStartListener(SCOPES);
                listening = true;
            }
            return agent;
        } catch (AgentUnavailableException e) {
            if (!toldUnavailable) {
                toldUnavailable = true;
                LeakReport.unavailable(e);
            }
            return null;
        }
    }

    /** "ExampleTest.leaks()", with the display name where it says more (parameterized and repeated tests). */
    private static String testName(ExtensionContext context) {
        String cls = context.getRequiredTestClass().getSimpleName();
        Optional<Method> method = context.getTestMethod();
        String name = method.map(m -> m.getName() + "()").orElse(context.getDisplayName());
        String display = context.getDisplayName();
        return cls + "." + name + (display.equals(name) ? "" : " " + display);
    }

    /** At the end of the run (the root store closes): what threads outside every test and class started. */
    @SuppressWarnings("deprecation") // CloseableResource: what JUnit before 5.13 closes; later ones close AutoCloseable
    static final class SuiteCheck implements AutoCloseable, ExtensionContext.Store.CloseableResource {
        private final Agent agent;
        private boolean closed;
        private final Scopes scopes;
        private final Config config;

        SuiteCheck(Agent agent, Scopes scopes, Config config) {
            this.agent = agent;
            this.scopes = scopes;
            this.config = config;
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            Scope suite = scopes.newSuite();
            Map<Process, String> owned = suite.close();
            if (!owned.isEmpty()) {
                LeakCheck.Outcome outcome = LeakCheck.run(agent, owned, config.timeoutMillis);
                LeakReport.publish(suite.name, outcome, config, (k, v) -> { }, true);
                LeakReport.reportSuiteSurvivors(outcome);
            }
        }
    }
}
