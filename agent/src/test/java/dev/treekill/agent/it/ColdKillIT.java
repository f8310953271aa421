package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TaggedProcesses;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The kill without native calls that a JVM does while JNA still loads (ColdTreeKiller), in real JVMs:
 * forced by the test switch {@code -Dtreekill.coldKill=always} on the trees that fork while killed, and
 * unforced the moment a tree is up in a fresh JVM. Every guarantee of the native engine is checked the
 * same way (TreeKillIT): nothing of the tree alive when destroyForcibly() returns, the JDK's exit status kept.
 */
@Timeout(120)
class ColdKillIT {
    private static final String FORCE = "-Dtreekill.coldKill=always";
    /** The same, every tree taken by the scans of /proc from its root on (TreeScans) instead of the walk. */
    private static final String FORCE_SCANS = "-Dtreekill.coldKill=scans";
    /**
     * The cold path's debug line (log=debug): "tree of pid N: SIGKILL to S of M processes without native calls in T us
     * (K found by scans)".
     */
    private static final String COLD_KILL = "processes without native calls in";

    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @OnEachJdk
    void coldPathKillsATreeThatForksWhileKilledThreeTimes(Jdk jdk) throws Exception {
        for (String force : new String[] {FORCE, FORCE_SCANS}) {
            JvmRunner.Result r = JvmRunner.on(jdk, tagged).jvmArg(force).agent("log=debug")
                    .treeApp("kill", "forking", "4", "repeat=3").run();
            Checks.threeForkingTreesKilledCleanly(r);
            List<String> kills = coldKills(r);
            assertEquals(3, kills.size(), r::toString);
            if (force.equals(FORCE_SCANS)) {
                kills.forEach(l -> assertTrue(foundByScans(l) > 0, () -> l + "\n" + r));
            }
            onlyKillReports(r);
            assertEquals(List.of(), tagged.survivors(), r::toString);
        }
    }

    @OnEachJdk
    void coldPathKillsAWideTreeAndAChain(Jdk jdk) throws Exception {
        for (String force : new String[] {FORCE, FORCE_SCANS}) {
            for (String[] shape : new String[][] {{"wide", "200"}, {"chain", "50"}}) {
                JvmRunner.Result r = JvmRunner.on(jdk, tagged).jvmArg(force).agent("log=debug")
                        .treeApp("kill", shape[0], shape[1]).run();
                Map<String, String> line = Checks.ok(r).result();
                assertEquals(shape[1], line.get("tree"), r::toString);
                Checks.killedCleanly(line, r);
                List<String> kills = coldKills(r);
                assertEquals(1, kills.size(), r::toString);
                int size = Integer.parseInt(shape[1]);
                if (force.equals(FORCE_SCANS) || (shape[0].equals("wide") && size >= walkLimit(r))) {
                    // All but the root; unforced, a tree at the walk limit is scanned once linked, by the background
                    // thread or, this soon after the first start, by the kill itself.
                    assertEquals(size - 1, foundByScans(kills.get(0)), r::toString);
                }
                onlyKillReports(r);
                assertEquals(List.of(), tagged.survivors(), r::toString);
            }
        }
    }

    private static List<String> coldKills(JvmRunner.Result r) {
        return agentLines(r).stream().filter(l -> l.contains(COLD_KILL)).collect(Collectors.toList());
    }

    /** The walk limit the cold path's "scans of /proc linked" line gives (trees past it are scanned). */
    private static int walkLimit(JvmRunner.Result r) {
        for (String l : agentLines(r)) {
            Matcher m = Pattern.compile("scans of /proc linked in \\d+ us; trees past (\\d+) processes").matcher(l);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        throw new AssertionError("the scans were not linked\n" + r);
    }

    /** The N of the cold kill's "(N found by scans)". */
    private static int foundByScans(String coldKill) {
        Matcher m = Pattern.compile("\\((\\d+) found by scans\\)$").matcher(coldKill);
        assertTrue(m.find(), coldKill);
        return Integer.parseInt(m.group(1));
    }

    /** Without cookies nothing catches what a missing SIGSTOP lets through: the kill waits for the native engine. */
    @OnEachJdk
    void withoutCookiesTheKillWaitsForTheNativeEngine(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).jvmArg(FORCE).agent("cookie=false,log=debug")
                .treeApp("kill", "forking", "4", "atOnce").run();
        Map<String, String> line = Checks.ok(r).result();
        Checks.killedCleanly(line, r);
        List<String> reports = agentLines(r).stream().filter(l -> l.contains(" gone")).collect(Collectors.toList());
        assertEquals(1, reports.size(), r::toString);
        assertEquals(0, agentLines(r).stream().filter(l -> l.contains(COLD_KILL)).count(), r::toString);
        onlyKillReports(r);
        assertEquals(List.of(), tagged.survivors(), r::toString);
    }

    /** Unforced: a fresh JVM kills a forking tree the moment it is up, whichever engine is ready by then. */
    @OnEachJdk
    void aFreshJvmKillsAForkingTreeTheMomentItIsUp(Jdk jdk) throws Exception {
        for (int run = 0; run < 3; run++) {
            JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent(null)
                    .treeApp("kill", "forking", "4", "atOnce").run();
            Map<String, String> line = Checks.ok(r).result();
            assertTrue(Checks.number(line, "tree") >= 5, r::toString);
            Checks.killedCleanly(line, r);
            Checks.quietAndNothingLeft(r, tagged);
        }
    }

    private static List<String> agentLines(JvmRunner.Result r) {
        return r.stderr.lines().filter(l -> l.startsWith("[treekill]")).collect(Collectors.toList());
    }

    /**
     * At log=debug the agent says it is active, how it signals and kills, and reports each kill; any other line
     * (a warning, a failure) fails the test.
     */
    private static void onlyKillReports(JvmRunner.Result r) {
        for (String l : agentLines(r)) {
            assertTrue(l.startsWith("[treekill] active (") || l.matches("\\[treekill\\] tree of pid \\d+ gone: .*")
                    || l.matches("\\[treekill\\] tree of pid \\d+: (froze|SIGKILL to|escapees) .*")
                    || l.matches("\\[treekill\\] pidfd_open\\(\\d+\\) errno 38: signalling by pid")
                    || l.matches("\\[treekill\\] cold path: scans of /proc linked in .*")
                    // where the checkout's cache directory is not trusted (a clone under /tmp, say): no cache
                    || l.matches("\\[treekill\\] .* is not this user's alone"),
                    () -> "unexpected agent line: " + l + "\n" + r);
        }
    }
}
