package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.VirtualMachine;
import dev.treekill.testing.TaggedProcesses;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent loaded into a running JVM through the Attach API (this test JVM attaches), after the
 * application has already started its tree: ProcessImpl is loaded, so the agent must retransform it.
 */
@Timeout(120)
class DynamicAttachIT {
    private static final Duration READY_LIMIT = Duration.ofSeconds(60);

    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    /** JDK, and how the application kills: Process.destroyForcibly() or ProcessHandle.destroyForcibly(). */
    static Stream<Arguments> jdksAndWays() {
        return Jdk.all().flatMap(jdk -> Stream.of(Arguments.of(jdk, "process"), Arguments.of(jdk, "handle")));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("jdksAndWays")
    @ExtendWith(InstalledJdkOnly.class)
    void anAttachedAgentKillsTheTree(Jdk jdk, String way) throws Exception {
        JvmRunner.Running app = waitingApp(jdk, way);
        try {
            long pid = readyPid(app);
            VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
            try {
                vm.loadAgent(JvmRunner.agentJar().toString(), "log=info");
            } finally {
                vm.detach();
            }
            app.send("go");
            JvmRunner.Result r = app.finish(JvmRunner.DEFAULT_LIMIT);
            Map<String, String> line = Checks.ok(r).result();
            assertEquals("30", line.get("tree"), r::toString);
            Checks.treeGone(line, r);
            Checks.jdkExitStatusKept(line, r);
            assertTrue(r.stderr.contains("[treekill] active ("), () -> "no start-up line from the attached agent\n" + r);
            String root = line.get("root");
            assertTrue(Pattern.compile("(?m)^\\[treekill\\] tree of pid " + root + " gone: .*survivors=\\[\\]").matcher(r.stderr).find(),
                    () -> "no 'gone' line for the tree\n" + r);
            assertTrue(!r.stderr.contains("loaded dynamically"),
                    () -> "the target ran with -XX:+EnableDynamicAgentLoading: no dynamic-loading warning expected\n" + r);
            assertEquals(List.of(), tagged.survivors(), r::toString);
        } finally {
            app.kill();
        }
    }

    @OnEachJdk
    void aBadOptionFailsTheAttachAndLeavesTheApplicationAlone(Jdk jdk) throws Exception {
        JvmRunner.Running app = waitingApp(jdk, "process");
        try {
            long pid = readyPid(app);
            VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
            try {
                AgentInitializationException e = assertThrows(AgentInitializationException.class,
                        () -> vm.loadAgent(JvmRunner.agentJar().toString(), "bogus=1"));
                assertTrue(e.getMessage() != null, "the attach fails: " + e);
            } finally {
                vm.detach();
            }
            app.send("go");
            JvmRunner.Result r = app.finish(JvmRunner.DEFAULT_LIMIT);
            Map<String, String> line = Checks.ok(r).result();
            // No agent: the JDK's own destroyForcibly(), which leaves the tree behind.
            assertTrue(Checks.number(line, "survivors") > 0, () -> "a failed attach must not install anything\n" + r);
            Checks.jdkExitStatusKept(line, r);
            assertTrue(r.stderr.contains("bogus"), () -> "the target's stderr names the bad option\n" + r);
        } finally {
            app.kill();
        }
    }

    private JvmRunner.Running waitingApp(Jdk jdk, String way) throws Exception {
        JvmRunner runner = JvmRunner.on(jdk, tagged);
        if (jdk.feature() >= 21) {
            runner.jvmArg("-XX:+EnableDynamicAgentLoading");
        }
        return runner.treeApp("wait", "wide", "30", way).start();
    }

    private static long readyPid(JvmRunner.Running app) throws InterruptedException {
        String ready = app.awaitLine(l -> l.startsWith("ready "), READY_LIMIT);
        long pid = Long.parseLong(JvmRunner.Result.fields(ready).get("pid"));
        assertEquals(app.pid(), pid, "TreeApp runs in the JVM we started");
        return pid;
    }
}
