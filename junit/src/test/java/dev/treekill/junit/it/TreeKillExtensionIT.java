package dev.treekill.junit.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.junit.scenarios.BeforeAllScenario;
import dev.treekill.junit.scenarios.LeakingScenario;
import dev.treekill.junit.scenarios.ParallelScenario;
import dev.treekill.junit.scenarios.SuiteLevelScenario;
import dev.treekill.junit.scenarios.SurvivorScenario;
import dev.treekill.testing.TaggedProcesses;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Suites run by the real JUnit Platform launcher in a JVM of their own, started without -javaagent: the
 * extension installs the agent itself. Checked: the results and report entries the launcher saw, what
 * the suite printed on stderr, and /proc after the suite's JVM has exited.
 */
@Timeout(300)
class TreeKillExtensionIT {
    private static final String AUTODETECT = "junit.jupiter.extensions.autodetection.enabled=true";
    private static final String KEY = "treekill.leak";

    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @Test
    void leakIsReportedAndKilledCleanTestsAreNot() throws Exception {
        ForkedSuite.Output out = new ForkedSuite(tagged).suite(List.of(LeakingScenario.class), AUTODETECT);

        for (String test : List.of("leaks", "escapee", "destroyedForcibly", "terminatedAndWaited", "exitedAndWaited")) {
            assertEquals("SUCCESSFUL", out.status("LeakingScenario#" + test), test + " (warn is the default)\n" + out);
        }
        List<Long> tree = out.spawned("leaks");
        List<String> leaks = out.entries("LeakingScenario#leaks", KEY);
        assertEquals(4, leaks.size(), "the shell and its three sleeps\n" + out);
        assertEquals("pid " + tree.get(0) + ": /bin/sh -c sleep 300 & sleep 300 & sleep 300; wait", leaks.get(0),
                "the root first, with its command line\n" + out);
        assertTrue(out.stderr.contains("[treekill] LeakingScenario.leaks() left 4 processes running; killed:"), out.toString());
        assertEquals(1, count(out.stderr, "LeakingScenario.leaks() left"), "no SLF4J binding: told once, on stderr\n" + out);

        long escapee = out.spawned("escapee").get(0);
        assertEquals(List.of("pid " + escapee + ": sleep 300"), out.entries("LeakingScenario#escapee", KEY), out.toString());

        for (String clean : List.of("destroyedForcibly", "terminatedAndWaited", "exitedAndWaited")) {
            assertEquals(List.of(), out.entries("LeakingScenario#" + clean, KEY), clean + "\n" + out);
            assertFalse(out.stderr.contains("LeakingScenario." + clean + "()"), clean + "\n" + out);
        }
        assertNothingLeft(out, tree.get(0), escapee);
    }

    @Test
    void withAnSlf4jBindingALeakIsToldOnceThroughIt() throws Exception {
        ForkedSuite.Output out = new ForkedSuite(tagged).classPathFirst(System.getProperty("treekill.itSlf4jBinding"))
                .suite(List.of(LeakingScenario.class), AUTODETECT);

        assertEquals(1, count(out.stderr, "LeakingScenario.leaks() left 4 processes running; killed:"), out.toString());
        assertTrue(out.stderr.contains("WARN dev.treekill.junit.TreeKillExtension - LeakingScenario.leaks() left 4"),
                "through slf4j-simple\n" + out);
        assertFalse(out.stderr.contains("[treekill] LeakingScenario.leaks()"), out.toString());
        assertEquals(4, out.entries("LeakingScenario#leaks", KEY).size(), "report entries as without a binding\n" + out);
        assertNothingLeft(out, out.spawned("leaks").get(0));
    }

    @Test
    void aTypoInAgentOptionsFailsTheClassLikeABadLeakMode() throws Exception {
        ForkedSuite.Output out = new ForkedSuite(tagged).suite(List.of(LeakingScenario.class), AUTODETECT,
                "treekill.agentOptions=log=info,bogusKey=1");

        assertEquals("FAILED", out.status("LeakingScenario"), out.toString());
        assertTrue(out.message("LeakingScenario").startsWith("treekill.agentOptions=log=info,bogusKey=1 is not valid: "
                + "unknown option 'bogusKey'. Valid options: timeout=<duration>,"), out.toString());
        assertFalse(out.stderr.contains("ASSERTION FAILED"), "checked before attaching\n" + out);
        assertFalse(out.stderr.contains("Agent failed to start"), out.toString());
        assertEquals(List.of(), out.spawned("leaks"), "no test ran\n" + out);
        assertNothingLeft(out);
    }

