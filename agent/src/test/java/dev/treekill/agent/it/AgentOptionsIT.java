package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TaggedProcesses;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Strict options: a typo stops the JVM before main; the first line on stderr is the agent's, naming it and listing
 * every valid key (the JVM's own abort output follows).
 */
@Timeout(120)
class AgentOptionsIT {
    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @TempDir
    Path workDir;

    /** option text, what the message must name. */
    static Stream<Arguments> badOptions() {
        return Jdk.all().flatMap(jdk -> Stream.of(
                Arguments.of(jdk, "timeout=banana", "banana"),
                Arguments.of(jdk, "timeout=5x", "'5x' is not a duration"),
                Arguments.of(jdk, "bogus=1", "bogus"),
                Arguments.of(jdk, "onTimeout=maybe", "maybe"),
                Arguments.of(jdk, "log=verbose", "verbose"),
                Arguments.of(jdk, "destroy=mixed", "destroy=mixed needs grace")));
    }

    @ParameterizedTest(name = "{0} ={1}")
    @MethodSource("badOptions")
    @ExtendWith(InstalledJdkOnly.class)
    void aBadOptionStopsTheJvmBeforeMain(Jdk jdk, String options, String named) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).workDir(workDir).agent(options)
                .treeApp("hello").run();
        assertNotEquals(0, r.exitCode, () -> "the JVM must refuse to start\n" + r);
        assertFalse(r.stdout.contains("main ran"), () -> "main must not run\n" + r);
        String first = r.stderr.lines().findFirst().orElse("");
        assertTrue(first.startsWith("[treekill] bad agent options '" + options + "', the JVM stops: "),
                () -> "the agent's one line comes first on stderr, before the JVM's own abort output\n" + r);
        assertTrue(first.contains(named), () -> "the line must name '" + named + "'\n" + r);
        assertTrue(first.contains("Valid options: timeout=<duration>,") && first.contains("onTimeout="),
                () -> "the line must list the valid keys\n" + r);
        assertFalse(first.contains("treekill: "), () -> "one prefix\n" + r);
    }

    @OnEachJdk
    void validOptionsStartTheJvm(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).workDir(workDir)
                .agent("timeout=10s,warn=2s,onTimeout=warn,destroy=tree,jmx=false,scope=descendants,log=warn")
                .treeApp("hello").run();
        assertEquals(0, r.exitCode, r::toString);
        assertTrue(r.stdout.contains("main ran"), r::toString);
        Checks.noAgentWarnings(r);
    }

    @OnEachJdk
    void aSecondAgentIsIgnoredWithAWarningAndTheFirstKeepsWorking(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).workDir(workDir).agent(null)
                .agent("destroy=child").treeApp("kill", "wide", "20").run();
        Map<String, String> line = Checks.ok(r).result();
        Checks.treeGone(line, r);
        assertTrue(r.stderr.contains("[treekill] agent already active in this JVM; options 'destroy=child' ignored"),
                () -> "the second -javaagent must say it is ignored\n" + r);
    }

    /**
     * AGENT BUG (reported, not fixed here): the second load says its options are ignored, but its
     * {@code log=} is applied anyway (TreeKillAgent.install sets the global log level before it finds the
     * agent already active). Enable once fixed.
     */
    @OnEachJdk
    void aSecondAgentsLogOptionIsIgnoredToo(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).workDir(workDir).agent(null)
                .agent("log=info").treeApp("kill", "wide", "20").run();
        Map<String, String> line = Checks.ok(r).result();
        Checks.treeGone(line, r);
        assertTrue(r.stderr.contains("options 'log=info' ignored"), r::toString);
        assertFalse(r.stderr.contains(" gone: "), () -> "the first agent runs at log=warn: no info lines\n" + r);
    }
}
