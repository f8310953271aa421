package dev.treekill.agent.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.proc.FakeProc;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.FakeSyscalls;
import dev.treekill.agent.testing.FakeProcess;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import dev.treekill.agent.reaping.Adoption;
import dev.treekill.agent.starts.CookieMode;

/**
 * Where this JVM adopts orphans (a subreaper, or PID 1), against a scripted /proc: its cookie-less children the
 * JDK did not start belong to every tree of the JVM always, and to one started process only under a subreaper
 * (not as mere PID 1) with cookies off, and when no other process the JDK started was alive when the orphan
 * started. A child the JDK started, or may still be waiting for, is never claimed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdoptedOrphansSeamTest extends EscapeesFixture {
    /**
     * The processes of {@link #whereThisJvmAdoptsOrphans} tests: the root's tree with its cookie, an adopted
     * cookie-less orphan 3001 with a child, and what must never be claimed as an orphan. Returns the root's cookie.
     */
    private String adoptedOrphansFixture() {
        String cookie = startRoot();
        FakeProcess jdkChild = new FakeProcess(3002, fake, started);
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
        FakeProcess earlier = new FakeProcess(3002, fake, started);
        startThroughHooks(earlier, false); // another JDK child, started before the orphan
        process(3003, SELF, 'S', 75, "PATH=/bin");
        FakeProcess later = new FakeProcess(3003, fake, started);
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

    /**
     * A child exists from fork() on, before the JDK knows its pid, and until its exec it shows the JVM's
     * environment (no cookie): while a start is under way, a cookie-less child of this JVM without a record may
     * be that start's (the JDK's next child, perhaps at the pid the root just left), no orphan of the root's.
     */
    @Test
    void aChildOfAStartStillUnderWayIsNoCookielessOrphanOfTheRoot() {
        startRootWithoutCookie(); // started at tick 60
        long seq = started.forking(); // another thread's start: forked, its Process not returned yet
        process(3005, SELF, 'S', 70, "PATH=/bin");
        Escapees escapees = new Escapees(proc, SELF, started, Adoption.SUBREAPER, CookieMode.OFF);
        Target target = Target.started(started.of(root), true);
        assertEquals(List.of(), pids(escapees.find(target, 60, new HashMap<>())), "3005 may be the start's own child");
        FakeSyscalls sys = new FakeSyscalls(fake);
        killer(sys, true, false).kill(target, Trigger.CLI);
        assertEquals(Set.of(ROOT, 1002), sigkilled(sys), sys.signals()::toString);
        assertFalse(touched(sys).contains(3005), sys.calls::toString);

        started.started(seq, new FakeProcess(3005, fake, started), null); // it was: the JDK's, never the root's
        assertEquals(List.of(), pids(escapees.find(target, 60, new HashMap<>())));
    }

    @Test
    void aStartAliveWhenTheOrphanStartedRemainsAPossibleOriginOnceTheJdkReapedIt() {
        startRootWithoutCookie(); // started at tick 60
        process(3001, SELF, 'S', 70, "PATH=/bin"); // the adopted cookie-less orphan
        Escapees escapees = new Escapees(proc, SELF, started, Adoption.SUBREAPER, CookieMode.OFF);
        Target target = Target.started(started.of(root), true);
        assertEquals(List.of(3001), pids(escapees.find(target, 60, new HashMap<>())), "the root is the only start");

        process(3004, SELF, 'S', 70, "PATH=/bin");
        FakeProcess sameTick = new FakeProcess(3004, fake, started);
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
        FakeProcess jdkChild = new FakeProcess(3002, fake, started);
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
        FakeProcess optedOut = new FakeProcess(ROOT, fake, started);
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
        FakeProcess sh = new FakeProcess(101, fake, started);
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
}
