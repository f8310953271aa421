package dev.treekill.agent.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.PendingKill;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.starts.Cookies;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.FakeSyscalls;
import dev.treekill.agent.sys.Syscalls;
import dev.treekill.agent.testing.FakeProcess;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import dev.treekill.agent.reaping.Adoption;
import dev.treekill.agent.starts.CookieMode;
import dev.treekill.agent.starts.Started;

/**
 * Escapees found by the root's cookie, against a scripted /proc: re-parented processes carrying the root's exact
 * cookie (same user, started at or after the root, not zombies), or one minted beneath it by a nested JVM, die
 * with the tree, and so do their trees; nothing else is signalled. Without a cookie nothing outside the tree is
 * touched or even read.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CookieEscapeesSeamTest extends EscapeesFixture {
    @Test
    void aReparentedProcessWithTheRootsCookieDiesWithTheTreeAndSoDoItsChildren() {
        String cookie = startRoot();
        process(2001, 1, 'S', 70, "PATH=/bin", cookieEntry(cookie)); // double-forked away from the tree
        process(2002, 2001, 'S', 71, "PATH=/bin"); // its child changed its environment: found through the tree walk
        process(2003, 2002, 'S', 72); // and a grandchild without any environment
        FakeSyscalls sys = new FakeSyscalls(fake);

        PendingKill kill = killer(sys, false).kill(Target.started(started.of(root), true), Trigger.CLI);

        assertEquals(Set.of(ROOT, 1002, 2001, 2002, 2003), sigkilled(sys), sys.signals()::toString);
        assertEquals(sigkilled(sys), sys.signalled(Syscalls.SIGSTOP), "every member was stopped first");
        assertEquals(5, kill.size());
        assertEquals(5, kill.signalled());
        neverTouchesInitOrSelf(sys);
    }

    @Test
    void cookiesNestedJvmsMintedBeneathTheRootsCookieAreClaimedAtAnyDepthButNotOptOutsOrSiblings() {
        String cookie = startRoot();
        String sibling = startThroughHooks(new FakeProcess(1500, fake, started), true); // another start of this JVM
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
        String sibling = startThroughHooks(new FakeProcess(1500, fake, started), true); // another start of this JVM
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
        FakeProcess optedOut = new FakeProcess(1501, fake, started);
        assertEquals(optOut, startThroughHooks(optedOut, true, "PATH=/bin", cookieEntry(optOut)),
                "the child keeps the value its ProcessBuilder set");
        process(2001, 1, 'S', 70, cookieEntry(optOut)); // an escapee of the opted-out tree
        process(2002, SELF, 'S', 70); // a cookie-less child of this JVM

        Started record = started.of(optedOut);
        assertNotNull(record, "an opted-out start is registered");
        assertNull(record.cookie(), "but no cookie is recorded for it");

        assertEquals(62, record.startTicks());
        // With cookies off a start records none either.
        FakeProcess plain = new FakeProcess(1503, fake, started);
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
}
