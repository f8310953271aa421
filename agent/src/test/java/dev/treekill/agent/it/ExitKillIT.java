package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TaggedProcesses;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code exitKill=true}, however the JVM ends. SIGKILL and a crash run no shutdown hook: the guard kills what
 * the JVM started (wide trees, trees forking all the time, double-forked setsid daemons) once it is gone; only
 * what opted out survives (a daemon, and a root whose ProcessBuilder set its own cookie: the guard is not told of
 * it). With cookie=false the guard knows the trees by their roots; a JVM SIGKILLed the moment its first start
 * returns is covered. Counted from outside the JVM: every process the child JVM starts carries
 * the test's tag, and every tagged process alive afterwards is a survivor (the guard too, until it exits). A
 * normal exit leaves no guard behind. The control: without exitKill the trees outlive a SIGKILLed JVM. The
 * application's own shutdown work (a hook that runs a cleanup command and waits for it) completes every time.
 */
@Timeout(300)
class ExitKillIT {
    /** How long the guard may take from the JVM's death to the last process gone: generous, the machine is shared. */
    private static final Duration GONE_WITHIN = Duration.ofSeconds(15);
    private static final int REPEATS = 3;
    /** JVMs started at once to race their guards' starts against their exits. */
    private static final int RACING_JVMS = 8;
    /** A cleanup sleeps 2 s; the rest is the machine's load. */
    private static final Duration CLEANUP_WITHIN = Duration.ofSeconds(30);

    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @OnEachJdk
    void aSigkilledJvmLeavesNothingButTheOptedOutDaemon(Jdk jdk) throws Exception {
        // Under a test-side subreaper: whatever outlives the JVM is re-parented to the host and counted there too.
        JvmRunner.Running host = JvmRunner.on(jdk, tagged).under(SubreaperHost.command(jdk)).agent("exitKill=true")
                .main(AbruptDeathApp.class, "wait", "guarded").start();
        try {
            Map<String, String> ready = JvmRunner.Result.fields(host.awaitLine(l -> l.startsWith("ready "), Duration.ofSeconds(60)));
            long jvm = Long.parseLong(ready.get("pid"));
            long guard = Long.parseLong(ready.get("guard"));
            List<Long> optedOut = optedOut(ready);
            assertFalse(ProcessHandle.of(jvm).get().descendants().anyMatch(p -> p.pid() == guard),
                    "the guard must not be the JVM's descendant");
            int before = tagged.survivors().size();
            assertTrue(before >= 29, () -> "expected the trees, the daemons and the guard alive, got " + before);
            ProcessHandle.of(jvm).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL: no hook runs
            host.awaitLine(l -> l.equals("host child_exit=137"), Duration.ofSeconds(60));
            List<Long> underHost = awaitLiveDescendants(host.pid(), optedOut);
            assertEquals(optedOut, underHost, () -> "left under the subreaper: " + describe(underHost));
            assertOnlyLeft(optedOut, host.finish(Duration.ofSeconds(60)));
        } finally {
            host.kill();
        }
    }

    /**
     * {@code cookie=false}: the guard knows the trees by their roots. A SIGKILLed JVM leaves nothing of its trees
     * (the wide one, the ones forking all the time); what still escapes is a double-forked setsid daemon that left
     * the tree before the death (no cookie says whose it is): at most the two daemons survive, nothing else.
     */
    @OnEachJdk
    void withoutCookiesASigkilledJvmLeavesAtMostItsDaemons(Jdk jdk) throws Exception {
        JvmRunner.Running host = JvmRunner.on(jdk, tagged).under(SubreaperHost.command(jdk))
                .agent("exitKill=true,cookie=false").main(AbruptDeathApp.class, "wait", "guarded").start();
        try {
            Map<String, String> ready = JvmRunner.Result.fields(host.awaitLine(l -> l.startsWith("ready "), Duration.ofSeconds(60)));
            long jvm = Long.parseLong(ready.get("pid"));
            List<Long> daemons = List.of(Long.parseLong(ready.get("daemon")), Long.parseLong(ready.get("optout")));
            int before = tagged.survivors().size();
            assertTrue(before >= 28, () -> "expected the trees, the daemons and the guard alive, got " + before);
            ProcessHandle.of(jvm).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL: no hook runs
            host.awaitLine(l -> l.equals("host child_exit=137"), Duration.ofSeconds(60));
            long end = System.nanoTime() + GONE_WITHIN.toNanos();
            List<Long> underHost = liveDescendants(host.pid());
            while (!daemons.containsAll(underHost) && System.nanoTime() < end) {
                Thread.sleep(20);
                underHost = liveDescendants(host.pid());
            }
            List<Long> left = underHost;
            assertTrue(daemons.containsAll(left), () -> "left under the subreaper: " + describe(left));
            host.finish(Duration.ofSeconds(60));
        } finally {
            host.kill();
        }
    }

