package dev.treekill.agent.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.treekill.agent.starts.Started;
import dev.treekill.agent.starts.StartedProcesses;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One start per thread, from starting() to started() or startFailed(): a start on another thread neither sees nor
 * takes this one's cookie; a failed start or an opt-out clears what was pending; a start that failed after its
 * fork leaves the next one whole; a start is registered even without forking(); and a record leaves the pid
 * lookup once the JDK reaped the real Process.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StartHooksLifecycleTest extends StartHooksFixture {
    @Test
    void startsOnOtherThreadsGetTheirOwnCookieAndDoNotSeeThisOne() throws Exception {
        hooks.starting();
        AtomicReference<Object> untouched = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                // No starting() on this thread: nothing pending here, the block passes untouched.
                byte[] in = block("A=1");
                untouched.set(hooks.environmentBlock(in, new int[] {1}) == in);
            } catch (Throwable e) {
                untouched.set(e);
            }
        });
        t.start();
        t.join(10_000);
        assertEquals(Boolean.TRUE, untouched.get(), "a thread without a start of its own adds nothing");
        byte[] mine = hooks.environmentBlock(block("A=1"), new int[] {1});
        hooks.started(realProcess());
        assertEquals(1, cookieEntries(mine));
    }

    @Test
    void startFailedClearsThePendingCookie() throws Exception {
        hooks.starting();
        hooks.startFailed();
        byte[] in = block("A=1");
        int[] envc = {1};
        assertSame(in, hooks.environmentBlock(in, envc), "no start pending: the block as given");
        assertEquals(1, envc[0]);
        // and the next start works as usual
        byte[] out = start(block("A=1"), new int[] {1});
        assertEquals(1, cookieEntries(out));
    }

    @Test
    void anOptOutClearsThePendingCookieForTheRestOfThatStart() throws Exception {
        hooks.starting();
        byte[] optedOut = block(VARIABLE + "=mine-" + System.nanoTime());
        assertSame(optedOut, hooks.environmentBlock(optedOut, new int[] {1}));
        // Were the block asked for again in the same start, nothing would be added either.
        byte[] again = block("A=1");
        assertSame(again, hooks.environmentBlock(again, new int[] {1}));
        hooks.started(realProcess());
    }

    /** A record is unreaped while /proc shows its very process: once the JDK reaped the real Process, it is not. */
    @Test
    void aRealProcessLeavesThePidLookupOnceTheJdkReapedIt() throws Exception {
        StartedProcesses started = new StartedProcesses(dev.treekill.agent.proc.ProcSource.system(), StartedProcesses.Tracking.FROM_FIRST_START);
        StartHooks hooks = new StartHooks(started, true);
        hooks.starting();
        hooks.environmentBlock(block("A=1"), new int[] {1});
        hooks.forking();
        Process p = realProcess();
        hooks.started(p);
        Started record = started.of(p);
        assertNotNull(record);
        assertSame(record, started.ofPid(p.pid()), "unreaped: found by pid");
        p.destroyForcibly();
        p.waitFor(); // the JDK reaped it: /proc no longer shows that process
        assertNull(started.ofPid(p.pid()), "reaped: its pid may name a stranger now");
        assertSame(record, started.of(p), "the application's Process still finds its record");
    }

    @Test
    void aStartThatForkedAndFailedLeavesTheNextStartOnThisThreadWhole() throws Exception {
        hooks.starting();
        hooks.environmentBlock(block("A=1"), new int[] {1});
        hooks.forking();
        hooks.startFailed(); // the JDK threw after its fork, and reaped what it had forked
        byte[] out = start(block("A=1"), new int[] {1});
        assertEquals(1, cookieEntries(out));
        Process p = processes.get(processes.size() - 1);
        assertNotNull(started.of(p));
        assertSame(started.of(p), started.ofPid(p.pid()));
    }

    /** started() without forking() first (number 0: nothing in flight to end) registers the Process all the same. */
    @Test
    void aStartWithoutForkingIsStillRegistered() throws Exception {
        hooks.starting();
        byte[] out = hooks.environmentBlock(block("A=1"), new int[] {1});
        Process p = realProcess();
        hooks.started(p);
        assertEquals(1, cookieEntries(out));
        assertSame(started.of(p), started.ofPid(p.pid()));
    }
}