    @Test
    void failModeFailsTheLeakingTestOnly() throws Exception {
        ForkedSuite.Output out = new ForkedSuite(tagged).suite(List.of(LeakingScenario.class), AUTODETECT,
                "treekill.leaks=fail");

        assertEquals("FAILED", out.status("LeakingScenario#leaks"), out.toString());
        assertTrue(out.message("LeakingScenario#leaks").contains("left 4 processes running (pids " + out.spawned("leaks").get(0)), out.toString());
        assertEquals("FAILED", out.status("LeakingScenario#escapee"), out.toString());
        for (String clean : List.of("destroyedForcibly", "terminatedAndWaited", "exitedAndWaited")) {
            assertEquals("SUCCESSFUL", out.status("LeakingScenario#" + clean), clean + "\n" + out);
        }
        assertNothingLeft(out, out.spawned("leaks").get(0));
    }

    @Test
    void beforeAllProcessesGoAfterTheClassAndSurvivorsFailTheTest() throws Exception {
        ForkedSuite.Output out = new ForkedSuite(tagged).suite(List.of(BeforeAllScenario.class, SurvivorScenario.class,
                SuiteLevelScenario.class));

        long server = out.spawned("beforeAll").get(0);
        assertEquals("SUCCESSFUL", out.status("BeforeAllScenario#first"), "alive during the class\n" + out);
        assertEquals("SUCCESSFUL", out.status("BeforeAllScenario#second"), "alive during the class\n" + out);
        assertEquals(List.of(), out.entries("BeforeAllScenario#first", KEY), out.toString());
        assertEquals(List.of("pid " + server + ": /bin/sh -c sleep 300 & wait"), out.entries("BeforeAllScenario", KEY).subList(0, 1), out.toString());
        assertEquals(2, out.entries("BeforeAllScenario", KEY).size(), "the shell and its sleep\n" + out);
        assertEquals("SUCCESSFUL", out.status("BeforeAllScenario"), out.toString());
        assertTrue(out.stderr.contains("[treekill] BeforeAllScenario left 2 processes running, started on thread \"main\"; killed:"),
                "a class's report names the starting thread\n" + out);

        long unkillable = out.spawned("unkillable").get(0);
        assertEquals("FAILED", out.status("SurvivorScenario#treeOutlivesTheTimeout"), "whatever the mode\n" + out);
        assertTrue(out.message("SurvivorScenario#treeOutlivesTheTimeout").contains("still alive 30000 ms after SIGKILL: [" + unkillable + "]"),
                out.toString());
        long suiteLevel = out.spawned("suite-level").get(0);
        assertEquals("SUCCESSFUL", out.status("SuiteLevelScenario#startsFromAThreadOfNoTest"), out.toString());
        assertEquals(List.of(), out.entries("SuiteLevelScenario#startsFromAThreadOfNoTest", KEY), out.toString());
        assertEquals(List.of(), out.entries("SuiteLevelScenario", KEY), out.toString());
        assertTrue(out.stderr.contains("[treekill] the suite left 2 processes running, started on thread \"stranger\"; killed:\n[treekill]   pid "
                + suiteLevel + ": /bin/sh -c sleep 300 & wait"), "checked when the run ends\n" + out);
        assertNothingLeft(out, server, unkillable, suiteLevel);
    }

    @Test
    void parallelTestsKillOnlyTheirOwnProcesses() throws Exception {
        ForkedSuite.Output out = new ForkedSuite(tagged).suite(List.of(ParallelScenario.class),
                "junit.jupiter.execution.parallel.enabled=true",
                "junit.jupiter.execution.parallel.config.strategy=fixed",
                "junit.jupiter.execution.parallel.config.fixed.parallelism=2");

        assertEquals("SUCCESSFUL", out.status("ParallelScenario#keeping"), out.toString());
        assertEquals("SUCCESSFUL", out.status("ParallelScenario#leaking"), out.toString());
        assertEquals(List.of(), out.entries("ParallelScenario#keeping", KEY), out.toString());
        List<String> leaked = out.entries("ParallelScenario#leaking", KEY);
        assertEquals(4, leaked.size(), "two shells, one started from a thread the test created, and their sleeps\n" + out);
        for (String root : List.of("parallel-leak", "parallel-thread-leak")) {
            assertTrue(leaked.contains("pid " + out.spawned(root).get(0) + ": /bin/sh -c sleep 300 & wait"), root + "\n" + out);
        }
        assertFalse(out.stdout.contains("=pid " + out.spawned("parallel-kept").get(0) + ":"), out.toString());
        assertNothingLeft(out, out.spawned("parallel-kept").get(0));
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    /** The suite's JVM has exited (without exitKill): nothing it started may still run. */
    private void assertNothingLeft(ForkedSuite.Output out, long... pids) {
        for (long pid : pids) {
            assertFalse(TaggedProcesses.isLive(pid), "pid " + pid + " is still alive\n" + out);
        }
        assertEquals(List.of(), tagged.survivors(), "tagged processes left\n" + out);
        assertTrue(out.stdout.contains("DONE"), out.toString());
    }
}