    /**
     * The start-up window: a JVM SIGKILLed the moment its first process start returns (no pause at all) must
     * already be guarded: its launcher held the pipe before the start forked. With cookies and without (then the
     * guard knows the tree by its root alone). Counted under a test-side subreaper: the tree and the guard, gone.
     */
    @ParameterizedTest(name = "{0} cookie={1}")
    @MethodSource("jdksAndCookies")
    @ExtendWith(InstalledJdkOnly.class)
    void aJvmSigkilledTheMomentItsFirstStartReturnsLeavesNothing(Jdk jdk, boolean cookie) throws Exception {
        JvmRunner.Running host = JvmRunner.on(jdk, tagged).under(SubreaperHost.command(jdk))
                .agent("exitKill=true,log=info" + (cookie ? "" : ",cookie=false")).classPath(jnaJar())
                .main(SigkillAtOnceApp.class).start();
        try {
            String root = JvmRunner.Result.fields(host.awaitLine(l -> l.startsWith("root "), Duration.ofSeconds(60))).get("pid");
            host.awaitLine(l -> l.equals("host child_exit=137"), Duration.ofSeconds(60));
            List<Long> underHost = awaitLiveDescendants(host.pid(), List.of());
            assertEquals(List.of(), underHost, () -> "left under the subreaper: " + describe(underHost));
            JvmRunner.Result r = host.finish(Duration.ofSeconds(60));
            String killed = r.stderr.lines().filter(l -> l.startsWith("[treekill] tree of pid " + root + " gone: "))
                    .findFirst().orElseThrow(() -> new AssertionError("the guard did not kill the root's tree\n" + r));
            assertTrue(Integer.parseInt(JvmRunner.Result.fields(killed).get("signalled")) >= 1,
                    () -> "the guard found the tree alive: else there was nothing to leave\n" + r);
            assertFalse(r.stdout.contains("error"), r::toString);
        } finally {
            host.kill();
        }
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> jdksAndCookies() {
        return Jdk.all().flatMap(jdk -> java.util.stream.Stream.of(org.junit.jupiter.params.provider.Arguments.of(jdk, true),
                org.junit.jupiter.params.provider.Arguments.of(jdk, false)));
    }

    /** The JNA jar on the test class path. */
    private static java.nio.file.Path jnaJar() throws Exception {
        return java.nio.file.Paths.get(com.sun.jna.Native.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** Waits (bounded) until the live descendants of {@code pid} are {@code expected}; returns them. */
    private static List<Long> awaitLiveDescendants(long pid, List<Long> expected) throws InterruptedException {
        long end = System.nanoTime() + GONE_WITHIN.toNanos();
        List<Long> live = liveDescendants(pid);
        while (!live.equals(expected) && System.nanoTime() < end) {
            Thread.sleep(20);
            live = liveDescendants(pid);
        }
        return live;
    }

    private static List<Long> liveDescendants(long pid) {
        return ProcessHandle.of(pid).map(h -> h.descendants().map(ProcessHandle::pid).filter(TaggedProcesses::isLive)
                .sorted().collect(java.util.stream.Collectors.toList())).orElse(List.of());
    }

    @OnEachJdk
    void aCrashedJvmLeavesNothingButTheOptedOutDaemon(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).jvmArg("-Xmx32m")
                .jvmArg("-XX:+CrashOnOutOfMemoryError").agent("exitKill=true")
                .main(AbruptDeathApp.class, "oom", "guarded").run();
        assertNotEquals(0, r.exitCode, r::toString);
        assertTrue(r.stdout.contains("Aborting due to java.lang.OutOfMemoryError"), r::toString);
        assertOnlyLeft(optedOut(r.line("ready ")), r);
    }

    @OnEachJdk
    void aNormalExitLeavesNothingButTheOptedOutDaemonAndNoGuard(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent("exitKill=true")
                .main(AbruptDeathApp.class, "normal", "guarded").run();
        Checks.ok(r);
        assertNotEquals("none", r.line("ready ").get("guard"), r::toString);
        assertOnlyLeft(optedOut(r.line("ready ")), r); // the guard is tagged too: gone
        Checks.noAgentWarnings(r);
    }

    @OnEachJdk
    void withoutExitKillTheTreesOutliveASigkilledJvm(Jdk jdk) throws Exception {
        JvmRunner.Running jvm = JvmRunner.on(jdk, tagged).agent(null)
                .main(AbruptDeathApp.class, "wait", "probe").start();
        try {
            Map<String, String> ready = JvmRunner.Result.fields(jvm.awaitLine(l -> l.startsWith("ready "), Duration.ofSeconds(60)));
            assertEquals("none", ready.get("guard"), "no guard without exitKill");
            ProcessHandle.of(jvm.pid()).ifPresent(ProcessHandle::destroyForcibly);
            JvmRunner.Result r = jvm.finish(Duration.ofSeconds(60));
            Thread.sleep(1000);
            int left = tagged.survivors().size();
            assertTrue(left >= 25, () -> "the control: the trees must outlive the JVM, " + left + " did\n" + r);
        } finally {
            jvm.kill();
        }
    }

    @OnEachJdk
    void theGuardIsInvisibleToTheApplicationAndComesBackWhenKilled(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent("exitKill=true")
                .main(GuardWatchApp.class).run();
        Map<String, String> line = Checks.ok(r).line("guard ");
        assertEquals("false", line.get("visible"), r::toString);
        assertEquals("1", line.get("live_descendants"), () -> "the sleep alone, not the guard\n" + r);
        assertEquals("true", line.get("alive_after_kills"), () -> "a tree kill or killDescendants took the guard\n" + r);
        assertNotEquals(line.get("first"), line.get("second"), r::toString);
        assertTrue(r.stderr.contains("[treekill] the exitKill guard (pid " + line.get("first") + ") is gone; starting a new one"),
                () -> "a guard that died is logged\n" + r);
        awaitNoneLeft(r);
    }

    @OnEachJdk
    void theApplicationsShutdownCleanupCompletesOnANormalExit(Jdk jdk, @TempDir Path dir) throws Exception {
        for (int i = 0; i < REPEATS; i++) {
            Path marker = dir.resolve("marker-" + i);
            JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent("exitKill=true")
                    .main(ShutdownWorkApp.class, "normal", marker.toString()).run();
            assertCleanedAndTreeGone(0, r, marker);
        }
    }

    @OnEachJdk
    void theApplicationsShutdownCleanupCompletesOnSigterm(Jdk jdk, @TempDir Path dir) throws Exception {
        for (int i = 0; i < REPEATS; i++) {
            Path marker = dir.resolve("marker-" + i);
            JvmRunner.Running jvm = JvmRunner.on(jdk, tagged).agent("exitKill=true")
                    .main(ShutdownWorkApp.class, "sigterm", marker.toString()).start();
            try {
                jvm.awaitLine(l -> l.startsWith("ready "), Duration.ofSeconds(60));
                ProcessHandle.of(jvm.pid()).ifPresent(ProcessHandle::destroy);
                assertCleanedAndTreeGone(143, jvm.finish(Duration.ofSeconds(60)), marker);
            } finally {
                jvm.kill();
            }
        }
    }

    /**
     * JVMs that return from main the moment a new guard starts (the first one was killed), whose shutdown hook
     * hands a detached cleanup over to outlive them: some exit while that guard is still starting (several at once
     * on 2 busy cores make that likely), and that guard, told nothing, used to read end-of-file and kill the
     * cleanup. Each cleanup finishes.
     */
    @OnEachJdk
    void aGuardStillStartingAtExitSparesWhatTheShutdownHandedOver(Jdk jdk, @TempDir Path dir) throws Exception {
        List<JvmRunner.Running> jvms = new ArrayList<>();
        try {
            for (int i = 0; i < RACING_JVMS; i++) {
                jvms.add(JvmRunner.on(jdk, tagged).agent("exitKill=true")
                        .main(QuickExitApp.class, "shutdown-work", dir.resolve("marker-" + i).toString()).start());
            }
            List<JvmRunner.Result> results = new ArrayList<>();
            for (JvmRunner.Running jvm : jvms) {
                results.add(Checks.ok(jvm.finish(Duration.ofSeconds(90))));
            }
            for (int i = 0; i < RACING_JVMS; i++) {
                Path marker = dir.resolve("marker-" + i);
                JvmRunner.Result r = results.get(i);
                TaggedProcesses.await("the cleanup of JVM " + i + " to finish\n" + r, CLEANUP_WITHIN, () -> cleaned(marker));
                onlyTheKilledGuardLogged(r);
            }
            awaitNoneLeft(results.get(0)); // the sleeps went with the exit kill, the guards stood down
        } finally {
            jvms.forEach(JvmRunner.Running::kill);
        }
    }

    /**
     * The app killed its first guard: that is logged; nothing else is. That kill is a tree kill of a JVM still
     * booting: with 8 JVMs and their guards booting at once on 2 shared cores, its threads may take longer to stop
     * than the freeze waits, and the freeze says so before it kills (about that guard only).
     */
    private static void onlyTheKilledGuardLogged(JvmRunner.Result r) {
        String gone = r.stderr.lines().filter(l -> l.matches("\\[treekill\\] the exitKill guard \\(pid [0-9]+\\) is gone; starting a new one"))
                .findFirst().orElse("");
        String killed = gone.replaceAll(".*\\(pid ([0-9]+)\\).*", "$1");
        assertEquals(List.of(), r.stderr.lines().filter(l -> l.startsWith("[treekill]")).filter(l -> !l.equals(gone))
                .filter(l -> !l.matches(java.util.regex.Pattern.quote("[treekill] tree still changing (a process that does not "
                        + "stop, state D?); killing what was found: [" + killed + "(java,") + "[A-Za-z]\\)\\]"))
                .collect(java.util.stream.Collectors.toList()), r::toString);
    }

    private static boolean cleaned(Path marker) {
        try {
            return Files.exists(marker) && new String(Files.readAllBytes(marker), StandardCharsets.UTF_8).trim().equals("cleaned");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** At the default log level the guard and its launcher hold none of the JVM's stderr; at log=info they share it. */
    @OnEachJdk
    void theGuardWritesToTheJvmsStderrOnlyAtLogInfo(Jdk jdk) throws Exception {
        JvmRunner.Result quiet = JvmRunner.on(jdk, tagged).agent("exitKill=true")
                .main(QuickExitApp.class, "guard-stderr").run();
        Map<String, String> line = Checks.ok(quiet).line("stderr ");
        assertEquals("/dev/null", line.get("guard"), () -> "the guard holds the JVM's stderr\n" + quiet);
        Checks.noAgentWarnings(quiet);
        JvmRunner.Result info = JvmRunner.on(jdk, tagged).agent("exitKill=true,log=info")
                .main(QuickExitApp.class, "guard-stderr").run();
        Map<String, String> infoLine = Checks.ok(info).line("stderr ");
        assertEquals(infoLine.get("self"), infoLine.get("guard"), () -> "asked for, the guard's lines go with the JVM's\n" + info);
        awaitNoneLeft(info);
    }

    /**
     * A caller that reads the JVM's stderr to its end (a shell's $(...), Python's communicate(), a CI runner): once
     * a JVM that exited at once is reaped, no process holds its stderr pipe, so the end comes with the JVM's.
     */
    @OnEachJdk
    void aCallerReadingTheJvmsStderrToItsEndWaitsForNoGuard(Jdk jdk) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(JvmRunner.on(jdk, tagged).agent("exitKill=true")
                .main(QuickExitApp.class, "stderr").command()); // stdout and stderr are pipes, as a caller's are
        tagged.withTag(pb);
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.environment().remove("_JAVA_OPTIONS");
        Process jvm = pb.start();
        java.util.concurrent.CompletableFuture<String> stderr = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(jvm.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                return "<" + e + ">";
            }
        });
        try {
            String stdout = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(jvm.waitFor(90, java.util.concurrent.TimeUnit.SECONDS), stdout);
            List<Long> holders = holdersOf(JvmRunner.Result.fields(stdout.trim()).get("self"));
            assertEquals(List.of(), holders, () -> "the JVM is reaped, yet its stderr is held by " + describe(holders)
                    + "\n" + stdout);
            String err = stderr.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(0, jvm.exitValue(), () -> stdout + err);
        } finally {
            jvm.destroyForcibly();
        }
        awaitNoneLeft(null);
    }

    /** The tagged processes with a descriptor naming {@code file} (e.g. {@code pipe:[1234]}). */
    private List<Long> holdersOf(String file) {
        assertTrue(file != null && file.startsWith("pipe:"), () -> "the JVM's stderr is not a pipe: " + file);
        List<Long> holders = new ArrayList<>();
        for (long pid : tagged.survivors()) {
            String[] fds = new java.io.File("/proc/" + pid + "/fd").list();
            for (String fd : fds == null ? new String[0] : fds) {
                try {
                    if (Files.readSymbolicLink(java.nio.file.Paths.get("/proc", Long.toString(pid), "fd", fd)).toString().equals(file)) {
                        holders.add(pid);
                        break;
                    }
                } catch (java.io.IOException | RuntimeException gone) {
                    // closed or exited meanwhile: not a holder
                }
            }
        }
        return holders;
    }

    @OnEachJdk
    void noGuardWhenTheJvmIsPid1(Jdk jdk) throws Exception {
        Pid1IT.needsPidNamespaces();
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).under(PidNamespace.UNSHARE).agent("exitKill=true")
                .main(AbruptDeathApp.class, "normal", "probe").run();
        Map<String, String> ready = Checks.ok(r).line("ready ");
        assertEquals("1", ready.get("pid"), r::toString);
        assertEquals("none", ready.get("guard"), () -> "PID 1 needs no guard\n" + r);
    }

