package dev.treekill.agent.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.Deadline;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.proc.CountingProc;
import dev.treekill.agent.proc.ProcSource;
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
 * A kill of every tree of this JVM (exitKill, killDescendants), against a scripted /proc: every child tree
 * claims any cookie of this JVM and no other, the JDK's children are roots and adopted ones escapees, what
 * opted out survives (where cookies are on), and /proc without children files changes none of it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EveryTreeSeamTest extends EscapeesFixture {
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
        FakeProcess jdkChild = new FakeProcess(3002, fake, started);
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
        FakeProcess optedOutChild = new FakeProcess(3002, fake, started);
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
        FakeProcess copy = new FakeProcess(1601, fake, started);
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

    @Test
    void everyChildTreeOfAnotherPidIsRefusedAndTakesNoneOfThisJvmsChildren() {
        startRoot(); // this JVM's child ROOT, with its worker 1002
        FakeSyscalls sys = new FakeSyscalls(fake);
        assertThrows(IllegalArgumentException.class, () -> killer(sys, true).kill(Target.allDescendantsOf(ROOT), Trigger.CLI),
                "the children found are always this JVM's: asked for another pid's, it would kill ours");
        assertEquals(Set.of(), touched(sys), sys.calls::toString);
    }

    @Test
    void whatADeadJvmLeftIsItsCookieCarriersNeverTheKillersChildren() {
        startRootWithoutCookie(); // this killer's own child ROOT, with its worker 1002
        process(4001, 1, 'S', 70, cookieEntry("tk0000000000000000-1")); // the dead JVM's daemon
        process(4002, 4001, 'S', 71);
        FakeSyscalls sys = new FakeSyscalls(fake);
        TreeKiller killer = killer(sys, false);
        killer.await(killer.kill(Target.leftBehindBy(4242, 45), Trigger.JVM_DEATH), Deadline.of(1000, 500));
        assertFalse(touched(sys).contains(ROOT) || touched(sys).contains(1002), sys.calls::toString);
        neverTouchesInitOrSelf(sys);
    }
}
