package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TaggedProcesses;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The JVM as PID 1 of a new PID namespace, as in a container without an init: every orphan is re-parented
 * to it and the JDK reaps none of them. With the agent no zombie is left, and the JDK's own children still
 * report their true exit codes while the agent reaps the rest.
 */
@Timeout(180)
class Pid1IT {
    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @BeforeAll
    static void needsPidNamespaces() throws Exception {
        PidNamespace.assumeWorks("`unshare --pid --fork --mount-proc` does not work here (needs root or user namespaces)",
                "true");
    }

    @OnEachJdk
    void noZombieOfTheTreeIsLeftAfterDestroyForcibly(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).under(PidNamespace.UNSHARE).agent(null)
                .main(EscapeApp.class, "escape", "alive").run();
        Map<String, String> line = Checks.ok(r).line("escape ");
        assertEquals("0", line.get("zombies"), () -> "zombies of the killed tree left on PID 1\n" + r);
        assertEquals("false", line.get("daemon_alive"), r::toString);
        assertEquals("137", line.get("exit"), r::toString);
        Checks.noAgentWarnings(r);
    }

    @OnEachJdk
    void theJdksChildrenKeepTheirExitCodesWhileOrphansAreReaped(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).under(PidNamespace.UNSHARE).agent(null)
                .main(EscapeApp.class, "exit7", "150").run();
        Checks.ok(r);
        assertEquals("0", r.line("exit7 ").get("wrong"), () -> "an exit status the JDK waited for was taken\n" + r);
        assertEquals("0", r.line("final ").get("zombies"), () -> "adopted orphans were not reaped\n" + r);
        Checks.noAgentWarnings(r);
    }

    @OnEachJdk
    void withoutTheAgentOrphansPileUpAsZombies(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).under(PidNamespace.UNSHARE)
                .main(EscapeApp.class, "exit7", "10").run();
        Checks.ok(r);
        assertEquals("0", r.line("exit7 ").get("wrong"), r::toString);
        assertTrue(Checks.number(r.line("final "), "zombies") > 0, () -> "the control must leave zombies\n" + r);
    }
}
