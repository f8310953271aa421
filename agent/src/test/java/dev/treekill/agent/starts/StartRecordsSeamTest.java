package dev.treekill.agent.starts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.proc.ForwardingProc;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.testing.FakeProcess;
import dev.treekill.agent.testing.StartsFixture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The start registry's records, against a scripted /proc: a record is unreaped while /proc shows that very
 * process (pid and start time), and once the JDK reaped it, it keeps its Process but no longer names its pid;
 * a start is visible by pid before it leaves the starts in flight; and which start can be the only origin of an
 * adopted orphan.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StartRecordsSeamTest extends StartsFixture {
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
        assertEquals(4242, record.endTicks(), "from ProcSource.ticksSinceBoot() when the registry saw the /proc entry gone");
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
        FakeProcess p = new FakeProcess(ROOT, fake, started);
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
        StartedProcesses sp = new StartedProcesses(fake, StartedProcesses.Tracking.FROM_FIRST_START, SELF);
        FakeProcess target = new FakeProcess(ROOT, fake, sp);
        sp.started(sp.forking(), target, null);
        assertEquals(60, sp.of(target).startTicks());
        assertTrue(sp.onlyPossibleOrigin(sp.of(target), 70), "alone, the root is the only origin");
        FakeProcess other = new FakeProcess(3002, fake, sp);
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
    void aStartWhosePidNamesAnotherParentsProcessByThenHasNoStartTime() {
        // The child exited at once and the JDK's reaper took it before the start returned; its pid went to a process
        // of someone else (here: the shell's) before the registry read /proc.
        fake.put(ROOT, 900, 'S', 1, 64, "a stranger on the recycled pid");
        startRootWithoutCookie();
        assertEquals(-1, started.of(root).startTicks(), "not this JVM's child: its start time is not the root's");
        fake.put(ROOT, SELF, 'Z', 1, 66, "our child, exited, not reaped yet");
        FakeProcess zombie = new FakeProcess(ROOT, fake, started);
        startThroughHooks(zombie, false, "PATH=/bin");
        assertEquals(66, started.of(zombie).startTicks(), "a zombie child still shows this JVM as its parent");
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
        StartedProcesses sp = new StartedProcesses(fake, StartedProcesses.Tracking.FROM_FIRST_START, SELF);
        FakeProcess target = new FakeProcess(ROOT, fake, sp);
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
        FakeProcess alone = new FakeProcess(ROOT, fake, sp);
        withoutProc.started(withoutProc.forking(), alone, null);
        assertFalse(withoutProc.onlyPossibleOrigin(withoutProc.of(alone), 70), "without /proc no time is known");
    }

    @Test
    void theTargetsOwnRecordNeverBlocksIt() {
        StartedProcesses sp = new StartedProcesses(fake, StartedProcesses.Tracking.FROM_FIRST_START, SELF);
        FakeProcess target = new FakeProcess(ROOT, fake, sp);
        sp.started(sp.forking(), target, null);
        fake.ticks = 90;
        target.exit(); // the root exited after the orphan started: only its escapees are left
        assertTrue(sp.onlyPossibleOrigin(sp.of(target), 70));
    }
}
