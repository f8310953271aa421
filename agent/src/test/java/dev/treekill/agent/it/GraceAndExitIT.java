package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.treekill.testing.TaggedProcesses;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code grace}: destroy()'s SIGTERM, then SIGKILL for what ignores it. {@code exitKill}: every descendant
 * tree and its escapees die with the JVM, on a normal exit and on SIGTERM. The controls (options off)
 * are in TreeKillIT (destroy without grace) and here (exit without exitKill).
 */
@Timeout(120)
class GraceAndExitIT {
    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @OnEachJdk
    void destroyWithGraceKillsATreeThatIgnoresSigterm(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent("grace=300ms")
                .treeApp("destroy", "stubborn", "10", "30000").run();
        Map<String, String> line = Checks.ok(r).result();
        assertEquals("10", line.get("tree"), r::toString);
        assertEquals("0", line.get("survivors"), () -> "the grace passed and the tree is still alive\n" + r);
        assertEquals("137", line.get("exit"), () -> "the root ignores SIGTERM: SIGKILL ended it\n" + r);
        Checks.quietAndNothingLeft(r, tagged);
    }

    @OnEachJdk
    void destroyWithGraceLeavesAnObedientTreeToSigterm(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent("grace=10s")
                .treeApp("destroy", "obedient", "5", "30000").run();
        Map<String, String> line = Checks.ok(r).result();
        assertEquals("0", line.get("survivors"), r::toString);
        assertEquals("143", line.get("exit"), () -> "the root exits on SIGTERM, long before the grace ends\n" + r);
        Checks.quietAndNothingLeft(r, tagged);
    }

    @OnEachJdk
    void exitKillKillsEveryTreeAndEscapeeOnANormalExit(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent("exitKill=true")
                .main(EscapeApp.class, "exit", "normal").run();
        Checks.ok(r).line("ready ");
        assertOnlyOptedOutLeft(r);
    }

    @OnEachJdk
    void exitKillKillsEveryTreeAndEscapeeOnSigterm(Jdk jdk) throws Exception {
        JvmRunner.Running jvm = JvmRunner.on(jdk, tagged).agent("exitKill=true")
                .main(EscapeApp.class, "exit", "sigterm").start();
        try {
            jvm.awaitLine(l -> l.startsWith("ready "), Duration.ofSeconds(60));
            ProcessHandle.of(jvm.pid()).ifPresent(ProcessHandle::destroy); // SIGTERM, found by the pid we started
            JvmRunner.Result r = jvm.finish(Duration.ofSeconds(60));
            assertEquals(143, r.exitCode, r::toString);
            assertOnlyOptedOutLeft(r);
        } finally {
            jvm.kill();
        }
    }

    @OnEachJdk
    void exitKillUnderASubreaperStillSparesTheOptedOutDaemon(Jdk jdk) throws Exception {
        // The daemons are this JVM's own children here: the opted-out one must not count as one of its trees.
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent("exitKill=true,subreaper=true")
                .main(EscapeApp.class, "exit", "normal").run();
        Checks.ok(r).line("ready ");
        assertOnlyOptedOutLeft(r);
    }

    @OnEachJdk
    void withoutExitKillTheTreesOutliveTheJvm(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent(null)
                .main(EscapeApp.class, "exit", "normal").run();
        Checks.ok(r).line("ready ");
        assertFalse(tagged.survivors().size() <= 1, () -> "the control: the trees must outlive the JVM\n" + r);
    }

    /**
     * Everything the JVM started is gone, but for the daemon that opted out (and is swept by tag). The guard is
     * tagged too: it is given a few seconds to exit after being told to stand down.
     */
    private void assertOnlyOptedOutLeft(JvmRunner.Result r) throws InterruptedException {
        List<Long> left = tagged.survivors();
        for (int i = 0; i < 500 && left.size() > 1; i++) {
            Thread.sleep(20);
            left = tagged.survivors();
        }
        List<Long> finalLeft = left;
        assertEquals(1, finalLeft.size(), () -> "expected only the opted-out daemon alive, got " + finalLeft + "\n" + r);
        Checks.noAgentWarnings(r);
    }
}
