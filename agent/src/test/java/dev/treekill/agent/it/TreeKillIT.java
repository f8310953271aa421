package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TaggedProcesses;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * destroyForcibly()/destroy() in a real JVM started with {@code -javaagent:treekill-agent.jar}, on every
 * tree shape, on JDK 17 and 25; each scenario's control (no agent) proves the check can fail.
 */
@Timeout(120)
class TreeKillIT {
    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @OnEachJdk
    void destroyForciblyKillsAWideTreeOf200(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent(null).treeApp("kill", "wide", "200").run();
        Map<String, String> line = Checks.ok(r).result();
        assertEquals("200", line.get("tree"), r::toString);
        Checks.killedCleanly(line, r);
        Checks.quietAndNothingLeft(r, tagged);
    }

    /** Boot-Class-Path names treekill-agent.jar; under another name the agent appends itself instead. */
    @OnEachJdk
    void aRenamedAgentJarStillWorks(Jdk jdk, @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path renamed = java.nio.file.Files.copy(JvmRunner.agentJar(), dir.resolve("treekill-agent-0.1.0.jar"));
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).jvmArg("-javaagent:" + renamed)
                .treeApp("kill", "wide", "20").run();
        Map<String, String> line = Checks.ok(r).result();
        Checks.treeGone(line, r);
        assertEquals(List.of(), tagged.survivors(), r::toString);
    }

    @OnEachJdk
    void withoutTheAgentTheWideTreeSurvives(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).treeApp("kill", "wide", "200").run();
        Map<String, String> line = Checks.ok(r).result();
        assertEquals("200", line.get("tree"), r::toString);
        assertTrue(Checks.number(line, "survivors") > 0, () -> "the control must leave survivors\n" + r);
        assertTrue(Checks.number(line, "tagged") > 0, () -> "the control must leave tagged processes\n" + r);
        Checks.jdkExitStatusKept(line, r);
        assertFalse(tagged.survivors().isEmpty(), "the control's orphans should still be alive here");
    }

    @OnEachJdk
    void destroyForciblyKillsAChainOf50(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent(null).treeApp("kill", "chain", "50").run();
        Map<String, String> line = Checks.ok(r).result();
        assertEquals("50", line.get("tree"), r::toString);
        Checks.killedCleanly(line, r);
        Checks.quietAndNothingLeft(r, tagged);
    }

    @OnEachJdk
    void destroyForciblyKillsATreeThatForksWhileKilledThreeTimes(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent(null)
                .treeApp("kill", "forking", "4", "repeat=3").run();
        Checks.threeForkingTreesKilledCleanly(r);
        Checks.quietAndNothingLeft(r, tagged);
    }

    @OnEachJdk
    void destroyForciblyDoesNotWaitForZombies(Jdk jdk) throws Exception {
        // 10 sleeps that never reap, 20 zombies under them: the zombies count as exited.
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent(null).treeApp("kill", "zombies", "10").run();
        Map<String, String> line = Checks.ok(r).result();
        assertTrue(Checks.number(line, "tree") >= 31, r::toString);
        Checks.killedCleanly(line, r);
        Checks.quietAndNothingLeft(r, tagged);
    }

    @OnEachJdk
    void processHandleDestroyForciblyKillsTheTree(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent(null)
                .treeApp("kill", "wide", "50", "handle").run();
        Map<String, String> line = Checks.ok(r).result();
        assertEquals("50", line.get("tree"), r::toString);
        Checks.killedCleanly(line, r);
        Checks.quietAndNothingLeft(r, tagged);
    }

    @OnEachJdk
    void concurrentDestroyForciblyCallsAllReturnWithTheTreeGone(Jdk jdk) throws Exception {
        // A watchdog and a shutdown hook racing: 3 threads call destroyForcibly() on the same process at once.
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent(null)
                .treeApp("kill", "wide", "100", "threads=3", "repeat=2").run();
        List<Map<String, String>> lines = Checks.ok(r).results();
        assertEquals(6, lines.size(), r::toString);
        for (Map<String, String> line : lines) {
            assertEquals("100", line.get("tree"), r::toString);
            Checks.killedCleanly(line, r);
        }
        Checks.quietAndNothingLeft(r, tagged);
    }

    @OnEachJdk
    void destroyThenDestroyForciblyKillsATreeThatIgnoresSigterm(Jdk jdk) throws Exception {
        // The usual graceful shutdown: destroy(), waitFor(1 s), destroyForcibly(); every process ignores SIGTERM.
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent(null)
                .treeApp("graceful", "stubborn", "20", "1000").run();
        Checks.ok(r);
        Map<String, String> afterDestroy = r.line("after_destroy ");
        assertEquals("false", afterDestroy.get("exited"), () -> "the root ignores SIGTERM\n" + r);
        assertEquals("20", afterDestroy.get("survivors"), () -> "destroy() must not SIGKILL (grace is off)\n" + r);
        Map<String, String> line = r.result();
        assertEquals("20", line.get("tree"), r::toString);
        Checks.killedCleanly(line, r);
        Checks.quietAndNothingLeft(r, tagged);
    }

    @OnEachJdk
    void destroyTerminatesTheWholeObedientTree(Jdk jdk) throws Exception {
        // 5 shells with a sleep each under the root: 11 processes, all exit on SIGTERM.
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent(null)
                .treeApp("destroy", "obedient", "5", "20000").run();
        Map<String, String> line = Checks.ok(r).result();
        assertEquals("11", line.get("tree"), r::toString);
        assertEquals("0", line.get("survivors"), () -> "destroy() left part of the tree alive\n" + r);
        assertEquals("143", line.get("exit"), () -> "the root should have died of SIGTERM\n" + r);
        Checks.noAgentWarnings(r);
        TaggedProcesses.await("no tagged survivors after destroy()", Duration.ofSeconds(20),
                () -> tagged.survivors().isEmpty());
    }

    @OnEachJdk
    void destroyChildKeepsTheJdkBehaviour(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent("destroy=child")
                .treeApp("destroy", "obedient", "5", "1000").run();
        Map<String, String> line = Checks.ok(r).result();
        assertEquals("11", line.get("tree"), r::toString);
        assertEquals("143", line.get("exit"), r::toString);
        // Only the root got SIGTERM: its 5 shells and their sleeps (10) are still there.
        assertEquals("10", line.get("survivors"), () -> "destroy=child must only signal the root\n" + r);
        assertEquals(10, tagged.survivors().size(), () -> "grandchildren should survive destroy=child\n" + r);
    }

    @OnEachJdk
    void logInfoReportsTheTreeGone(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent("log=info")
                .treeApp("kill", "wide", "50").run();
        Map<String, String> line = Checks.ok(r).result();
        Checks.treeGone(line, r);
        assertTrue(r.stderr.contains("[treekill] active ("), () -> "no start-up line at log=info\n" + r);
        String root = line.get("root");
        Matcher m = Pattern.compile("(?m)^\\[treekill\\] tree of pid " + root + " gone: root=" + root
                + " signalled=(\\d+) exited=(\\d+) survivors=\\[\\] elapsed=[0-9.]+ms \\(destroyForcibly\\)$")
                .matcher(r.stderr);
        assertTrue(m.find(), () -> "no 'gone' line for root " + root + " on stderr\n" + r);
        assertEquals("50", m.group(1), () -> "signalled\n" + r);
        assertEquals("50", m.group(2), () -> "exited\n" + r);
    }

    /**
     * JDK 22+ warns "A restricted method in java.lang.System has been called" when the agent's JNA loads its
     * library, unless native access is enabled. In the JVM's default "warn" mode the agent enables it for all
     * unnamed modules beforehand (NativeAccessGrant: they share one flag, the one the JDK sets after its
     * warning), so the application's stderr stays clean.
     */
    @OnEachJdk
    void noNativeAccessWarningInTheDefaultMode(Jdk jdk) throws Exception {
        Assumptions.assumeTrue(jdk.feature() >= 22, "the warning exists on JDK 22+ only");
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent(null).treeApp("kill", "wide", "10").run();
        Checks.treeGone(Checks.ok(r).result(), r);
        assertFalse(r.stderr.contains("restricted method"), () -> "native-access warning\n" + r);
    }
}
