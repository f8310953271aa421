package dev.treekill.agent.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.engine.Deadline;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.hook.StartHooks;
import dev.treekill.agent.proc.FakeProc;
import dev.treekill.agent.reaping.Adoption;
import dev.treekill.agent.starts.CookieMode;
import dev.treekill.agent.starts.Cookies;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.FakeSyscalls;
import dev.treekill.agent.sys.Syscalls;
import dev.treekill.agent.testing.FakeProcess;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The decisions of the two exit kills against a scripted /proc. The guard's, once the JVM is dead: every process
 * carrying one of that JVM's cookies, started after it, of the same user, with its tree (cookie or not); never
 * pid 1, never the guard itself, never an opted-out process, another JVM's cookie, another user's process, a
 * process older than the JVM, a zombie. The JVM's own at shutdown: what was running when shutdown began, never
 * what a start begun after it made (its root, its tree, its cookie escapees), and a start in flight is waited for.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExitAndGuardSeamTest {
    private static final String VARIABLE = Cookies.VARIABLE;
    private static final int GUARD = 500;
    private static final int DEAD_JVM = 1000;
    private static final long JVM_START = 50;
    private static final String FAMILY = "tk3e8-1234abcd-";

    private final FakeProc fake = new FakeProc();

    private void process(int pid, int ppid, char state, long startTime, String... env) {
        fake.put(pid, ppid, state, 1, startTime, "p" + pid).env(pid, env);
    }

    private static String cookie(String value) {
        return VARIABLE + "=" + value;
    }

    private static Set<Integer> sigkilled(FakeSyscalls sys) {
        return sys.signalled(Syscalls.SIGKILL);
    }

    private static Set<Integer> touched(FakeSyscalls sys) {
        return sys.touched();
    }

    // ---- the guard, after the JVM's death ----

    /** The guard's engine, as Guard builds it: its own pid, the dead JVM's cookie family. */
    private FakeSyscalls guardKills() {
        FakeSyscalls sys = new FakeSyscalls(fake);
        sys.self = GUARD;
        TreeKiller engine = new TreeKiller(sys, fake, new KillStats(), StartedProcesses.ofCookieFamily(fake, FAMILY),
                Adoption.NONE, CookieMode.ON);
        engine.await(engine.kill(Target.leftBehindBy(DEAD_JVM, JVM_START), Trigger.JVM_DEATH), Deadline.of(1000, 500));
        return sys;
    }

    @Test
    void theGuardKillsEveryProcessWithTheDeadJvmsCookieAndItsWholeTree() {
        process(1, 0, 'S', 1, cookie(FAMILY + "1")); // init, somehow carrying it
        process(GUARD, 1, 'S', 60, cookie("treekill-guard"));
        process(2001, 1, 'S', 60, cookie(FAMILY + "1")); // a tree the JVM started, re-parented to init
        process(2002, 2001, 'S', 61, "PATH=/bin"); // a child that cleared its environment: found by the tree
        process(2003, 1, 'S', 62, cookie(FAMILY + "2")); // a setsid daemon of another start
        process(2004, 2003, 'S', 63, cookie(FAMILY + "2"));
        FakeSyscalls sys = guardKills();
        assertEquals(Set.of(2001, 2002, 2003, 2004), sigkilled(sys), sys.signals()::toString);
        assertFalse(touched(sys).contains(1), () -> "pid 1 touched: " + sys.calls);
        assertFalse(touched(sys).contains(GUARD), () -> "the guard touched itself: " + sys.calls);
    }

    @Test
    void theGuardNeverTouchesWhatIsNotTheDeadJvms() {
        process(GUARD, 1, 'S', 60, cookie("treekill-guard"));
        process(3001, 1, 'S', 60, cookie("dontKillMe")); // opted out
        process(3002, 1, 'S', 60, cookie("tk99-feedbeef-1")); // another JVM's
        process(3003, 1, 'S', 60, cookie(FAMILY + "1"));
        fake.uids.put(3003, 1000); // another user's (it copied the environment)
        process(3004, 1, 'S', JVM_START - 1, cookie(FAMILY + "1")); // older than the JVM: not one it started
        process(3005, 1, 'Z', 60, cookie(FAMILY + "1")); // a zombie: holds nothing
        process(3006, 1, 'S', 60, "PATH=/bin"); // no cookie, not in any tree of the JVM
        process(3007, 1, 'S', 60, cookie(FAMILY.substring(0, FAMILY.length() - 1))); // a prefix of the family, not in it
        FakeSyscalls sys = guardKills();
        assertEquals(Set.of(), sigkilled(sys), sys.signals()::toString);
        assertEquals(Set.of(), touched(sys), sys.calls::toString);
    }

    // ---- the JVM's own exit kill, after the application's hooks ----

    private static final int SELF = 1000;
    private final StartedProcesses started = new StartedProcesses(fake, StartedProcesses.Tracking.FROM_FIRST_START, SELF);

    /** A start through the agent's hooks; {@code duringShutdown}: shutdown had begun at its fork. Returns its cookie. */
    private String start(int pid, boolean duringShutdown) {
        StartHooks hooks = new StartHooks(started, true);
        hooks.starting();
        byte[] block = hooks.environmentBlock("PATH=/bin\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), new int[] {1});
        String cookie = dev.treekill.agent.proc.Environ.valueOf(new String(block, java.nio.charset.StandardCharsets.ISO_8859_1), VARIABLE);
        hooks.forking();
        if (duringShutdown) {
            started.markSpared(started.startsBegun(), cookie);
        }
        process(pid, SELF, 'S', 60 + pid % 100, cookie(cookie));
        hooks.started(new FakeProcess(pid));
        return cookie;
    }

    @Test
    void theExitKillTakesWhatRanWhenShutdownBeganAndSparesWhatTheShutdownStarted() {
        process(SELF, 900, 'S', JVM_START, "PATH=/bin");
        process(900, 1, 'S', 40, "PATH=/bin");
        String before = start(4001, false);
        process(4002, 4001, 'S', 70, cookie(before));
        process(4003, 1, 'S', 71, cookie(before)); // its daemon
        String during = start(4101, true); // a shutdown hook's cleanup command
        process(4102, 4101, 'S', 72, cookie(during));
        process(4103, 1, 'S', 73, cookie(during)); // its daemon
        FakeSyscalls sys = new FakeSyscalls(fake);
        sys.self = SELF;
        TreeKiller engine = new TreeKiller(sys, fake, new KillStats(), started, Adoption.NONE, CookieMode.ON);
        engine.await(engine.kill(Target.allDescendantsButSpared(SELF), Trigger.EXIT), Deadline.of(1000, 500));
        assertEquals(Set.of(4001, 4002, 4003), sigkilled(sys), sys.signals()::toString);
        assertFalse(touched(sys).contains(4101) || touched(sys).contains(4102) || touched(sys).contains(4103),
                sys.calls::toString);
    }

    @Test
    void aChildWithoutRecordIsSparedWhileAShutdownStartIsInFlight() {
        long seq = started.forking();
        started.markSpared(seq, FAMILY + "9");
        assertFalse(!started.isSparedChild(4201), "it may be that start's child, not yet recorded");
        started.startFailed(seq);
        assertTrue(!started.isSparedChild(4201), "no start of the shutdown is under way");
    }

    @Test
    void theExitKillWaitsForStartsBegunBeforeShutdownOnly() {
        long during = started.forking();
        started.markSpared(during, null);
        assertTrue(started.awaitUnsparedStarts(System.nanoTime()), "a start of the shutdown is not waited for");
        long before = started.forking();
        assertFalse(started.awaitUnsparedStarts(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20)),
                "a start begun before shutdown and still under way is waited for, bounded");
        started.startFailed(before);
        assertTrue(started.awaitUnsparedStarts(System.nanoTime()));
    }
}
