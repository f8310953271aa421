package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TaggedProcesses;
import dev.treekill.testing.TreeShapes;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code java -jar treekill-agent.jar <command>} as a user runs it, with the {@code java} of the JDK under
 * test: every command, its output and its exit status (0 done, 1 survivors, 2 bad usage or refused).
 */
@Timeout(150)
class CliIT {
    private static final int OK = 0;
    private static final int USAGE = 2;
    private static final List<String> ATTRIBUTES = List.of("Enabled", "ReapTimeoutMillis", "WarnAfterMillis", "Scope",
            "LiveDescendants", "ZombieDescendants", "KillsInProgress", "TreesKilled", "ProcessesKilled", "ReapTimeouts",
            "Errors", "LastKill");
    /** One row of {@code tree}: pid, ppid, state letter, indented command. */
    private static final Pattern TREE_ROW = Pattern.compile("^\\s*(\\d+)\\s+(\\d+)\\s+([A-Za-z])\\s+(\\S.*)$");

    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @OnEachJdk
    void helpAndBadUsage(Jdk jdk) throws Exception {
        JvmRunner.Result help = cli(jdk, "--help");
        assertEquals(OK, help.exitCode, help::toString);
        assertTrue(help.stdout.startsWith("usage: java -jar treekill-agent.jar <command>"), help::toString);
        for (String command : List.of("attach <jvm-pid>", "status <jvm-pid>", "kill <pid>", "--via", "--timeout", "tree <pid>")) {
            assertTrue(help.stdout.contains(command), () -> "usage lists " + command + "\n" + help);
        }

        JvmRunner.Result none = cli(jdk);
        assertEquals(USAGE, none.exitCode, none::toString);
        assertTrue(none.stderr.contains("usage: java -jar treekill-agent.jar"), () -> "usage on stderr\n" + none);
        assertEquals("", none.stdout, none::toString);

        long free = JmxClient.freePid();
        refused(jdk, "unknown command 'frobnicate'", "frobnicate");
        refused(jdk, "unknown option '--bogus'", "kill", "--bogus");
        refused(jdk, "--timeout needs a value", "kill", "12345", "--timeout");
        refused(jdk, "kill takes exactly one pid", "kill");
        refused(jdk, "pid 1 is not a process treekill may signal (pid <= 1)", "kill", "1");
        refused(jdk, "pid " + free + " does not exist", "kill", Long.toString(free));
        refused(jdk, "pid " + free + " does not exist", "tree", Long.toString(free));
        refused(jdk, "'abc' is not a pid", "tree", "abc");
        refused(jdk, "'-5' is not a pid", "status", "-5");
    }

    @OnEachJdk
    void treeStatusAndKillViaTheDemoJvm(Jdk jdk) throws Exception {
        Served demo = Served.demo(jdk, tagged);
        try {
            assertEquals(8, demo.size, "the demo's default tree");
            // tree: a header and one row per process, root first; a worker's `sleep 1` may be between two runs.
            List<Matcher> rows = null;
            JvmRunner.Result tree = null;
            for (int attempt = 0; attempt < 5 && (rows == null || rows.size() != demo.size); attempt++) {
                tree = cli(jdk, "tree", Long.toString(demo.root));
                assertEquals(OK, tree.exitCode, tree::toString);
                rows = treeRows(tree);
            }
            JvmRunner.Result shown = tree;
            assertTrue(shown.stdout.matches("(?s)\\s*PID\\s+PPID\\s+S\\s+COMMAND\\n.*"), shown::toString);
            assertEquals(demo.size, rows.size(), shown::toString);
            assertEquals(Long.toString(demo.root), rows.get(0).group(1), () -> "root first\n" + shown);
            assertEquals(Long.toString(demo.pid), rows.get(0).group(2), () -> "root's parent is the demo JVM\n" + shown);
            assertTrue(rows.stream().anyMatch(m -> m.group(4).trim().equals("java")), () -> "the server JVM\n" + shown);
            assertEquals(3, rows.stream().filter(m -> m.group(4).trim().equals("sleep")).count(), shown::toString);

            JvmRunner.Result status = cli(jdk, "status", Long.toString(demo.pid));
            assertEquals(OK, status.exitCode, status::toString);
            for (String attribute : ATTRIBUTES) {
                assertTrue(Pattern.compile("(?m)^\\s+" + attribute + "\\s+\\S").matcher(status.stdout).find(),
                        () -> "status shows " + attribute + "\n" + status);
            }
            assertTrue(status.stdout.matches("(?s).*\\n\\s+Scope\\s+descendants\\n.*"), status::toString);
            assertTrue(status.stdout.matches("(?s).*\\n\\s+TreesKilled\\s+0\\n.*"), status::toString);

            String via = Long.toString(demo.pid);
            refused(jdk, "pid 1 is not a process treekill may signal (pid <= 1)", "kill", "1", "--via", via);
            refused(jdk, "--timeout must be more than zero", "kill", Long.toString(demo.root), "--via", via, "--timeout", "0");
            long testJvm = ProcessHandle.current().pid();
            refused(jdk, "pid " + testJvm + " is an ancestor of this JVM", "kill", Long.toString(testJvm), "--via", via);
            assertTrue(TaggedProcesses.isLive(demo.root), "refusals killed nothing");

            JvmRunner.Result kill = cli(jdk, "kill", Long.toString(demo.root), "--via", via, "--timeout", "10s");
            assertEquals(OK, kill.exitCode, kill::toString);
            assertTrue(Pattern.compile("(?m)^tree of pid " + demo.root + ": signalled=\\d+ exited=\\d+ survivors=\\[\\] "
                    + "elapsed_ms=[0-9.]+ \\(jmx\\)$").matcher(kill.stdout).find(), kill::toString);
            assertEquals(List.of(demo.pid), tagged.survivors(), () -> "only the demo JVM is left\n" + kill);

            JvmRunner.Result after = cli(jdk, "status", via);
            assertEquals(OK, after.exitCode, after::toString);
            assertTrue(after.stdout.matches("(?s).*\\n\\s+TreesKilled\\s+1\\n.*"), after::toString);
            assertTrue(after.stdout.matches("(?s).*\\n\\s+LiveDescendants\\s+0\\n.*"), after::toString);
            assertTrue(after.stdout.contains("tree of pid " + demo.root + ":"), () -> "LastKill\n" + after);
        } finally {
            demo.app.kill();
        }
    }

