package dev.treekill.agent.reaping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.proc.CountingProc;
import dev.treekill.agent.proc.ForwardingProc;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.signal.Member;
import dev.treekill.agent.sys.Call;
import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.FakeSyscalls;
import dev.treekill.agent.testing.FakeProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Which zombies the reaper of zombies re-parented to this JVM takes ({@link OrphansFixture}'s /proc): exactly the
 * zombie children the JDK did not start, one pid at a time, only while each is still the process that was seen;
 * none before the first start is seen, never one whose Process the JDK has not reaped yet, nor by pid one it saw
 * as the JDK's.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OrphanReaperZombiesTest extends OrphansFixture {
    @Test
    void reapsTheZombieChildrenTheJdkDidNotStartAndNothingElse() {
        aStartWasSeen();
        fake.put(3005, SELF, 'Z', 1, 71, "another orphan");
        assertEquals(2, reaper().reapAdopted());
        assertEquals(Set.of(3001, 3005), reaped(), sys.calls::toString);
        assertNull(fake.stat(3001), "reaped: gone from /proc");
        assertNull(fake.stat(3005));
        assertNotNull(fake.stat(3002), "the live child stays");
        assertNotNull(fake.stat(3003), "init's zombie is init's business");
        assertNotNull(fake.stat(3004), "another parent's zombie is its business");
        // nothing left: a second pass reaps nothing and asks the kernel nothing
        sys.calls.clear();
        assertEquals(0, reaper().reapAdopted());
        assertEquals(List.of(), sys.calls);
        assertTrue(sys.signals().isEmpty(), "the reaper signals nothing");
    }

    @Test
    void beforeTheFirstStartIsSeenNothingIsReaped() {
        assertEquals(0, reaper().reapAdopted(), "every child may be one the JDK started before the agent came");
        assertEquals(Set.of(), reaped());
        assertNotNull(fake.stat(3001));
    }

    @Test
    void aZombieTheJdkStartedAndStillWaitsForIsLeftToTheJdk() {
        aStartWasSeen();
        // its Process is not reaped yet: the JDK's reaper waits for it
        FakeProcess jdkChild = new FakeProcess(3006, fake, started);
        fake.put(3006, SELF, 'Z', 1, 72, "the JDK's child");
        started.started(started.forking(), jdkChild, null);
        assertEquals(1, reaper().reapAdopted());
        assertEquals(Set.of(3001), reaped(), sys.calls::toString);
        assertNotNull(fake.stat(3006));

        // Once the JDK reaped it, the pid is free: a zombie there now is another process, an orphan of ours.
        jdkChild.exit();
        fake.put(3006, SELF, 'Z', 1, 80, "an orphan that got the pid");
        assertEquals(1, reaper().reapAdopted());
        assertEquals(Set.of(3001, 3006), reaped());
    }

    /**
     * A zombie the JDK started, seen by a pass, then reaped by the JDK before the pass asks whose it is; its pid is
     * taken at once by the JDK's next child, which exits at once. That zombie's exit status is the JDK's (its
     * reaper waits for it): the pass must not reap by pid what it saw the JDK's. (Seen in RecycledPidIT's logs as
     * {@code waitid(<pid>): errno 10}: the pass reached waitid for a pid the JDK had just reaped.)
     */
    @Test
    void aZombieTheJdkReapsUnderThePassIsNotReapedByPidAfterwards() {
        aStartWasSeen();
        FakeProcess first = new FakeProcess(3006, fake, started);
        fake.put(3006, SELF, 'Z', 1, 72, "the JDK's child, exited");
        started.started(started.forking(), first, null);
        ProcSource jdkReapsAfterTheLook = new ForwardingProc(fake) {
            private boolean looked;

            @Override
            public String stat(int pid) {
                String stat = super.stat(pid);
                if (pid == 3006 && !looked) {
                    looked = true;
                    first.exit(); // the JDK's reaper, right after the pass saw the zombie
                }
                return stat;
            }
        };
        FakeSyscalls nextChildExitsAtOnce = new FakeSyscalls(fake) {
            @Override
            public boolean reapChild(int pidfd, int pid) throws ErrnoException {
                if (pid == 3006 && fake.stat(3006) == null) {
                    fake.put(3006, SELF, 'Z', 1, 80, "the JDK's next child, exited at once");
                    started.started(started.forking(), new FakeProcess(3006, fake, started), null);
                }
                return super.reapChild(pidfd, pid);
            }
        };
        List<Member> seen = List.of(new Member(ProcTable.read(fake, 3006), Member.NO_PIDFD));
        new OrphanReaper(nextChildExitsAtOnce, jdkReapsAfterTheLook, started).reap(seen);
        assertEquals(List.of(), nextChildExitsAtOnce.calls, "the zombie seen was the JDK's: no waitid at its pid");
    }

    @Test
    void withoutChildrenFilesAdoptedZombiesAreFoundByAScan() {
        fake.childrenFiles = false;
        aStartWasSeen();
        fake.put(3005, SELF, 'Z', 1, 71, "another orphan");
        ProcSource withoutChildrenFiles = new CountingProc(fake) {
            @Override
            public int[] children(int pid, boolean allThreads) {
                throw new AssertionError("no children files here");
            }
        };
        assertEquals(2, new OrphanReaper(sys, withoutChildrenFiles, started).reapAdopted());
        assertEquals(Set.of(3001, 3005), reaped(), sys.calls::toString);
        assertNotNull(fake.stat(3002));
        assertNotNull(fake.stat(3003));
        assertNotNull(fake.stat(3004));
    }

    @Test
    void reapTakesOnlyTheMembersThatAreZombieChildrenOfThisJvmAndStillTheSameProcess() {
        aStartWasSeen();
        fake.put(3008, SELF, 'Z', 1, 80, "a newer process on a member's pid");
        List<Member> members = new ArrayList<>();
        for (int pid : new int[] {3001, 3002, 3003, 3004, 2500}) {
            members.add(new Member(ProcTable.read(fake, pid), -1));
        }
        members.add(new Member(new ProcEntry(3008, SELF, 'S', 1, 75, "the member as it was scanned"), -1));
        members.add(new Member(new ProcEntry(3009, SELF, 'S', 1, 76, "a member gone since"), -1));
        assertEquals("reaped 1, left for later 0", reaper().reap(members).toString());
        assertEquals(Set.of(3001), reaped(), sys.calls::toString);
        assertNotNull(fake.stat(3008), "the pid names another process now: not this member's to reap");
    }

    @Test
    void aChildReapedBySomeoneElseMeanwhileIsNoError() {
        aStartWasSeen();
        FakeSyscalls stolen = new FakeSyscalls(fake) {
            @Override
            public boolean reapChild(int pidfd, int pid) throws ErrnoException {
                calls.add(Call.reap(pid));
                throw new ErrnoException("waitid", ErrnoException.ECHILD);
            }
        };
        assertEquals(0, new OrphanReaper(stolen, fake, started).reapAdopted());
        assertEquals(List.of(Call.reap(3001)), stolen.calls);
    }
}
