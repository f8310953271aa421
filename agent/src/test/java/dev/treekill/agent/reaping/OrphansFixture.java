package dev.treekill.agent.reaping;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.proc.FakeProc;
import dev.treekill.agent.starts.CookieIssuer;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.Call;
import dev.treekill.agent.sys.FakeSyscalls;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;

/**
 * This JVM as the orphan-reaper tests script it, fresh for every test: a scripted /proc whose reaping works as the
 * kernel's (only a zombie child of this JVM can be reaped), holding this JVM ({@link #SELF}) under its shell, an
 * exited orphan re-parented to it (3001, ours to reap), a live one (3002), and zombies of other parents (3003 of
 * init, 3004 of 2500); the start registry over that /proc on a clock the test moves. After each test: no call named
 * pid 1 or this JVM, and no reap named a pid that is not this JVM's child.
 */
abstract class OrphansFixture {
    static final int SELF = 1000;

    final FakeProc fake = new FakeProc()
            .put(SELF, 900, 'S', 20, 50, "java").put(900, 1, 'S', 1, 40, "bash")
            .put(1, 0, 'S', 1, 1, "init")
            .put(3001, SELF, 'Z', 1, 70, "orphan")      // re-parented to us, exited: ours to reap
            .put(3002, SELF, 'S', 1, 70, "live orphan") // alive: nothing to reap
            .put(3003, 1, 'Z', 1, 70, "init's zombie")  // another parent's
            .put(3004, 2500, 'Z', 1, 70, "someone's zombie").put(2500, 1, 'S', 1, 60, "a parent that does not reap");
    final FakeSyscalls sys = new FakeSyscalls(fake);
    /** The registry's clock, moved by the test: no test waits for time to pass. */
    final AtomicLong nanos = new AtomicLong();
    /** With start and exit times from the fake /proc, as where this JVM adopts orphans. */
    final StartedProcesses started = new StartedProcesses(fake, StartedProcesses.Tracking.FROM_FIRST_START,
            CookieIssuer.forThisJvm(), nanos::get, SELF);

    /** A start seen and finished: tracking on, none in flight. */
    void aStartWasSeen() {
        started.startFailed(started.forking());
    }

    OrphanReaper reaper() {
        return new OrphanReaper(sys, fake, started);
    }

    /** Every pid a reap was tried on. */
    Set<Integer> reaped() {
        return sys.reapTried();
    }

    /** No call of any kind names pid 1 or this JVM, and no reap names a pid that is not this JVM's child. */
    @AfterEach
    void neverInitNeverSelfNeverAnotherParentsChild() {
        for (Call c : sys.calls) {
            assertFalse(c.pid == 1 || c.pid == SELF, () -> "a call on pid 1 or this JVM: " + sys.calls);
        }
        for (int pid : reaped()) {
            assertTrue(pid != 3003 && pid != 3004 && pid != 2500 && pid != 900, () -> "reaped " + pid + ": " + sys.calls);
        }
    }
}
