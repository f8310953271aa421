package dev.treekill.agent.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.log.Log;
import dev.treekill.agent.proc.FakeProc;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcTable;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The guard's orders on its command line, the commands that start it, and how it reads its pipe. */
class GuardPartsTest {
    private final GuardOrders orders = new GuardOrders(4242, 123456, "tk1092-abc-", false, Log.Level.INFO, 30_000, 10_000);

    @Test
    void ordersSurviveTheCommandLine() {
        List<String> args = orders.toArgs();
        String[] line = new String[args.size() + 1];
        line[0] = GuardCommand.WATCH;
        for (int i = 0; i < args.size(); i++) {
            line[i + 1] = args.get(i);
        }
        GuardOrders back = GuardOrders.fromArgs(line, 1);
        assertEquals(4242, back.jvmPid);
        assertEquals(123456, back.jvmStartTicks);
        assertEquals("tk1092-abc-", back.cookieFamily);
        assertFalse(back.cookies);
        assertEquals(Log.Level.INFO, back.logLevel);
        assertEquals(30_000, back.timeoutMillis);
        assertEquals(10_000, back.warnMillis);
    }

    @Test
    void malformedOrdersAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> GuardOrders.fromArgs(new String[] {"watch", "1"}, 1));
        assertThrows(IllegalArgumentException.class, // pid 1 is never guarded
                () -> GuardOrders.fromArgs(new String[] {"watch", "1", "5", "tk-", "true", "WARN", "100", "50"}, 1));
        assertThrows(IllegalArgumentException.class, // an empty family would match every cookie
                () -> GuardOrders.fromArgs(new String[] {"watch", "77", "5", "", "true", "WARN", "100", "50"}, 1));
        assertThrows(IllegalArgumentException.class,
                () -> GuardOrders.fromArgs(new String[] {"watch", "77", "5", "tk-", "true", "LOUD", "100", "50"}, 1));
        assertThrows(IllegalArgumentException.class, // not a yes or a no
                () -> GuardOrders.fromArgs(new String[] {"watch", "77", "5", "tk-", "yes", "WARN", "100", "50"}, 1));
        assertEquals("timeout must be more than zero, was 0", assertThrows(IllegalArgumentException.class, // the one rule
                () -> GuardOrders.fromArgs(new String[] {"watch", "77", "5", "tk-", "true", "WARN", "0", "50"}, 1)).getMessage());
        assertEquals("warn must be more than zero, was -1", assertThrows(IllegalArgumentException.class,
                () -> GuardOrders.fromArgs(new String[] {"watch", "77", "5", "tk-", "true", "WARN", "100", "-1"}, 1)).getMessage());
    }

    /** Hiding by pid: only an entry that is still one of the guard launch's own processes (review finding L1). */
    @Test
    void onlyAnEntryCarryingTheGuardsCookieUnderTheSamePidAndStartIsTakenForTheLaunchersOrTheGuards() {
        FakeProc proc = new FakeProc();
        proc.put(400, 100, 'S', 1, 4_000, "sh").env(400, "PATH=/bin", "TREEKILL_COOKIE=" + JvmDeathGuard.GUARD_COOKIE);
        proc.put(401, 100, 'S', 1, 4_001, "sleep").env(401, "PATH=/bin");
        proc.put(402, 100, 'S', 1, 4_002, "sleep").env(402, "TREEKILL_COOKIE=tk1-abc-1");
        assertTrue(GuardLauncher.carriesGuardCookie(proc, ProcTable.read(proc, 400)));
        assertFalse(GuardLauncher.carriesGuardCookie(proc, ProcTable.read(proc, 401)), "no cookie: someone else");
        assertFalse(GuardLauncher.carriesGuardCookie(proc, ProcTable.read(proc, 402)), "the application's cookie");

        ProcEntry launcher = ProcTable.read(proc, 400);
        proc.setState(400, 'Z'); // exited, not reaped: a zombie shows no environment
        proc.environs.remove(400);
        assertFalse(GuardLauncher.carriesGuardCookie(proc, launcher));

        proc.remove(400); // reaped, then the pid reused by another guard launch's process (cookie and all)
        proc.put(400, 100, 'S', 1, 9_000, "sh").env(400, "TREEKILL_COOKIE=" + JvmDeathGuard.GUARD_COOKIE);
        assertFalse(GuardLauncher.carriesGuardCookie(proc, launcher), "the entry read earlier is not this process");
        proc.remove(400);
        assertFalse(GuardLauncher.carriesGuardCookie(proc, launcher), "gone");
    }

    @Test
    void theGuardRunsOnThisJvmsJavaWithSmallOptionsAndIsStartedThroughAShellOrASecondJvm() {
        GuardCommand command = new GuardCommand("/opt/jdk", "/x/treekill-agent.jar", 25);
        List<String> viaShell = command.launch(orders, true);
        assertEquals(List.of("/bin/sh", "-c"), viaShell.subList(0, 2));
        assertEquals("/opt/jdk/bin/java", viaShell.get(4));
        assertTrue(viaShell.containsAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData",
                "--enable-native-access=ALL-UNNAMED", "-cp", "/x/treekill-agent.jar", GuardCommand.MAIN, "watch")), viaShell::toString);
        List<String> viaJvm = command.launch(orders, false);
        assertEquals("/opt/jdk/bin/java", viaJvm.get(0));
        assertEquals("detach", viaJvm.get(viaJvm.indexOf(GuardCommand.MAIN) + 1));
        assertEquals(orders.toArgs(), viaJvm.subList(viaJvm.size() - 7, viaJvm.size()));
        assertFalse(new GuardCommand("/opt/jdk11", "a.jar", 11).jvm("watch", orders).contains("--enable-native-access=ALL-UNNAMED"),
                "JDK 11 does not know the option");
    }

    @Test
    void theGuardFindsTheAgentItCameFrom() {
        String cp = GuardCommand.ownClassPath();
        assertTrue(cp != null && new File(cp).exists(), () -> "not found: " + cp);
        assertTrue(new File(cp, GuardCommand.MAIN.replace('.', '/') + ".class").exists() || cp.endsWith(".jar"), cp);
    }

    @Test
    void endOfPipeMeansDeathAndStandDownMeansExitAndRootsAreRemembered() throws Exception {
        Roots roots = new Roots(new FakeProc(), 8);
        assertTrue(Guard.awaitEndOfPipe(lines(""), roots, new SparedCookies()));
        assertTrue(Guard.awaitEndOfPipe(lines("noise\nroot 2001 61\n\nroot 1 5\nroot 2002\nroot 20x3 7\nroot 2004 63"), roots, new SparedCookies()));
        assertEquals("[2001@61, 2004@63]", roots.all().toString(), "pid 1 and malformed lines are no roots");
        assertFalse(Guard.awaitEndOfPipe(lines("root 2005 64\ndone\nroot 2006 65\n"), roots, new SparedCookies()));
        assertEquals("[2001@61, 2004@63, 2005@64]", roots.all().toString(), "nothing after done is read");
        assertFalse(Guard.awaitEndOfPipe(lines("root 2007 6\ndone\n"), new Roots(new FakeProc(), 8), new SparedCookies()),
                "a line the JVM read the end of, then a newline and done: the stand-down holds");
    }

    @Test
    void sparedCookiesAreReadBesideTheRootsAndMalformedOnesIgnored() throws Exception {
        Roots roots = new Roots(new FakeProc(), 8);
        SparedCookies spared = new SparedCookies();
        String tooLong = "x".repeat(SparedCookies.MAX_COOKIE_LENGTH + 1);
        assertTrue(Guard.awaitEndOfPipe(lines("root 2001 61\nspare tk3e8-1-7\nspare \nspare a b\nspare a\tb\nspare "
                + tooLong + "\nspare tk3e8-1-7\nspare dontKillMe/tk3e8-1-8\nsparetk3e8-1-9"), roots, spared));
        assertEquals("[2001@61]", roots.all().toString());
        assertEquals(List.of("tk3e8-1-7", "dontKillMe/tk3e8-1-8"), spared.all(), "empty, spaced, control, too long: no cookie");
        assertFalse(Guard.awaitEndOfPipe(lines("spare tk3e8-1-10\ndone\nspare tk3e8-1-11\n"), roots, spared));
        assertEquals(List.of("tk3e8-1-7", "dontKillMe/tk3e8-1-8", "tk3e8-1-10"), spared.all(), "nothing after done is read");
    }

    @Test
    void sparedCookiesAreBounded() {
        SparedCookies spared = new SparedCookies();
        for (int i = 0; i < SparedCookies.CAPACITY; i++) {
            assertTrue(spared.add("c" + i));
        }
        assertFalse(spared.add("one-more"));
        assertTrue(spared.add("c0"), "one it has is still had");
        assertEquals(SparedCookies.CAPACITY, spared.all().size());
    }

    private static ByteArrayInputStream lines(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void rootsAreBoundedAndMakeRoomByDroppingFinishedOnes() {
        FakeProc proc = new FakeProc();
        Roots roots = new Roots(proc, 3);
        proc.put(2001, 1, 'S', 1, 61, "a");
        proc.put(2002, 1, 'Z', 1, 62, "b"); // finished, not reaped yet
        proc.put(2003, 1, 'S', 1, 99, "c"); // its pid names a newer process now
        assertTrue(roots.add(new Roots.Root(2001, 61)));
        assertTrue(roots.add(new Roots.Root(2002, 62)));
        assertTrue(roots.add(new Roots.Root(2003, 63)));
        assertTrue(roots.add(new Roots.Root(2004, 64)), "full: the finished ones make room");
        assertEquals("[2001@61, 2004@64]", roots.all().toString());
        assertTrue(roots.add(new Roots.Root(2001, 70)), "a root of a pid known already replaces it");
        assertEquals("[2001@70, 2004@64]", roots.all().toString());
        proc.put(2001, 1, 'S', 1, 70, "a");
        proc.put(2004, 1, 'S', 1, 64, "d");
        proc.put(2005, 1, 'S', 1, 65, "e");
        assertTrue(roots.add(new Roots.Root(2005, 65)));
        assertFalse(roots.add(new Roots.Root(2006, 66)), "full of live roots: not remembered");
        assertEquals(3, roots.size(), "bounded");
    }

    @Test
    void aFullTableIsCleanedUpABoundedBatchPerAddOldestFirst() {
        FakeProc fake = new FakeProc();
        java.util.concurrent.atomic.AtomicInteger statReads = new java.util.concurrent.atomic.AtomicInteger();
        dev.treekill.agent.proc.ProcSource counting = new dev.treekill.agent.proc.ForwardingProc(fake) {
            @Override
            public String stat(int pid) {
                statReads.incrementAndGet();
                return super.stat(pid);
            }
        };
        Roots roots = new Roots(counting, 4, 2);
        for (int i = 1; i <= 4; i++) {
            fake.put(2000 + i, 1, 'S', 1, 60 + i, "r" + i);
            assertTrue(roots.add(new Roots.Root(2000 + i, 60 + i)));
        }
        fake.put(2004, 1, 'Z', 1, 64, "r4"); // the newest finished: the first batch (the two oldest) misses it
        statReads.set(0);
        assertFalse(roots.add(new Roots.Root(2005, 65)), "the two oldest still run");
        assertEquals(2, statReads.get(), "one batch of /proc reads, not a pass over the table");
        assertEquals("[2003@63, 2004@64, 2001@61, 2002@62]", roots.all().toString(), "looked-at ones to the back");
        statReads.set(0);
        assertFalse(roots.add(new Roots.Root(2005, 65)), "paused: capacity / 8 adds, at least one");
        assertEquals(0, statReads.get());
        assertTrue(roots.add(new Roots.Root(2005, 65)), "the next batch finds the finished one");
        assertEquals(2, statReads.get());
        assertEquals("[2001@61, 2002@62, 2003@63, 2005@65]", roots.all().toString());
    }
}
