package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TaggedProcesses;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The demo, as a user runs it: {@code java -javaagent:treekill-agent.jar -jar treekill-demo.jar}. */
@Timeout(120)
class DemoIT {
    private static final String PREFIX = "treekill-demo: tree=";

    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @OnEachJdk
    void withTheAgentTheDemoTreeIsGoneAndThePortFree(Jdk jdk) throws Exception {
        Path demo = JvmRunner.demoJarOrSkip();
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent(null).jar(demo).run();
        assertEquals(0, r.exitCode, r::toString);
        Map<String, String> line = r.line(PREFIX);
        assertTrue(Checks.number(line, "tree") >= 2, r::toString);
        assertEquals("0", line.get("survivors"), r::toString);
        assertEquals("true", line.get("port_free"), r::toString);
        assertEquals("on", line.get("agent"), r::toString);
        Checks.noAgentWarnings(r);
        assertEquals(List.of(), tagged.survivors(), r::toString);
    }

    @OnEachJdk
    void withoutTheAgentTheDemoShowsSurvivors(Jdk jdk) throws Exception {
        Path demo = JvmRunner.demoJarOrSkip();
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).jar(demo).run();
        assertEquals(0, r.exitCode, r::toString);
        Map<String, String> line = r.line(PREFIX);
        assertTrue(Checks.number(line, "survivors") > 0, () -> "the control must show survivors\n" + r);
        assertEquals("off", line.get("agent"), r::toString);
        // The demo cleans up after itself; the tag sweep catches anything it missed.
    }
}