    @OnEachJdk
    void attachLoadsTheAgentIntoARunningJvm(Jdk jdk) throws Exception {
        JvmRunner runner = JvmRunner.on(jdk, tagged);
        if (jdk.feature() >= 21) {
            runner.jvmArg("-XX:+EnableDynamicAgentLoading");
        }
        Served app = Served.trees(runner, "pair:1");
        try {
            long root = app.root;
            String pid = Long.toString(app.pid);

            // No agent yet: status says so at once (its look also created the platform MBeanServer).
            JvmRunner.Result status = cli(jdk, "status", pid);
            assertEquals(USAGE, status.exitCode, status::toString);
            assertTrue(status.stderr.contains("is the agent loaded (try 'attach " + pid + "')"), status::toString);

            refused(jdk, "bogus", "attach", pid, "bogus=1");
            JvmRunner.Result bad = cli(jdk, "attach", pid, "bogus=1");
            assertTrue(bad.stderr.startsWith("treekill: unknown option 'bogus'. Valid options: timeout="),
                    () -> "one prefix; the message lists the valid keys\n" + bad);

            JvmRunner.Result attach = cli(jdk, "attach", pid, "log=info");
            assertEquals(OK, attach.exitCode, attach::toString);
            assertTrue(attach.stdout.contains("treekill agent loaded into JVM " + pid + " with log=info"), attach::toString);
            assertEquals(jdk.feature() >= 21, attach.stderr.contains("-XX:+EnableDynamicAgentLoading"),
                    () -> "the note about JDK 21+'s dynamic-agent warning\n" + attach);

            JvmRunner.Result loaded = cli(jdk, "status", pid);
            assertEquals(OK, loaded.exitCode, loaded::toString);
            for (String attribute : ATTRIBUTES) {
                assertTrue(loaded.stdout.contains(attribute), () -> "status shows " + attribute + "\n" + loaded);
            }
            assertTrue(loaded.stdout.matches("(?s).*\\n\\s+LiveDescendants\\s+3\\n.*"), loaded::toString);

            JvmRunner.Result kill = cli(jdk, "kill", Long.toString(root), "--via", pid);
            assertEquals(OK, kill.exitCode, kill::toString);
            assertTrue(kill.stdout.contains("tree of pid " + root + ": signalled=3 exited=3 survivors=[]"), kill::toString);
            assertEquals(List.of(app.pid), tagged.survivors(), "only the JVM is left");
        } finally {
            app.app.kill();
        }
    }

    @OnEachJdk
    void killWithoutViaKillsTheTreeFromTheCliItself(Jdk jdk) throws Exception {
        Process root = tagged.shell(TreeShapes.WIDE, 20);
        TaggedProcesses.awaitDescendants(root, 19);
        JvmRunner.Result kill = cli(jdk, "kill", Long.toString(root.pid()), "--timeout", "5s");
        assertEquals(OK, kill.exitCode, kill::toString);
        assertTrue(kill.stdout.contains("tree of pid " + root.pid() + ": signalled=20 exited=20 survivors=[]"), kill::toString);
        assertTrue(kill.stdout.trim().endsWith("(cli)"), kill::toString);
        assertEquals(List.of(), tagged.survivors(), () -> "the tree is gone from /proc\n" + kill);
    }

    // ---- helpers ----

    private JvmRunner.Result cli(Jdk jdk, String... args) throws Exception {
        return JvmRunner.on(jdk, tagged).jar(JvmRunner.agentJar(), args).run();
    }

    /** Exit status 2, the reason on stderr, nothing on stdout. */
    private void refused(Jdk jdk, String reason, String... args) throws Exception {
        JvmRunner.Result r = cli(jdk, args);
        assertEquals(USAGE, r.exitCode, () -> "exit status of " + Arrays.toString(args) + "\n" + r);
        assertTrue(r.stderr.contains(reason), () -> "stderr must say '" + reason + "'\n" + r);
        assertFalse(r.stdout.contains("tree of pid"), () -> "nothing was killed\n" + r);
    }

    private static List<Matcher> treeRows(JvmRunner.Result r) {
        return r.stdoutLines().stream().skip(1).map(TREE_ROW::matcher).peek(m -> assertTrue(m.matches(), () -> "row\n" + r))
                .collect(Collectors.toList());
    }
}
