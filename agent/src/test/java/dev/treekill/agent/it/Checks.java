package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TaggedProcesses;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Assertions on what a child JVM printed; every failure message carries its whole output. */
final class Checks {
    private Checks() {
    }

    /** The child exited 0 and printed no {@code error} line. */
    static JvmRunner.Result ok(JvmRunner.Result r) {
        assertEquals(0, r.exitCode, () -> "child JVM failed\n" + r);
        assertFalse(r.stdoutLines().stream().anyMatch(l -> l.startsWith("error ")), () -> "TreeApp reported an error\n" + r);
        return r;
    }

    /** When destroyForcibly() returned, no process of the snapshot and no tagged process was alive. */
    static void treeGone(Map<String, String> line, JvmRunner.Result r) {
        assertEquals("0", line.get("survivors"), () -> "processes of the tree alive when destroyForcibly() returned\n" + r);
        assertEquals("0", line.get("tagged"), () -> "tagged processes alive when destroyForcibly() returned\n" + r);
    }

    /** waitFor() and exitValue() still say what the JDK says for a SIGKILLed child: 128 + 9. */
    static void jdkExitStatusKept(Map<String, String> line, JvmRunner.Result r) {
        assertEquals("137", line.get("exit"), () -> "waitFor()\n" + r);
        assertEquals("137", line.get("exitValue"), () -> "exitValue()\n" + r);
    }

    /** At the default log level the agent prints nothing in normal operation: a line is a problem. */
    static void noAgentWarnings(JvmRunner.Result r) {
        String agentLines = r.stderr.lines().filter(l -> l.startsWith("[treekill]")).collect(Collectors.joining("\n"));
        assertEquals("", agentLines, () -> "the agent warned\n" + r);
    }

    /** {@code TreeApp kill forking 4 repeat=3}: three trees of at least 5 that fork while killed, each killed cleanly. */
    static void threeForkingTreesKilledCleanly(JvmRunner.Result r) {
        List<Map<String, String>> lines = ok(r).results();
        assertEquals(3, lines.size(), r::toString);
        for (Map<String, String> line : lines) {
            assertTrue(number(line, "tree") >= 5, r::toString);
            killedCleanly(line, r);
        }
    }

    /** destroyForcibly() returned with the tree gone, and the JDK still reported the SIGKILLed child as usual. */
    static void killedCleanly(Map<String, String> line, JvmRunner.Result r) {
        treeGone(line, r);
        jdkExitStatusKept(line, r);
    }

    /** The agent stayed silent and, after the child JVM exited, no tagged process is alive. */
    static void quietAndNothingLeft(JvmRunner.Result r, TaggedProcesses tagged) {
        noAgentWarnings(r);
        assertEquals(List.of(), tagged.survivors(), () -> "tagged processes alive after the child JVM exited\n" + r);
    }

    static long number(Map<String, String> line, String key) {
        String v = line.get(key);
        if (v == null) {
            throw new AssertionError("no " + key + "= in " + line);
        }
        return Long.parseLong(v);
    }
}