    private void assertCleanedAndTreeGone(int exitCode, JvmRunner.Result r, Path marker) throws Exception {
        assertEquals(exitCode, r.exitCode, r::toString);
        assertTrue(r.stdout.contains("cleanup exit=0"), () -> "the cleanup command was killed\n" + r);
        assertEquals("cleaned", Files.exists(marker) ? new String(Files.readAllBytes(marker), StandardCharsets.UTF_8).trim() : "",
                () -> "the cleanup did not finish\n" + r);
        long spared = Long.parseLong(r.line("spared ").get("pid"));
        assertOnlyLeft(spared, r); // started by the shutdown itself: neither the exit kill nor the guard takes it
        ProcessHandle.of(spared).ifPresent(ProcessHandle::destroyForcibly); // ours: our child JVM printed its pid
        Checks.noAgentWarnings(r);
    }

    /** Waits (bounded) until only {@code survivor} carries the tag; fails naming what is left. */
    /** The opted-out daemon and the opted-out root of {@link AbruptDeathApp}'s ready line, sorted. */
    private static List<Long> optedOut(Map<String, String> ready) {
        return java.util.stream.Stream.of(ready.get("optout"), ready.get("optoutroot")).map(Long::parseLong).sorted()
                .collect(java.util.stream.Collectors.toList());
    }

