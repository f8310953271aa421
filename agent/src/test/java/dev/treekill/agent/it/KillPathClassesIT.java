package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.treekill.testing.TaggedProcesses;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kill after the agent's warm-up loads no class of the agent's: each would cost the kill 50-100 µs (more on a
 * busy machine), and a 10-process kill takes a few ms. The agent loads them ahead (warmup.KillPathClasses, and the
 * engines it builds); this test, reading a real JVM's class-load log, keeps that list complete.
 */
@Timeout(120)
class KillPathClassesIT {
    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @OnEachJdk
    void aKillAfterTheWarmUpLoadsNoClassOfTheAgent(Jdk jdk, @TempDir Path dir) throws Exception {
        Path log = dir.resolve("class-load.log");
        JvmRunner.Result r = Checks.ok(JvmRunner.on(jdk, tagged).jvmArg(ClassLoadLog.jvmArg(log)).agent(null)
                .main(WarmKillApp.class).run());
        Map<String, String> line = r.line("result ");
        assertEquals("true", line.get("warmedUp"), r::toString);
        assertEquals("137", line.get("exit"), r::toString); // SIGKILL, as the JDK reports it

        List<ClassLoadLog.Loaded> loaded = ClassLoadLog.read(log);
        String killer = ClassLoadLog.loaderOf(loaded, WarmKillApp.BeforeKill.class);
        assertNotNull(killer, () -> "the class-load log does not show the kill's start marker\n" + r);
        assertEquals(List.of(), ClassLoadLog.agentClassesBetween(loaded, killer, WarmKillApp.BeforeKill.class,
                WarmKillApp.AfterKill.class), "agent classes the kill loaded itself: add them to KillPathClasses");
        assertEquals(List.of(), tagged.survivors(), r::toString);
    }
}
