package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TaggedProcesses;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code exitKill=true} and a JVM SIGKILLed during its shutdown (a supervisor's stop timeout while a hook waits for
 * its cleanup command): the exit kill never ran, so the guard kills what the JVM left, and it spares what the JVM
 * spared: the cleanup command, started by the shutdown, lives on and finishes; the tree started before shutdown is
 * gone, nothing of it left. With cookies (the guard was told the cleanup's cookie) and without (the guard was never
 * told the cleanup as a root). Counted from outside the JVM, under a test-side subreaper; the cleanup is let finish
 * only once the guard has done its work and exited, so it must have outlived the guard's kill.
 */
@Timeout(300)
class KilledInShutdownIT {
    /** How long the guard may take from the JVM's death to its exit: generous, the machine is shared. */
    private static final Duration GUARD_DONE_WITHIN = Duration.ofSeconds(30);
    private static final Duration CLEANUP_WITHIN = Duration.ofSeconds(30);

    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    static Stream<Arguments> jdksAndCookies() {
        return Jdk.all().flatMap(jdk -> Stream.of(Arguments.of(jdk, true), Arguments.of(jdk, false)));
    }

    @ParameterizedTest(name = "{0} cookie={1}")
    @MethodSource("jdksAndCookies")
    @ExtendWith(InstalledJdkOnly.class)
    void theGuardSparesTheCleanupTheShutdownStartedAndKillsTheTreeOfBefore(Jdk jdk, boolean cookie, @TempDir Path dir)
            throws Exception {
        Path marker = dir.resolve("marker");
        Path go = dir.resolve("go");
        JvmRunner.Running host = JvmRunner.on(jdk, tagged).under(SubreaperHost.command(jdk))
                .agent("exitKill=true,log=info" + (cookie ? "" : ",cookie=false"))
                .main(KilledInShutdownApp.class, marker.toString(), go.toString()).start();
        try {
            Map<String, String> ready = JvmRunner.Result.fields(host.awaitLine(l -> l.startsWith("ready "), Duration.ofSeconds(60)));
            long jvm = Long.parseLong(ready.get("pid"));
            long treeRoot = Long.parseLong(ready.get("tree"));
            long guard = Long.parseLong(ready.get("guard"));
            long cleanup = Long.parseLong(JvmRunner.Result.fields(
                    host.awaitLine(l -> l.startsWith("cleanup pid="), Duration.ofSeconds(60))).get("pid"));
            List<Long> tree = TaggedProcesses.liveDescendants(treeRoot);
            tree.add(treeRoot);
            assertTrue(tree.size() >= 5, () -> "the tree of before: its shell and 4 sleeps, got " + tree);
            ProcessHandle.of(jvm).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL while the hook waits
            host.awaitLine(l -> l.equals("host child_exit=137"), Duration.ofSeconds(60));

            TaggedProcesses.await("the guard to do its work and exit", GUARD_DONE_WITHIN, () -> !TaggedProcesses.isLive(guard));
            List<Long> treeLeft = tree.stream().filter(TaggedProcesses::isLive).collect(Collectors.toList());
            assertEquals(List.of(), treeLeft, "the tree started before shutdown outlived the guard");
            assertTrue(TaggedProcesses.isLive(cleanup), "the guard took the cleanup the shutdown started");
            assertFalse(Files.exists(marker), "the cleanup finished before it was let go");

            Files.createFile(go);
            TaggedProcesses.await("the cleanup to finish", CLEANUP_WITHIN, () -> cleaned(marker));
            TaggedProcesses.await("nothing left under the subreaper", CLEANUP_WITHIN,
                    () -> TaggedProcesses.liveDescendants(host.pid()).isEmpty());
            JvmRunner.Result r = host.finish(Duration.ofSeconds(60));
            assertTrue(r.stderr.contains("[treekill] tree of pid " + treeRoot + " gone: "),
                    () -> "the guard killed the tree of before by its root\n" + r);
            assertFalse(r.stderr.contains("tree of pid " + cleanup + " "),
                    () -> "the cleanup was told to the guard as a root\n" + r);
            assertFalse(r.stdout.contains("error"), r::toString);
        } finally {
            host.kill();
        }
    }

    private static boolean cleaned(Path marker) {
        try {
            return Files.exists(marker) && new String(Files.readAllBytes(marker), StandardCharsets.UTF_8).trim().equals("cleaned");
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
