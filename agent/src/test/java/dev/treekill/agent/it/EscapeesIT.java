package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.treekill.testing.TaggedProcesses;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Daemons that double-fork and {@code setsid} away from their tree: killed with it by cookie, or because a
 * subreaper JVM adopted them; alive when both are off (the control); alive when they opted out.
 */
@Timeout(120)
class EscapeesIT {
    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    /** Runs EscapeApp's escape mode; checks what holds in every case; returns its line (with the output in it). */
    private Map<String, String> escape(Jdk jdk, String options, String root) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent(options).main(EscapeApp.class, "escape", root).run();
        Map<String, String> line = Checks.ok(r).line("escape ");
        assertEquals("true", line.get("optout_alive"), () -> "a daemon that changed its cookie opted out\n" + r);
        assertEquals("0", line.get("zombies"), () -> "no zombie may be left behind\n" + r);
        Checks.noAgentWarnings(r);
        line.put("output", "\n" + r);
        return line;
    }

    @OnEachJdk
    void aDaemonCarryingTheCookieDiesWithItsTree(Jdk jdk) throws Exception {
        Map<String, String> line = escape(jdk, null, "alive");
        assertEquals("false", line.get("daemon_alive"), line::toString);
        assertEquals("137", line.get("exit"), line::toString);
        assertEquals(1, tagged.survivors().size(), "only the opted-out daemon may outlive the JVM");
    }

    @OnEachJdk
    void aDaemonIsKilledEvenWhenItsRootExitedBefore(Jdk jdk) throws Exception {
        // `nohup daemon &` in a script that then exits: destroyForcibly() on the finished Process still finds it.
        Map<String, String> line = escape(jdk, null, "exited");
        assertEquals("false", line.get("daemon_alive"), line::toString);
        assertEquals("0", line.get("exit"), line::toString);
        assertEquals(1, tagged.survivors().size(), "only the opted-out daemon may outlive the JVM");
    }

    @OnEachJdk
    void aSubreaperKeepsTheDaemonInTheTreeWithoutCookies(Jdk jdk) throws Exception {
        Map<String, String> line = escape(jdk, "cookie=false,subreaper=true", "alive");
        assertEquals("false", line.get("daemon_alive"), line::toString);
        assertEquals(1, tagged.survivors().size(), "only the opted-out daemon may outlive the JVM");
    }

    @OnEachJdk
    void withCookiesAndSubreaperOffTheDaemonEscapes(Jdk jdk) throws Exception {
        Map<String, String> line = escape(jdk, "cookie=false", "alive");
        assertEquals("true", line.get("daemon_alive"), () -> "the control: nothing ties the daemon to its tree\n" + line);
        assertEquals(2, tagged.survivors().size(), "both daemons outlive the JVM in the control");
    }

    /** An outer JVM kills an inner JVM (the agent in both, as JAVA_TOOL_OPTIONS gives it): the inner one's daemons. */
    private Map<String, String> nested(Jdk jdk, String innerCookie) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent(null)
                .main(EscapeApp.class, "nested", JvmRunner.agentJar().toString(), innerCookie).run();
        Map<String, String> line = Checks.ok(r).line("nested ");
        assertEquals("137", line.get("exit"), r::toString);
        assertEquals("true", line.get("optout_alive"), () -> "a daemon that changed its cookie opted out\n" + r);
        Checks.noAgentWarnings(r);
        line.put("output", "\n" + r);
        return line;
    }

    @OnEachJdk
    void theDaemonOfANestedAgentJvmDiesWithTheOuterKill(Jdk jdk) throws Exception {
        Map<String, String> line = nested(jdk, "inherit");
        assertEquals("false", line.get("daemon_alive"), () -> "its cookie was minted beneath the outer one\n" + line);
        assertEquals(1, tagged.survivors().size(), "only the opted-out daemon may outlive the JVM");
    }

    @OnEachJdk
    void aNestedJvmStartedWithAnOptOutCookieKeepsItsDaemons(Jdk jdk) throws Exception {
        Map<String, String> line = nested(jdk, "optout");
        assertEquals("true", line.get("daemon_alive"), () -> "the inner JVM's launcher opted it out\n" + line);
        assertEquals(2, tagged.survivors().size(), "both daemons outlive the JVM (swept by tag)");
    }

    @OnEachJdk
    void aSubreaperDoesNotPinAnotherProcesssCookielessDaemonOnTheTreeBeingKilled(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent("subreaper=true")
                .main(EscapeApp.class, "neighbours").run();
        Map<String, String> line = Checks.ok(r).line("neighbours ");
        assertEquals("true", line.get("daemon_alive"), () -> "the daemon of another process was killed\n" + r);
        assertEquals("137", line.get("first_exit"), r::toString);
        Checks.noAgentWarnings(r);
    }
}
