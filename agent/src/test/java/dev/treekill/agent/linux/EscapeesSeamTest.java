package dev.treekill.agent.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.PendingKill;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.hook.StartHooks;
import dev.treekill.agent.proc.CountingProc;
import dev.treekill.agent.proc.Environ;
import dev.treekill.agent.proc.FakeProc;
import dev.treekill.agent.proc.ForwardingProc;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.reaping.Adoption;
import dev.treekill.agent.starts.CookieIssuer;
import dev.treekill.agent.starts.CookieMode;
import dev.treekill.agent.starts.Cookies;
import dev.treekill.agent.starts.Started;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.FakeSyscalls;
import dev.treekill.agent.testing.FakeProcess;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Which processes outside a tree belong to it, against a scripted /proc: the re-parented ones carrying the
 * root's exact cookie (same user, started at or after the root, not zombies) with their trees, and, where this
 * JVM adopts orphans, its cookie-less children the JDK did not start: to every tree of the JVM always, to one
 * started process only under a subreaper (not as mere PID 1) with cookies off, and when no other process the JDK
 * started was alive when the orphan started. A record's liveness is its flag, set when the JDK's onExit() fires.
 * Everything else is never signalled, and where nothing outside the tree can belong to it no environment is
 * read at all.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EscapeesSeamTest {
    private static final int SELF = 1000;
    private static final int ROOT = 1001;
    private static final String VARIABLE = Cookies.VARIABLE;

    /** This JVM (started at tick 50, uid 0), its parent shell, and the tree of ROOT started at tick 60. */
    private final FakeProc fake = new FakeProc()
            .put(SELF, 900, 'S', 20, 50, "java").put(900, 1, 'S', 1, 40, "bash")
            .put(ROOT, SELF, 'S', 1, 60, "sh").put(1002, ROOT, 'S', 1, 61, "worker");
    /** Every environ and uid read, by pid. */
    private final CountingProc proc = new CountingProc(fake);
    /** Records start times from the fake /proc, as the agent does where it adopts orphans. */
    /** The cookie this JVM inherited is what the test's /proc shows in its environment. */
    private final StartedProcesses started = new StartedProcesses(fake, StartedProcesses.Tracking.FROM_FIRST_START,
            new CookieIssuer(() -> Cookies.in(fake.environ(SELF))), System::nanoTime);

    {
        FakeProcess.procOfThisTest = fake; // exit() of a FakeProcess removes its /proc entry, as the JDK's reaping does
        FakeProcess.registryOfThisTest = started; // which a reaper pass then notices
    }
    private final FakeProcess root = new FakeProcess(ROOT);

    // ---- the fixture ----

    /** A start of {@code p} through the agent's start hooks; returns the cookie the child got, or null. */
    private String startThroughHooks(Process p, boolean cookies, String... env) {
        StartHooks hooks = new StartHooks(started, cookies);
        StringBuilder block = new StringBuilder();
        for (String e : env) {
            block.append(e).append('\0');
        }
        hooks.starting();
        byte[] out = hooks.environmentBlock(block.toString().getBytes(StandardCharsets.ISO_8859_1), new int[] {env.length});
        hooks.forking();
        hooks.started(p);
        return Environ.valueOf(new String(out, StandardCharsets.ISO_8859_1), VARIABLE);
    }

    /** The root started without a cookie (cookies off). */
    private void startRootWithoutCookie() {
        assertNull(startThroughHooks(root, false, "PATH=/bin"));
        fake.env(ROOT, "PATH=/bin").env(1002, "PATH=/bin");
    }

    /** The root started with a cookie; its own processes carry it. */
    private String startRoot() {
        String cookie = startThroughHooks(root, true, "PATH=/bin");
        assertNotNull(cookie);
        fake.env(ROOT, "PATH=/bin", VARIABLE + "=" + cookie).env(1002, "PATH=/bin", VARIABLE + "=" + cookie);
        return cookie;
    }

    private void process(int pid, int ppid, char state, long startTime, String... env) {
        fake.put(pid, ppid, state, 1, startTime, "p" + pid).env(pid, env);
    }

    private static String cookieEntry(String cookie) {
        return VARIABLE + "=" + cookie;
    }

    /** With cookies on, as the agent's default. */
    private TreeKiller killer(FakeSyscalls sys, boolean adoptsOrphans) {
        return killer(sys, adoptsOrphans, true);
    }

    private TreeKiller killer(FakeSyscalls sys, boolean adoptsOrphans, boolean cookies) {
        return new TreeKiller(sys, proc, new KillStats(), started, adoptsOrphans ? Adoption.SUBREAPER : Adoption.NONE, CookieMode.of(cookies));
    }

    private static Set<Integer> sigkilled(FakeSyscalls sys) {
        return pidsWith(sys, " " + 9);
    }

    private static Set<Integer> pidsWith(FakeSyscalls sys, String suffix) {
        return sys.signals().stream().filter(c -> c.endsWith(suffix))
                .map(c -> Integer.parseInt(c.split(" ")[1])).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Every pid any call named (signals, pidfds, reaps). */
    private static Set<Integer> touched(FakeSyscalls sys) {
        return sys.calls.stream().map(c -> c.split(" ")[1]).filter(s -> s.matches("[0-9]+")).map(Integer::parseInt)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static void neverTouchesInitOrSelf(FakeSyscalls sys) {
        Set<Integer> touched = touched(sys);
        assertFalse(touched.contains(1), () -> "pid 1 touched: " + sys.calls);
        assertFalse(touched.contains(SELF), () -> "this JVM touched: " + sys.calls);
        assertFalse(touched.contains(900), () -> "this JVM's parent touched: " + sys.calls);
    }

    // ---- by cookie ----

    @Test
    void aReparentedProcessWithTheRootsCookieDiesWithTheTreeAndSoDoItsChildren() {
        String cookie = startRoot();
        process(2001, 1, 'S', 70, "PATH=/bin", cookieEntry(cookie)); // double-forked away from the tree
        process(2002, 2001, 'S', 71, "PATH=/bin"); // its child changed its environment: found through the tree walk
        process(2003, 2002, 'S', 72); // and a grandchild without any environment
        FakeSyscalls sys = new FakeSyscalls(fake);

        PendingKill kill = killer(sys, false).kill(Target.started(started.of(root), true), Trigger.CLI);

        assertEquals(Set.of(ROOT, 1002, 2001, 2002, 2003), sigkilled(sys), sys.signals()::toString);
        assertEquals(sigkilled(sys), pidsWith(sys, " " + 19), "every member was stopped first");
        assertEquals(5, kill.size());
        assertEquals(5, kill.signalled());
        neverTouchesInitOrSelf(sys);
    }

    @Test
    void cookiesNestedJvmsMintedBeneathTheRootsCookieAreClaimedAtAnyDepthButNotOptOutsOrSiblings() {
        String cookie = startRoot();
        String sibling = startThroughHooks(new FakeProcess(1500), true); // another start of this JVM
        String inner = Cookies.prefix(cookie, 3000, 0x5eed) + "1"; // a JVM with the agent in ROOT's tree minted it
        String innerInner = Cookies.prefix(inner, 3100, 0xbeef) + "4"; // and one started by that JVM
        process(2001, 1, 'S', 70, cookieEntry(inner)); // the inner JVM's setsid daemon
        process(2002, 1, 'S', 71, cookieEntry(innerInner)); // two levels down
        process(2010, 1, 'S', 70, cookieEntry("dontKillMe")); // opted out inside the inner JVM
        process(2011, 1, 'S', 70, cookieEntry(Cookies.prefix("dontKillMe", 3200, 1) + "1")); // a JVM that opted out, nested
        process(2012, 1, 'S', 70, cookieEntry(Cookies.prefix(sibling, 3300, 2) + "1")); // nested in another tree of ours
        process(2013, 1, 'S', 70, cookieEntry(cookie + "0/tk1-1-1")); // a longer cookie sharing the prefix, nested
        FakeSyscalls sys = new FakeSyscalls(fake);

        killer(sys, false).kill(Target.started(started.of(root), true), Trigger.CLI);

        assertEquals(Set.of(ROOT, 1002, 2001, 2002), sigkilled(sys), sys.signals()::toString);
        neverTouchesInitOrSelf(sys);
        assertTrue(started.cookies().isOurs(innerInner), "beneath one of this JVM's cookies: one of this JVM's trees");
        assertFalse(started.cookies().isOurs(Cookies.prefix("dontKillMe", 3200, 1) + "1"));
    }

    @Test
    void onlyTheExactCookieOfTheSameUserStartedSinceTheRootAndNotAZombieIsClaimed() {
        String cookie = startRoot();
        String sibling = startThroughHooks(new FakeProcess(1500), true); // another start of this JVM
        org.junit.jupiter.api.Assertions.assertNotEquals(cookie, sibling);
        process(2001, 1, 'S', 70, cookieEntry(cookie)); // the one that belongs
        process(2010, 1, 'S', 70, cookieEntry("chosen-by-the-application")); // opted out
        process(2011, 1, 'S', 70, cookieEntry(cookie)); // another user's
        fake.uids.put(2011, 1234);
        process(2012, 1, 'S', 55, cookieEntry(cookie)); // started before the root: a reused cookie cannot be its
        process(2013, 1, 'Z', 70, cookieEntry(cookie)); // a zombie: nothing to kill
        process(2014, 1, 'S', 70, cookieEntry("tk0123456789abcdef-1")); // another JVM's
        process(2015, 1, 'S', 70, cookieEntry(sibling)); // another tree of this JVM
        process(2016, 1, 'S', 70, "TREEKILL_COOKIE_X=" + cookie, "XTREEKILL_COOKIE=" + cookie); // other names
        process(2017, 1, 'S', 70, cookieEntry(cookie + "0")); // a longer cookie sharing the prefix
        process(2018, 1, 'S', 70, cookieEntry("chosen"), cookieEntry(cookie)); // getenv sees the first: opted out
        FakeSyscalls sys = new FakeSyscalls(fake);

        killer(sys, false).kill(Target.started(started.of(root), true), Trigger.CLI);

        assertEquals(Set.of(ROOT, 1002, 2001), sigkilled(sys), sys.signals()::toString);
        Set<Integer> touched = touched(sys);
        for (int pid = 2010; pid <= 2018; pid++) {
            assertFalse(touched.contains(pid), pid + " was not even pinned: " + sys.calls);
        }
        neverTouchesInitOrSelf(sys);
        // Not ours to read: another user's process, one that started too early, a zombie.
        assertFalse(proc.environReads.containsKey(2011), "the environment of another user's process is not read");
        assertFalse(proc.environReads.containsKey(2012), "the environment of an older process is not read");
        assertFalse(proc.environReads.containsKey(2013), "the environment of a zombie is not read");
    }

    @Test
    void theEscapeesOfARootThatAlreadyExitedStillDie() {
        String cookie = startRoot();
        process(2001, 1, 'S', 70, cookieEntry(cookie));
        process(2012, 1, 'S', 55, cookieEntry(cookie)); // before the root's recorded start
        fake.remove(1002).remove(ROOT); // the tree itself is gone and reaped
        root.exit();
        FakeSyscalls sys = new FakeSyscalls(fake);

        PendingKill kill = killer(sys, false).kill(Target.started(started.of(root), false), Trigger.CLI);

        assertEquals(Set.of(2001), sigkilled(sys), sys.signals()::toString);
        assertEquals(1, kill.size());
        neverTouchesInitOrSelf(sys);
    }

    @Test
    void anEscapeeThatAppearsWhileTheTreeIsStoppedIsCaughtByTheNextScan() {
        String cookie = startRoot();
        FakeSyscalls sys = new FakeSyscalls(fake) {
            @Override
            public void pidfdSendSignal(int pidfd, int signal) throws ErrnoException {
                super.pidfdSendSignal(pidfd, signal);
                if (fdToPid.get(pidfd) == 1002 && signal == SIGSTOP && fake.stat(2001) == null) {
                    // a daemon 1002 double-forked just before it stopped: re-parented, it keeps the cookie
                    process(2001, 1, 'R', 65, cookieEntry(cookie));
                } else if (fdToPid.get(pidfd) == 2001 && signal == SIGSTOP && fake.stat(2002) == null) {
                    process(2002, 1, 'R', 66, cookieEntry(cookie)); // and it did the same
                }
            }
        };
        killer(sys, false).kill(Target.started(started.of(root), true), Trigger.CLI);
        assertEquals(Set.of(ROOT, 1002, 2001, 2002), sigkilled(sys), sys.signals()::toString);
    }

    @Test
    void escapeesThatNeverStopAppearingEndTheScansWithAWarningAndAnError() {
        String cookie = startRoot();
        int[] next = {3000};
        FakeSyscalls sys = new FakeSyscalls(fake) {
            @Override
            public void pidfdSendSignal(int pidfd, int signal) throws ErrnoException {
                super.pidfdSendSignal(pidfd, signal);
                int pid = fdToPid.get(pidfd);
                if (signal == SIGSTOP && pid >= 1002 && next[0] < 3100) {
                    int born = next[0]++;
                    process(born, 1, 'R', 70, cookieEntry(cookie)); // every escapee leaves another
                }
            }
        };
        KillStats stats = new KillStats();
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        dev.treekill.agent.log.Log.setOutput(new java.io.PrintStream(log, true));
        PendingKill kill;
        try {
            kill = new TreeKiller(sys, proc, stats, started, Adoption.NONE, CookieMode.ON).kill(Target.started(started.of(root), true), Trigger.CLI);
        } finally {
            dev.treekill.agent.log.Log.setOutput(System.err);
        }
        assertTrue(log.toString().contains("escapees still appearing"), log.toString());
        assertEquals(1, stats.errors());
        // Whatever was found is killed all the same: every member got its SIGKILL.
        assertEquals(kill.size(), sigkilled(sys).size());
        assertTrue(kill.size() > 10, "ten rounds of escapees: " + kill.size());
        neverTouchesInitOrSelf(sys);
    }

    @Test
    void initAndThisJvmAreNeverEscapeesWhateverTheyCarry() {
        String cookie = startRoot();
        fake.put(1, 0, 'S', 1, 70, "init").env(1, cookieEntry(cookie));
        fake.env(SELF, cookieEntry(cookie));
        Escapees escapees = new Escapees(proc, SELF, started, Adoption.SUBREAPER, CookieMode.ON);
        List<ProcEntry> found = escapees.find(Target.started(started.of(root), true), 60, new HashMap<>());
        assertEquals(List.of(ROOT, 1002), pids(found), "only the tree's own processes (not members yet here)");

        FakeSyscalls sys = new FakeSyscalls(fake);
        killer(sys, true).kill(Target.started(started.of(root), true), Trigger.CLI);
        assertEquals(Set.of(ROOT, 1002), sigkilled(sys));
        neverTouchesInitOrSelf(sys);
        assertFalse(proc.environReads.containsKey(1), "pid 1's environment is not even read");
        assertFalse(proc.environReads.containsKey(SELF));
    }

    // ---- without a cookie ----

    @Test
    void withoutACookieAndWithoutAdoptedOrphansNothingOutsideTheTreeIsTouchedOrRead() {
        startRoot();
        String optOut = "chosen-by-the-application";
        fake.put(1501, SELF, 'S', 1, 62, "opted-out").env(1501, cookieEntry(optOut)).put(1502, 1501, 'S', 1, 63, "kid");
        FakeProcess optedOut = new FakeProcess(1501);
        assertEquals(optOut, startThroughHooks(optedOut, true, "PATH=/bin", cookieEntry(optOut)),
                "the child keeps the value its ProcessBuilder set");
        process(2001, 1, 'S', 70, cookieEntry(optOut)); // an escapee of the opted-out tree
        process(2002, SELF, 'S', 70); // a cookie-less child of this JVM

        Started record = started.of(optedOut);
        assertNotNull(record, "an opted-out start is registered");
        assertNull(record.cookie(), "but no cookie is recorded for it");

        assertEquals(62, record.startTicks());
        // With cookies off a start records none either.
        FakeProcess plain = new FakeProcess(1503);
        assertNull(startThroughHooks(plain, false, "PATH=/bin"));
        assertNull(started.of(plain).cookie());
        // An opted-out start and a pid picked by hand: only the tree.
        for (Target target : List.of(Target.started(record, true), Target.tree(1501))) {
            FakeSyscalls sys = new FakeSyscalls(fake);
            proc.environReads.clear();
            killer(sys, false).kill(target, Trigger.CLI);
            assertEquals(Set.of(1501, 1502), touched(sys), target + ": " + sys.calls);
            assertEquals(Set.of(1501, 1502), sigkilled(sys));
            assertEquals(new HashMap<>(), proc.environReads, target + ": no environment read");
            fake.setState(1501, 'S');
            fake.setState(1502, 'S');
        }
    }

    @Test
    void aRecordedCookieIsTheOneTheChildGot() {
        String cookie = startRoot();
        assertEquals(cookie, started.of(root).cookie());
        assertEquals(60, started.of(root).startTicks(), "start time read from /proc when the start returned");
        assertEquals(ROOT, started.of(root).pid());
        assertEquals(Long.MAX_VALUE, started.oldestInFlight(), "no start in flight");
        assertEquals(1, started.startsBegun());
        assertTrue(started.cookies().isOurs(cookie));
    }

    // ---- adopted orphans ----

    /**
     * The processes of {@link #whereThisJvmAdoptsOrphans} tests: the root's tree with its cookie, an adopted
     * cookie-less orphan 3001 with a child, and what must never be claimed as an orphan. Returns the root's cookie.
     */
    private String adoptedOrphansFixture() {
        String cookie = startRoot();
        FakeProcess jdkChild = new FakeProcess(3002);
        startThroughHooks(jdkChild, false); // the JDK started it (cookies off), and has not reaped it
        process(3001, SELF, 'S', 70, "PATH=/bin"); // re-parented to us (subreaper), no cookie: an orphan of the tree
        process(3011, 3001, 'S', 71); // its child
        process(3002, SELF, 'S', 70, "PATH=/bin"); // a child the JDK started and waits for
        process(3003, SELF, 'S', 55, "PATH=/bin"); // adopted, but started before the root
        process(3004, SELF, 'S', 70, cookieEntry(started.cookies().mint())); // carries another tree's cookie
        process(3005, 1, 'S', 70, "PATH=/bin"); // cookie-less but not our child: not ours to adopt
        process(3006, SELF, 'S', 70, "PATH=/bin"); // a child this JVM had before the agent came
        started.noteChildrenOfBeforeAttach(fake, new int[] {3006});
        process(3007, SELF, 'Z', 70); // a zombie orphan: the reaper's business, not the kill's
        process(3008, SELF, 'S', 70, "PATH=/bin"); // another user's
        fake.uids.put(3008, 1234);
        process(2001, 1, 'S', 70, cookieEntry(cookie)); // and the escapee by cookie, as ever
        return cookie;
    }

    @Test
    void withCookiesOnACookielessAdoptedOrphanIsClaimedByNoSingleTree() {
        adoptedOrphansFixture();
        FakeSyscalls sys = new FakeSyscalls(fake);

        killer(sys, true, true).kill(Target.started(started.of(root), true), Trigger.CLI);

        // It cleared its environment: nothing says which tree it left, so no single tree takes it.
        assertEquals(Set.of(ROOT, 1002, 2001), sigkilled(sys), sys.signals()::toString);
        for (int pid : new int[] {3001, 3011, 3002, 3003, 3004, 3005, 3006, 3007, 3008}) {
            assertFalse(touched(sys).contains(pid), pid + " untouched: " + sys.calls);
        }
        neverTouchesInitOrSelf(sys);
    }

    @Test
    void withCookiesOnACookielessAdoptedOrphanIsClaimedByEveryTreeOfTheJvm() {
        adoptedOrphansFixture();
        FakeSyscalls sys = new FakeSyscalls(fake);

        killer(sys, true, true).kill(Target.allDescendantsOf(SELF), Trigger.CLI);

        // Roots: the children the JDK started (ROOT, 3002) or had before the agent came (3006). Escapees: the
        // cookies of this JVM (2001, 3004) and the cookie-less adopted orphans started since this JVM (3001, 3003).
        assertEquals(Set.of(ROOT, 1002, 2001, 3001, 3011, 3002, 3003, 3004, 3006), sigkilled(sys), sys.signals()::toString);
        for (int pid : new int[] {3005, 3007, 3008}) {
            assertFalse(touched(sys).contains(pid), pid + " untouched: " + sys.calls);
        }
        neverTouchesInitOrSelf(sys);
    }

    @Test
    void withCookiesOffACookielessAdoptedOrphanIsClaimedOnlyWhenNoOtherStartWasAliveWhenItStarted() {
        startRootWithoutCookie(); // started at tick 60
        process(3002, SELF, 'S', 65, "PATH=/bin");
        FakeProcess earlier = new FakeProcess(3002);
        startThroughHooks(earlier, false); // another JDK child, started before the orphan
        process(3003, SELF, 'S', 75, "PATH=/bin");
        FakeProcess later = new FakeProcess(3003);
        startThroughHooks(later, false); // and one started after it
        process(3001, SELF, 'S', 70, "PATH=/bin"); // the adopted cookie-less orphan
        process(3011, 3001, 'S', 71); // its child
        assertEquals(65, started.of(earlier).startTicks());
        assertEquals(75, started.of(later).startTicks());

        Escapees escapees = new Escapees(proc, SELF, started, Adoption.SUBREAPER, CookieMode.OFF);
        Target target = Target.started(started.of(root), true);
        assertTrue(escapees.mayExist(target));
        assertEquals(List.of(), pids(escapees.find(target, 60, new HashMap<>())),
                "3002 is live and started before the orphan: it may be the orphan's origin as well");
        assertEquals(List.of(), pids(escapees.find(Target.started(started.of(earlier), true), 65, new HashMap<>())),
                "nor is it 3002's: the root started before the orphan too");
        assertEquals(List.of(), pids(escapees.find(Target.started(started.of(later), true), 75, new HashMap<>())),
                "an orphan older than the root is never its own");

        fake.ticks = 68; // the JDK reaped 3002 at tick 68, before the orphan started: it cannot be its origin
        earlier.exit();
        fake.remove(3002);
        assertTrue(started.of(earlier).reaped());
        assertEquals(68, started.of(earlier).endTicks());
        assertEquals(List.of(3001), pids(escapees.find(target, 60, new HashMap<>())),
                "a live start that began after the orphan is no origin of it");

        // With cookies on the same orphan is nobody's: a start without a cookie opted out, and claims none.
        Escapees withCookies = new Escapees(proc, SELF, started, Adoption.SUBREAPER, CookieMode.ON);
        assertFalse(withCookies.mayExist(target));
        assertEquals(List.of(), pids(withCookies.find(target, 60, new HashMap<>())));

        FakeSyscalls sys = new FakeSyscalls(fake);
        killer(sys, true, false).kill(target, Trigger.CLI);
        assertEquals(Set.of(ROOT, 1002, 3001, 3011), sigkilled(sys), sys.signals()::toString);
        assertFalse(touched(sys).contains(3003), "the later start lives on: " + sys.calls);
        neverTouchesInitOrSelf(sys);
    }

    @Test
    void aStartAliveWhenTheOrphanStartedRemainsAPossibleOriginOnceTheJdkReapedIt() {
        startRootWithoutCookie(); // started at tick 60
        process(3001, SELF, 'S', 70, "PATH=/bin"); // the adopted cookie-less orphan
        Escapees escapees = new Escapees(proc, SELF, started, Adoption.SUBREAPER, CookieMode.OFF);
        Target target = Target.started(started.of(root), true);
        assertEquals(List.of(3001), pids(escapees.find(target, 60, new HashMap<>())), "the root is the only start");

        process(3004, SELF, 'S', 70, "PATH=/bin");
        FakeProcess sameTick = new FakeProcess(3004);
        startThroughHooks(sameTick, false);
        assertEquals(List.of(), pids(escapees.find(target, 60, new HashMap<>())), "a start in the very tick counts");

        fake.ticks = 90;
        sameTick.exit(); // reaped since: it was alive when the orphan started, and may have left it all the same
        fake.remove(3004);
        assertNull(started.ofPid(3004));
        assertEquals(List.of(), pids(escapees.find(target, 60, new HashMap<>())));
        FakeSyscalls sys = new FakeSyscalls(fake);
        killer(sys, true, false).kill(target, Trigger.CLI);
        assertEquals(Set.of(ROOT, 1002), sigkilled(sys), sys.signals()::toString);
        assertFalse(touched(sys).contains(3001), sys.calls::toString);
    }

    @Test
    void onceTheJdkReapedItsChildThatPidIsNoLongerProtected() {
        startRootWithoutCookie();
        FakeProcess jdkChild = new FakeProcess(3002);
        startThroughHooks(jdkChild, false);
        process(3002, SELF, 'S', 70, "PATH=/bin");
        Escapees withoutCookies = new Escapees(proc, SELF, started, Adoption.SUBREAPER, CookieMode.OFF);
        Escapees withCookies = new Escapees(proc, SELF, started, Adoption.SUBREAPER, CookieMode.ON);
        Target target = Target.started(started.of(root), true);
        Target all = Target.allDescendantsOf(SELF);
        assertFalse(pids(withoutCookies.find(target, 60, new HashMap<>())).contains(3002), "the JDK waits for it");
        assertFalse(pids(withCookies.find(all, -1, new HashMap<>())).contains(3002), "the JDK waits for it");
        fake.ticks = 68; // the JDK reaped it at tick 68: pid 3002 now names another process, a new orphan of tick 70
        jdkChild.exit();
        assertNull(started.ofPid(3002));
        process(3002, SELF, 'S', 70, "PATH=/bin"); // the new process at that pid
        assertTrue(pids(withoutCookies.find(target, 60, new HashMap<>())).contains(3002));
        assertTrue(pids(withCookies.find(all, -1, new HashMap<>())).contains(3002));
    }

    @Test
    void aPidPickedByHandOwnsNoOrphansAndReadsNoEnvironment() {
        startRoot();
        process(3001, SELF, 'S', 70, "PATH=/bin");
        FakeSyscalls sys = new FakeSyscalls(fake);
        killer(sys, true, false).kill(Target.tree(ROOT), Trigger.CLI);
        assertEquals(Set.of(ROOT, 1002), sigkilled(sys));
        assertEquals(new HashMap<>(), proc.environReads);
    }

    @Test
    void anOptedOutStartWhereOrphansAreAdoptedOwnsNoOrphansAndReadsNoEnvironment() {
        FakeProcess optedOut = new FakeProcess(ROOT);
        startThroughHooks(optedOut, true, cookieEntry("mine"));
        fake.env(ROOT, cookieEntry("mine"));
        process(3001, SELF, 'S', 70, "PATH=/bin"); // an adopted orphan: with cookies on, nobody's to claim
        process(2001, 1, 'S', 70, cookieEntry("mine")); // not a child of ours
        FakeSyscalls sys = new FakeSyscalls(fake);
        killer(sys, true, true).kill(Target.started(started.of(optedOut), true), Trigger.CLI);
        assertEquals(Set.of(ROOT, 1002), sigkilled(sys), sys.signals()::toString);
        assertEquals(new HashMap<>(), proc.environReads);
    }

    @Test
    void aStartWithoutCookieWhereOrphansAreAdoptedReadsOnlyTheEnvironmentOfThisJvmsChildren() {
        startRootWithoutCookie();
        process(3001, SELF, 'S', 70, "PATH=/bin"); // an adopted orphan: claimed
        process(2001, 1, 'S', 70, "PATH=/bin"); // not a child of ours: not even read
        FakeSyscalls sys = new FakeSyscalls(fake);
        killer(sys, true, false).kill(Target.started(started.of(root), true), Trigger.CLI);
        assertEquals(Set.of(ROOT, 1002, 3001), sigkilled(sys), sys.signals()::toString);
        assertEquals(Set.of(3001), proc.environReads.keySet(), "only children of this JVM that are not members are read");
    }

    @Test
    void beforeTheFirstStartIsSeenEveryChildCountsAsTheJdksAndNoneIsClaimed() {
        StartedProcesses untracked = new StartedProcesses(); // no start seen yet
        process(3001, SELF, 'S', 70, "PATH=/bin");
        Escapees escapees = new Escapees(proc, SELF, untracked, Adoption.SUBREAPER, CookieMode.ON);
        Target all = Target.allDescendantsOf(SELF);
        assertTrue(escapees.mayExist(all));
        assertEquals(List.of(), pids(escapees.find(all, -1, new HashMap<>())));
        assertTrue(untracked.startedByJdk(3001));

        untracked.startFailed(untracked.forking()); // the first start the agent sees: from now on every start is known
        assertFalse(untracked.startedByJdk(3001));
        assertTrue(pids(escapees.find(all, -1, new HashMap<>())).contains(3001));
    }

    @Test
    void underDynamicAttachNoChildIsClaimedUntilTheChildrenAreNoted() {
        StartedProcesses attached = new StartedProcesses(fake, StartedProcesses.Tracking.ONCE_CHILDREN_NOTED);
        process(3001, SELF, 'S', 70, "PATH=/bin"); // a child the JVM had before the agent came
        Escapees escapees = new Escapees(proc, SELF, attached, Adoption.SUBREAPER, CookieMode.ON);
        Target all = Target.allDescendantsOf(SELF);
        attached.startFailed(attached.forking()); // starts are seen, but one in unpatched code may be under way
        assertTrue(attached.startedByJdk(3001));
        assertEquals(List.of(), pids(escapees.find(all, -1, new HashMap<>())));

        attached.noteChildrenOfBeforeAttach(fake, new int[] {ROOT, 3001});
        process(3002, SELF, 'S', 72, "PATH=/bin"); // adopted since
        assertEquals(List.of(3002), pids(escapees.find(all, -1, new HashMap<>())));
    }

    // ---- every tree of this JVM ----

    @Test
    void everyChildTreeOfThisJvmClaimsAnyCookieOfThisJvmAndNoOther() {
        String c1 = started.cookies().mint();
        String c2 = started.cookies().mint();
        String prefix = c1.substring(0, c1.lastIndexOf('-'));
        assertTrue(c2.startsWith(prefix + "-"));
        process(4001, 1, 'S', 70, cookieEntry(c1));
        process(4002, 1, 'S', 70, cookieEntry(c2));
        process(4012, 4002, 'S', 71); // a child of an escapee
        process(4003, 1, 'S', 70, cookieEntry("tk0000000000000000-1")); // another JVM's
        process(4004, 1, 'S', 70, cookieEntry(prefix + "5")); // the prefix, but not a cookie of ours
        process(4005, 1, 'S', 70, cookieEntry("mine")); // opted out
        process(4006, 1, 'S', 45, cookieEntry(c1)); // older than this JVM: cannot be ours
        process(4007, 1, 'S', 70, cookieEntry(c1)); // another user's
        fake.uids.put(4007, 1234);
        process(4008, 1, 'Z', 70, cookieEntry(c1)); // a zombie
        FakeSyscalls sys = new FakeSyscalls(fake);

        killer(sys, false).kill(Target.allDescendantsOf(SELF), Trigger.CLI);

        assertEquals(Set.of(ROOT, 1002, 4001, 4002, 4012), sigkilled(sys), sys.signals()::toString);
        neverTouchesInitOrSelf(sys);
    }

    @Test
    void everyChildTreeTakesTheJdksChildrenAsRootsAndAdoptedOnesAsEscapeesButNoCookielessStranger() {
        started.startFailed(started.forking()); // a start was seen: tracking is on
        FakeProcess jdkChild = new FakeProcess(3002);
        startThroughHooks(jdkChild, true);
        process(4001, 1, 'S', 70, cookieEntry(started.cookies().mint()));
        process(3002, SELF, 'S', 70); // the JDK's child: a root
        // ROOT was not started through the hooks here: a cookie-less adopted orphan, claimed with its tree
        process(4009, 1, 'S', 70, "PATH=/bin"); // cookie-less, and not a child of ours: a stranger
        FakeSyscalls sys = new FakeSyscalls(fake);
        killer(sys, true).kill(Target.allDescendantsOf(SELF), Trigger.CLI);
        assertEquals(Set.of(ROOT, 1002, 3002, 4001), sigkilled(sys), sys.signals()::toString);
        neverTouchesInitOrSelf(sys);
    }

    /** Like Jenkins' BUILD_ID=dontKillMe at the end of a build: what opted out outlives exitKill and killDescendants. */
    @Test
    void optedOutChildrenSurviveAKillOfEveryTreeWhereOrphansAreAdopted() {
        startRoot();
        process(3002, SELF, 'S', 65, cookieEntry("mine"));
        FakeProcess optedOutChild = new FakeProcess(3002);
        assertEquals("mine", startThroughHooks(optedOutChild, true, cookieEntry("mine")));
        process(3012, 3002, 'S', 66, cookieEntry("mine"));
        // a daemon that left some tree, opted out, and was adopted by this JVM
        process(3003, SELF, 'S', 70, cookieEntry("dontKillMe"));
        process(3013, 3003, 'S', 71, cookieEntry("dontKillMe"));
        FakeSyscalls sys = new FakeSyscalls(fake);

        killer(sys, true).kill(Target.allDescendantsOf(SELF), Trigger.CLI);

        assertEquals(Set.of(ROOT, 1002), sigkilled(sys),
                "a child the JDK started that opted out is no root either: " + sys.signals());
        assertFalse(touched(sys).contains(3002), sys.calls::toString);
        assertFalse(touched(sys).contains(3003), "the adopted daemon that opted out is no root: " + sys.calls);
        assertFalse(touched(sys).contains(3013), sys.calls::toString);
        neverTouchesInitOrSelf(sys);
    }

    @Test
    void whereOrphansAreNotAdoptedEveryLiveChildThatDidNotOptOutIsARoot() {
        startRoot();
        process(3003, SELF, 'S', 70, cookieEntry("dontKillMe")); // a child of the JVM: the JDK's, unregistered or not
        process(3013, 3003, 'S', 71, cookieEntry("dontKillMe"));
        process(3004, SELF, 'S', 70, "PATH=/bin"); // no cookie at all (forked by native code, say): a root
        FakeSyscalls sys = new FakeSyscalls(fake);
        killer(sys, false).kill(Target.allDescendantsOf(SELF), Trigger.CLI);
        assertEquals(Set.of(ROOT, 1002, 3004), sigkilled(sys), sys.signals()::toString);
        neverTouchesInitOrSelf(sys);
    }

    @Test
    void withCookiesOffNoChildCanOptOut() {
        startRoot();
        process(3003, SELF, 'S', 70, cookieEntry("dontKillMe")); // inherited from whoever started this JVM, say
        process(3013, 3003, 'S', 71, cookieEntry("dontKillMe"));
        FakeSyscalls sys = new FakeSyscalls(fake);
        killer(sys, false, false).kill(Target.allDescendantsOf(SELF), Trigger.CLI);
        assertEquals(Set.of(ROOT, 1002, 3003, 3013), sigkilled(sys), sys.signals()::toString);
        neverTouchesInitOrSelf(sys);
    }

    /**
     * The cookie this JVM inherited from a parent JVM is carried by every process it did not tag, here and
     * elsewhere: it claims nothing by itself, but an orphan adopted here that carries it is an orphan like one
     * without a cookie.
     */
    @Test
    void theCookieThisJvmInheritedClaimsNothingButMarksNoOptOut() {
        startRoot();
        fake.env(SELF, "TREEKILL_COOKIE=parent-jvm-cookie");
        process(3003, SELF, 'S', 70, cookieEntry("parent-jvm-cookie")); // forked natively, or adopted: ours
        process(3004, 1, 'S', 70, cookieEntry("parent-jvm-cookie")); // a sibling of this JVM's: the parent's
        FakeSyscalls sys = new FakeSyscalls(fake);
        killer(sys, true).kill(Target.allDescendantsOf(SELF), Trigger.CLI);
        assertTrue(sigkilled(sys).contains(3003), sys.signals()::toString);
        assertFalse(touched(sys).contains(3004), () -> "a process of the parent JVM's tree: " + sys.calls);
        neverTouchesInitOrSelf(sys);
    }

    @Test
    void aChildCarryingTheCookieThisJvmInheritedIsNoOptOut() {
        startRoot();
        fake.env(SELF, "TREEKILL_COOKIE=parent-jvm-cookie");
        process(3003, SELF, 'S', 70, cookieEntry("parent-jvm-cookie")); // started before the agent, env inherited
        FakeSyscalls sys = new FakeSyscalls(fake);
        killer(sys, false).kill(Target.allDescendantsOf(SELF), Trigger.CLI);
        assertEquals(Set.of(ROOT, 1002, 3003), sigkilled(sys), sys.signals()::toString);
        neverTouchesInitOrSelf(sys);
    }

    @Test
    void withoutChildrenFilesEveryTreeOfTheJvmAndItsOrphansAreStillFound() {
        fake.childrenFiles = false;
        startRootWithoutCookie();
        process(3001, SELF, 'S', 70, "PATH=/bin"); // an adopted cookie-less orphan
        process(3011, 3001, 'S', 71);
        process(4009, 1, 'S', 70, "PATH=/bin"); // a stranger
        ProcSource withoutChildrenFiles = new CountingProc(fake) {
            @Override
            public int[] children(int pid, boolean allThreads) {
                throw new AssertionError("no children files here");
            }
        };
        Escapees escapees = new Escapees(withoutChildrenFiles, SELF, started, Adoption.SUBREAPER, CookieMode.OFF);
        assertEquals(List.of(3001), pids(escapees.find(Target.started(started.of(root), true), 60, new HashMap<>())),
                "with cookies off, a single tree finds the JVM's children by a scan");

        FakeSyscalls sys = new FakeSyscalls(fake);
        new TreeKiller(sys, withoutChildrenFiles, new KillStats(), started, Adoption.SUBREAPER, CookieMode.ON)
                .kill(Target.allDescendantsOf(SELF), Trigger.CLI);
        assertEquals(Set.of(ROOT, 1002, 3001, 3011), sigkilled(sys), sys.signals()::toString);
        neverTouchesInitOrSelf(sys);
    }

    @Test
    void withoutChildrenFilesAKillOfEveryTreeFindsTheJvmsChildrenWhereOrphansAreNotAdopted() {
        fake.childrenFiles = false;
        process(1501, SELF, 'S', 62);
        process(1502, 1501, 'S', 63);
        FakeSyscalls sys = new FakeSyscalls(fake);
        ProcSource withoutChildrenFiles = new CountingProc(fake) {
            @Override
            public int[] children(int pid, boolean allThreads) {
                throw new AssertionError("no children files here");
            }
        };
        new TreeKiller(sys, withoutChildrenFiles, new KillStats(), started, Adoption.NONE, CookieMode.ON)
                .kill(Target.allDescendantsOf(SELF), Trigger.CLI);
        assertEquals(Set.of(ROOT, 1002, 1501, 1502), sigkilled(sys), sys.signals()::toString);
        neverTouchesInitOrSelf(sys);
    }

    @Test
    void aStartWhoseBlockCarriesACookieOfThisJvmRecordsTheFreshOne() {
        String root1 = startRoot();
        // The application copied a sibling's environment, cookie and all: not an opt-out.
        FakeProcess copy = new FakeProcess(1601);
        fake.put(1601, SELF, 'S', 1, 65, "copy");
        String fresh = startThroughHooks(copy, true, "PATH=/bin", cookieEntry(root1));
        assertNotNull(fresh);
        assertNotEquals(root1, fresh);
        assertTrue(started.cookies().isOurs(fresh));
        assertEquals(fresh, started.of(copy).cookie(), "the start records the cookie the child got");
        fake.env(1601, "PATH=/bin", cookieEntry(fresh));
        process(2001, 1, 'S', 70, cookieEntry(fresh)); // the copy's escapee
        process(2002, 1, 'S', 70, cookieEntry(root1)); // the root's
        FakeSyscalls sys = new FakeSyscalls(fake);
        killer(sys, false).kill(Target.started(started.of(copy), true), Trigger.CLI);
        assertEquals(Set.of(1601, 2001), sigkilled(sys), sys.signals()::toString);
    }

    // ---- as PID 1 ----

    /** As PID 1 (docker run) orphans may come from anywhere, docker exec say: no single start owns one without a cookie. */
    @Test
    void asPid1WithCookiesOffACookielessOrphanIsClaimedByEveryTreeButNeverByOneStart() {
        startRootWithoutCookie();
        process(3001, SELF, 'S', 70, "PATH=/bin"); // adopted, no cookie
        process(3011, 3001, 'S', 71);
        Target target = Target.started(started.of(root), true);
        assertTrue(started.onlyPossibleOrigin(started.of(root), 70), "the root is the only start there is");
        Escapees pid1 = new Escapees(proc, SELF, started, Adoption.PID_1, CookieMode.OFF); // adopts orphans, no subreaper
        assertFalse(pid1.mayExist(target), "nothing outside the tree can be the root's");
        assertEquals(List.of(), pids(pid1.find(target, 60, new HashMap<>())));
        assertEquals(new HashMap<>(), proc.environReads, "not even read");
        assertEquals(List.of(3001), pids(pid1.find(Target.allDescendantsOf(SELF), -1, new HashMap<>())),
                "every tree of the JVM: every adopted orphan");
        // The same JVM as a subreaper: the root is the orphan's only possible origin.
        Escapees subreaper = new Escapees(proc, SELF, started, Adoption.SUBREAPER, CookieMode.OFF);
        assertEquals(List.of(3001), pids(subreaper.find(target, 60, new HashMap<>())));
    }

    @Test
    void aPid1JvmKillingOneStartLeavesACookielessOrphanAndKillingEveryTreeTakesIt() {
        FakeProc world = new FakeProc()
                .put(1, 0, 'S', 20, 50, "java")
                .put(101, 1, 'S', 1, 60, "sh").put(102, 101, 'S', 1, 61, "worker")
                .put(301, 1, 'S', 1, 70, "orphan").put(311, 301, 'S', 1, 71, "its child");
        world.env(101, "PATH=/bin").env(102, "PATH=/bin").env(301, "PATH=/bin").env(311, "PATH=/bin");
        StartedProcesses jvm = new StartedProcesses(world, StartedProcesses.Tracking.FROM_FIRST_START);
        FakeProcess sh = new FakeProcess(101);
        jvm.started(jvm.forking(), sh, null);
        assertTrue(jvm.onlyPossibleOrigin(jvm.of(sh), 70));

        FakeSyscalls sys = new FakeSyscalls(world);
        sys.self = 1;
        TreeKiller killer = new TreeKiller(sys, world, new KillStats(), jvm, Adoption.PID_1, CookieMode.OFF);
        killer.kill(Target.started(jvm.of(sh), true), Trigger.CLI);
        assertEquals(Set.of(101, 102), sigkilled(sys), sys.signals()::toString);
        assertFalse(touched(sys).contains(301), sys.calls::toString);

        for (int pid : new int[] {101, 102}) {
            world.setState(pid, 'S');
        }
        FakeSyscalls all = new FakeSyscalls(world);
        all.self = 1;
        new TreeKiller(all, world, new KillStats(), jvm, Adoption.PID_1, CookieMode.OFF).kill(Target.allDescendantsOf(1), Trigger.CLI);
        assertEquals(Set.of(101, 102, 301, 311), sigkilled(all), all.signals()::toString);
        assertEquals(0, sh.isAliveCalls.get());
    }

    // ---- the records ----

    @Test
    void theRecordIsReapedWhenTheJdkReapedItsProcessWithTheTimeOfThat() {
        String cookie = startRoot();
        Started record = started.of(root);
        assertFalse(record.reaped());
        assertEquals(-1, record.endTicks());
        assertSame(record, started.ofPid(ROOT));
        assertTrue(started.startedByJdk(ROOT));
        fake.ticks = 4242;
        root.exit();
        assertTrue(record.reaped());
        assertEquals(4242, record.endTicks(), "from ProcSource.ticksSinceBoot() when onExit completed");
        assertNull(started.ofPid(ROOT), "its pid may name a stranger now");
        assertFalse(started.startedByJdk(ROOT));
        assertSame(record, started.of(root), "the application's Process still finds its record");
        assertEquals(cookie, record.cookie());
        assertEquals(0, root.isAliveCalls.get());
    }

    @Test
    void aChildTheJdkReapedBeforeItsStartReturnedIsReapedAtOnce() {
        fake.ticks = 61;
        root.exit(); // it exited and the JDK's reaper took it before the start returned its Process
        startRootWithoutCookie();
        Started record = started.of(root);
        assertNull(started.ofPid(ROOT), "/proc shows no such process: reaped");
        assertTrue(record.reaped());
        assertEquals(61, record.endTicks());
        assertEquals(-1, record.startTicks(), "gone before its start time could be read");
        assertEquals(Long.MAX_VALUE, started.oldestInFlight());
    }

    @Test
    void aStartIsVisibleByPidBeforeItLeavesTheStartsInFlightEvenIfItsStartTimeCannotBeRead() {
        StartedProcesses[] sp = new StartedProcesses[1];
        List<String> moments = new ArrayList<>();
        boolean[] inside = {false};
        ProcSource failing = new ForwardingProc(fake) {
            @Override
            public String stat(int pid) {
                if (!inside[0]) { // moment() looks the pid up, which reads /proc again
                    inside[0] = true;
                    moments.add("stat " + moment(sp[0], pid));
                    inside[0] = false;
                }
                throw new IllegalStateException("/proc unreadable");
            }
        };
        sp[0] = new StartedProcesses(failing, StartedProcesses.Tracking.FROM_FIRST_START);
        FakeProcess p = new FakeProcess(ROOT);
        long seq = sp[0].forking();
        assertEquals(seq, sp[0].oldestInFlight());
        assertNull(sp[0].ofPid(ROOT));
        p.onHashCode = () -> moments.add("hashCode " + moment(sp[0], ROOT));
        try {
            sp[0].started(seq, p, "c");
        } catch (IllegalStateException expected) {
            // reading the start time failed; what matters is the record and the starts in flight
        }
        p.onHashCode = null;
        assertTrue(moments.stream().anyMatch(m -> m.startsWith("stat ")), moments::toString);
        for (String m : moments) {
            assertFalse(m.endsWith("in flight false, visible false"), "a moment neither in flight nor visible: " + moments);
        }
        Started record = sp[0].ofPid(ROOT);
        assertNotNull(record);
        assertSame(record, sp[0].of(p));
        assertEquals(-1, record.startTicks(), "not known");
        assertEquals(Long.MAX_VALUE, sp[0].oldestInFlight());
        assertTrue(sp[0].startedByJdk(ROOT));
    }

    private static String moment(StartedProcesses sp, int pid) {
        return "in flight " + (sp.oldestInFlight() != Long.MAX_VALUE) + ", visible " + (sp.ofPid(pid) != null);
    }

    /**
     * onlyPossibleOrigin of the root (started at 60) for an orphan that started at tick 70, with one other start:
     * {@code otherStart} its start in /proc (-1: not there), {@code reapedAt} when the JDK reaped it (null: not yet;
     * -1: the clock unknown).
     */
    private boolean onlyOrigin(long otherStart, Long reapedAt) {
        StartedProcesses sp = new StartedProcesses(fake, StartedProcesses.Tracking.FROM_FIRST_START);
        FakeProcess.registryOfThisTest = sp;
        FakeProcess target = new FakeProcess(ROOT);
        sp.started(sp.forking(), target, null);
        assertEquals(60, sp.of(target).startTicks());
        assertTrue(sp.onlyPossibleOrigin(sp.of(target), 70), "alone, the root is the only origin");
        FakeProcess other = new FakeProcess(3002);
        if (otherStart >= 0) {
            process(3002, SELF, 'S', otherStart);
        } else {
            fake.remove(3002);
        }
        sp.started(sp.forking(), other, null);
        assertEquals(otherStart, sp.of(other).startTicks());
        if (reapedAt != null) {
            fake.ticks = reapedAt;
            other.exit();
            assertTrue(sp.of(other).reaped());
            assertEquals((long) reapedAt, sp.of(other).endTicks());
        }
        fake.remove(3002);
        return sp.onlyPossibleOrigin(sp.of(target), 70);
    }

    @Test
    void anotherStartAliveWhenTheOrphanStartedMakesTheRootNoOnlyOrigin() {
        assertFalse(onlyOrigin(65, null), "started before the orphan, not reaped");
        assertFalse(onlyOrigin(70, null), "started in the orphan's tick");
        assertTrue(onlyOrigin(75, null), "started after the orphan: not its origin");
        assertFalse(onlyOrigin(-1, null), "start unknown, not reaped");
    }

    @Test
    void anotherStartTheJdkReapedBeforeTheOrphanStartedIsNoOrigin() {
        assertTrue(onlyOrigin(65, 68L), "reaped at 68, the orphan started at 70");
        assertTrue(onlyOrigin(-1, 68L), "reaped before the orphan started, whenever it started");
        assertFalse(onlyOrigin(65, 69L), "reaped within a tick of the orphan's start: /proc/uptime rounds");
        assertFalse(onlyOrigin(65, 70L), "reaped in the orphan's tick");
        assertFalse(onlyOrigin(65, 90L), "reaped after the orphan started: alive when it started");
        assertFalse(onlyOrigin(-1, 90L), "start unknown, reaped after the orphan started");
        assertFalse(onlyOrigin(65, -1L), "reaped, but when is unknown");
        assertTrue(onlyOrigin(75, 90L), "started and reaped after the orphan started");
    }

    @Test
    void anUntrackedChildOrNoProcMakesNoStartTheOnlyOrigin() {
        StartedProcesses sp = new StartedProcesses(fake, StartedProcesses.Tracking.FROM_FIRST_START);
        FakeProcess.registryOfThisTest = sp;
        FakeProcess target = new FakeProcess(ROOT);
        sp.started(sp.forking(), target, null);
        sp.noteChildrenOfBeforeAttach(fake, new int[] {3999}); // gone already: nothing noted
        assertTrue(sp.onlyPossibleOrigin(sp.of(target), 70));
        process(3006, SELF, 'S', 30);
        sp.noteChildrenOfBeforeAttach(fake, new int[] {3006}); // a child from before an attach: its life is unknown
        assertFalse(sp.onlyPossibleOrigin(sp.of(target), 70));
        fake.remove(3006);
        sp.forgetGoneChildrenOfBeforeAttach(fake); // the JDK reaped it
        assertTrue(sp.onlyPossibleOrigin(sp.of(target), 70));

        StartedProcesses withoutProc = new StartedProcesses();
        FakeProcess alone = new FakeProcess(ROOT);
        withoutProc.started(withoutProc.forking(), alone, null);
        assertFalse(withoutProc.onlyPossibleOrigin(withoutProc.of(alone), 70), "without /proc no time is known");
    }

    @Test
    void theTargetsOwnRecordNeverBlocksIt() {
        StartedProcesses sp = new StartedProcesses(fake, StartedProcesses.Tracking.FROM_FIRST_START);
        FakeProcess.registryOfThisTest = sp;
        FakeProcess target = new FakeProcess(ROOT);
        sp.started(sp.forking(), target, null);
        fake.ticks = 90;
        target.exit(); // the root exited after the orphan started: only its escapees are left
        assertTrue(sp.onlyPossibleOrigin(sp.of(target), 70));
    }

    // ---- helpers ----

    private static List<Integer> pids(List<ProcEntry> entries) {
        List<Integer> out = new ArrayList<>();
        for (ProcEntry e : entries) {
            out.add(e.pid);
        }
        return out;
    }
}