    /** Waits (bounded) until only {@code survivors} (sorted) carry the tag; fails naming what is left. */
    private void assertOnlyLeft(List<Long> survivors, JvmRunner.Result r) throws InterruptedException {
        List<Long> left = awaitSurvivors(survivors);
        assertEquals(survivors, left, () -> "expected only " + survivors + " alive, got " + describe(left) + "\n" + r);
    }

    private void assertOnlyLeft(long survivor, JvmRunner.Result r) throws InterruptedException {
        List<Long> left = awaitSurvivors(List.of(survivor));
        assertEquals(List.of(survivor), left, () -> "expected only " + survivor + " alive, got " + describe(left) + "\n" + r);
    }

    private void awaitNoneLeft(JvmRunner.Result r) throws InterruptedException {
        List<Long> left = awaitSurvivors(List.of());
        assertEquals(List.of(), left, () -> "expected nothing left, got " + describe(left) + (r == null ? "" : "\n" + r));
    }

    private List<Long> awaitSurvivors(List<Long> expected) throws InterruptedException {
        long end = System.nanoTime() + GONE_WITHIN.toNanos();
        List<Long> left = tagged.survivors();
        while (!left.equals(expected) && System.nanoTime() < end) {
            Thread.sleep(20);
            left = tagged.survivors();
        }
        return left;
    }

    private static String describe(List<Long> pids) {
        StringBuilder sb = new StringBuilder();
        for (long pid : pids) {
            sb.append("\n  ").append(pid).append(' ').append(ProcessHandle.of(pid).flatMap(p -> p.info().commandLine()).orElse("?"));
        }
        return sb.toString();
    }
}
