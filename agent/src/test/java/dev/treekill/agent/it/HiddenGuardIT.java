package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TaggedProcesses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code subreaper=true,exitKill=true}: the guard's launcher exits at once and the kernel re-parents the guard to
 * the nearest subreaper, this JVM. The application still does not see it ({@link HiddenGuardApp}): not in
 * {@code ProcessHandle.current().children()} nor {@code descendants()}, not in the MBean's LiveDescendants, not
 * taken by destroyForcibly() or killDescendants. Found from outside by what it is: a child of the JVM in /proc
 * with {@code TREEKILL_COOKIE=treekill-guard}. Killed, it is reaped (it is our child: no zombie stays); after a
 * normal exit nothing of it remains. With cookies and without, on each JDK.
 */
@Timeout(180)
class HiddenGuardIT {
    private static final String GUARD_COOKIE = "TREEKILL_COOKIE=treekill-guard";
    private static final Duration GONE_WITHIN = Duration.ofSeconds(15);

    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @ParameterizedTest(name = "{0} cookie={1}")
    @MethodSource("jdksAndCookies")
    @ExtendWith(InstalledJdkOnly.class)
    void theAdoptedGuardIsNoChildOfTheApplications(Jdk jdk, boolean cookie, @TempDir Path dir) throws Exception {
        Path goOn = dir.resolve("go-on");
        JvmRunner.Running jvm = JvmRunner.on(jdk, tagged).agent("subreaper=true,exitKill=true" + (cookie ? "" : ",cookie=false"))
                .main(HiddenGuardApp.class, goOn.toString()).start();
        try {
            Map<String, String> listed = JvmRunner.Result.fields(jvm.awaitLine(l -> l.startsWith("listed ") || l.startsWith("error "),
                    Duration.ofSeconds(90)));
            List<Long> guards = guardsUnder(jvm.pid());
            Files.createFile(goOn);
            JvmRunner.Result r = Checks.ok(jvm.finish(Duration.ofSeconds(90)));
            assertEquals(1, guards.size(), () -> "one guard, a child of the JVM in /proc: " + guards + "\n" + r);
            String guard = Long.toString(guards.get(0));
            assertEquals(guard, listed.get("guard"), () -> "the app waited for another guard\n" + r);
            List<String> children = split(listed.get("children"));
            List<String> descendants = split(listed.get("descendants"));
            assertEquals(List.of(listed.get("child")), children, () -> "children(): the child alone\n" + r);
            assertEquals(List.of(listed.get("child")), descendants, () -> "descendants(): the child alone (exec'd sleep)\n" + r);
            assertEquals("1", listed.get("live_descendants"), () -> "LiveDescendants: the child alone\n" + r);
            assertEquals("true", r.line("killed ").get("guard_alive"), () -> "a tree kill or killDescendants took the guard\n" + r);
            assertEquals("true", r.line("guard_gone ").get("reaped"), () -> "the killed guard stayed a zombie\n" + r);
            assertEquals("false", r.line("second ").get("visible"), () -> "the guard started again was listed\n" + r);
            assertTrue(r.stderr.contains("[treekill] the exitKill guard (pid " + guard + ") is gone; starting a new one"),
                    () -> "a guard that died is logged\n" + r);
            awaitNoneLeft(r);
        } finally {
            jvm.kill();
        }
    }

    static Stream<Arguments> jdksAndCookies() {
        return Jdk.all().flatMap(jdk -> Stream.of(Arguments.of(jdk, true), Arguments.of(jdk, false)));
    }

    /** The live children of {@code jvm} (from /proc) whose environment carries the guard's cookie. */
    private List<Long> guardsUnder(long jvm) {
        List<Long> found = new ArrayList<>();
        for (long pid : tagged.survivors()) {
            String stat = read(Paths.get("/proc", Long.toString(pid), "stat"));
            String environ = read(Paths.get("/proc", Long.toString(pid), "environ"));
            if (stat == null || environ == null) {
                continue;
            }
            String[] afterName = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            if (Long.parseLong(afterName[1]) == jvm && !afterName[0].equals("Z")
                    && Arrays.asList(environ.split("\0")).contains(GUARD_COOKIE)) {
                found.add(pid);
            }
        }
        return found;
    }

    private static String read(Path p) {
        try {
            return new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return null; // gone
        }
    }

    private static List<String> split(String pids) {
        return pids == null || pids.isEmpty() ? List.of() : Arrays.asList(pids.split(","));
    }

    private void awaitNoneLeft(JvmRunner.Result r) throws InterruptedException {
        long end = System.nanoTime() + GONE_WITHIN.toNanos();
        List<Long> left = tagged.survivors();
        while (!left.isEmpty() && System.nanoTime() < end) {
            Thread.sleep(20);
            left = tagged.survivors();
        }
        List<Long> last = left;
        assertEquals(List.of(), last, () -> "left after the JVM's normal exit: " + last + "\n" + r);
        assertFalse(r.stdout.contains("error"), r::toString);
    }
}
