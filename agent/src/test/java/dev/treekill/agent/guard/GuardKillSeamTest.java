package dev.treekill.agent.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.log.Log;
import dev.treekill.agent.proc.FakeProc;
import dev.treekill.agent.proc.ForwardingProc;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.sys.Syscalls;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Which processes the guard kills once its JVM is dead, against a scripted /proc, from the roots the JVM told it:
 * with {@code cookie=false} the tree of every root that is still the process the JVM started, whatever its
 * environment; never a root whose pid names a newer process (recycled), never pid 1, never the guard itself, never
 * a process that merely looks like a root's child by pid. With cookies: the roots' trees (a process below a root
 * that cleared its environment included) and every cookie carrier.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GuardKillSeamTest {
    private static final int GUARD = 500;
    private static final int DEAD_JVM = 1000;
    private static final long JVM_START = 50;
    private static final String FAMILY = "tk3e8-1234abcd-";

    /** Signals recorded and applied to the fake /proc as the kernel would (SIGSTOP stops, SIGKILL leaves a zombie). */
    private static final class RecordingSyscalls implements Syscalls {
        final List<String> calls = new ArrayList<>();
        private final FakeProc proc;
        private final Map<Integer, Integer> pidOfFd = new HashMap<>();
        private int nextFd = 100;

        RecordingSyscalls(FakeProc proc) {
            this.proc = proc;
        }

        @Override
        public int selfPid() {
            return GUARD;
        }

        @Override
        public void killPid(int pid, int signal) {
            calls.add("kill " + pid + " " + signal);
            deliver(pid, signal);
        }

        @Override
        public int pidfdOpen(int pid) {
            calls.add("pidfd_open " + pid);
            pidOfFd.put(nextFd, pid);
            return nextFd++;
        }

        @Override
        public void pidfdSendSignal(int pidfd, int signal) {
            int pid = pidOfFd.get(pidfd);
            calls.add("kill " + pid + " " + signal);
            deliver(pid, signal);
        }

        private void deliver(int pid, int signal) {
            proc.setState(pid, signal == SIGSTOP ? 'T' : signal == SIGKILL ? 'Z' : 'S');
        }

        @Override
        public boolean pollReadable(int fd, int timeoutMillis) {
            return false;
        }

        @Override
        public void closeFd(int fd) {
            pidOfFd.remove(fd);
        }

        @Override
        public void reserveDescriptors(int count) {
        }

        @Override
        public boolean reapChild(int pidfd, int pid) {
            throw new AssertionError("the guard has no children to reap");
        }

        @Override
        public void becomeSubreaper() {
            throw new AssertionError("the guard never becomes a subreaper");
        }

        Set<Integer> sigkilled() {
            Set<Integer> out = new TreeSet<>();
            for (String c : calls) {
                if (c.startsWith("kill ") && c.endsWith(" " + SIGKILL)) {
                    out.add(Integer.parseInt(c.split(" ")[1]));
                }
            }
            return out;
        }

        Set<Integer> touched() {
            Set<Integer> out = new TreeSet<>();
            for (String c : calls) {
                out.add(Integer.parseInt(c.split(" ")[1]));
            }
            return out;
        }
    }

    private final FakeProc fake = new FakeProc();

    private void process(int pid, int ppid, long startTime, String... env) {
        fake.put(pid, ppid, 'S', 1, startTime, "p" + pid).env(pid, env);
    }

    private static String cookie(String value) {
        return "TREEKILL_COOKIE=" + value;
    }

    private RecordingSyscalls guardKills(boolean cookies, Roots.Root... roots) {
        return guardKills(cookies, List.of(), roots);
    }

    /** The guard's kill, told {@code roots} and the cookies of the starts the JVM spared. */
    private RecordingSyscalls guardKills(boolean cookies, List<String> spared, Roots.Root... roots) {
        RecordingSyscalls sys = new RecordingSyscalls(fake);
        Guard guard = new Guard(new GuardOrders(DEAD_JVM, JVM_START, FAMILY, cookies, Log.Level.WARN, 1000, 500), fake, sys);
        guard.killLeftBehind(List.of(roots), spared);
        return sys;
    }

    @Test
    void withoutCookiesTheTreeOfEveryRootThatIsStillTheJvmsIsKilled() {
        process(1, 0, 1);
        process(GUARD, 1, 60, cookie("treekill-guard"));
        process(2001, 1, 61, "PATH=/bin"); // a root, re-parented to init when the JVM died
        process(2002, 2001, 62, "PATH=/bin");
        process(2003, 2002, 63); // cleared its environment: still in the tree
        process(2101, 1, 70, "PATH=/bin"); // a second root
        process(2102, 2101, 71, "PATH=/bin");
        RecordingSyscalls sys = guardKills(false, new Roots.Root(2001, 61), new Roots.Root(2101, 70));
        assertEquals(Set.of(2001, 2002, 2003, 2101, 2102), sys.sigkilled(), sys.calls::toString);
        assertTrue(sys.calls.indexOf("kill 2001 " + Syscalls.SIGSTOP) < sys.calls.indexOf("kill 2001 " + Syscalls.SIGKILL),
                () -> "frozen before killed: " + sys.calls);
    }

    @Test
    void aRecycledPidPid1TheGuardAndStrangersAreNeverTouched() {
        process(1, 0, 1);
        process(GUARD, 1, 60, cookie("treekill-guard"));
        process(2001, 1, 99, "PATH=/bin"); // the root's pid, taken by a newer process
        process(2002, 2001, 100, "PATH=/bin"); // its child: not the root's tree
        process(3001, 1, 61, cookie(FAMILY + "1")); // a cookie of the JVM's, but cookie=false: not searched
        RecordingSyscalls sys = guardKills(false, new Roots.Root(2001, 61), new Roots.Root(1, 1),
                new Roots.Root(GUARD, 60), new Roots.Root(2999, 62));
        assertEquals(Set.of(), sys.sigkilled(), sys.calls::toString);
        assertFalse(sys.touched().contains(1), () -> "pid 1 touched: " + sys.calls);
        assertFalse(sys.touched().contains(GUARD), () -> "the guard touched itself: " + sys.calls);
        assertFalse(sys.touched().contains(2001) || sys.touched().contains(2002), () -> "a recycled pid: " + sys.calls);
    }

    @Test
    void withCookiesTheRootsTreesAndTheCookieCarriersAreKilled() {
        process(1, 0, 1);
        process(GUARD, 1, 60, cookie("treekill-guard"));
        process(2001, 1, 61, cookie(FAMILY + "1")); // a root
        process(2002, 2001, 62, "PATH=/bin"); // cleared its environment below a live root: found by the root's tree
        process(2003, 1, 63, cookie(FAMILY + "1")); // a daemon that left the tree: found by its cookie
        process(3001, 1, 64, cookie("dontKillMe")); // opted out, and no root
        RecordingSyscalls sys = guardKills(true, new Roots.Root(2001, 61));
        assertEquals(Set.of(2001, 2002, 2003), sys.sigkilled(), sys.calls::toString);
        assertFalse(sys.touched().contains(3001), sys.calls::toString);
    }

    @Test
    void whatTheJvmSparedTheGuardSparesWithWhatANestedJvmMintedBeneathIt() {
        process(1, 0, 1);
        process(GUARD, 1, 60, cookie("treekill-guard"));
        process(2001, 1, 61, cookie(FAMILY + "1")); // a root started before shutdown
        process(2002, 1, 62, cookie(FAMILY + "1")); // its daemon
        process(2101, 1, 70, cookie(FAMILY + "7")); // the shutdown hook's cleanup, re-parented when the JVM died
        process(2102, 2101, 71, cookie(FAMILY + "7")); // its child
        process(2103, 1, 72, cookie(FAMILY + "7/tk99-5-1")); // started by a JVM with the agent inside the cleanup
        process(2104, 1, 73, cookie(FAMILY + "70")); // another start: 7 is no prefix of it in cookie terms
        process(2105, 1, 74, cookie(FAMILY + "8")); // a start that raced shutdown and was not spared
        RecordingSyscalls sys = guardKills(true, List.of(FAMILY + "7"), new Roots.Root(2001, 61));
        assertEquals(Set.of(2001, 2002, 2104, 2105), sys.sigkilled(), sys.calls::toString);
        for (int spared : new int[] {2101, 2102, 2103}) {
            assertFalse(sys.touched().contains(spared), () -> spared + " touched: " + sys.calls);
        }
    }

    @Test
    void aSparedCookieOfAnotherFamilyOrAnOptOutSavesNothingElse() {
        process(1, 0, 1);
        process(GUARD, 1, 60, cookie("treekill-guard"));
        process(2001, 1, 61, cookie(FAMILY + "1"));
        process(3001, 1, 62, cookie("dontKillMe")); // opted out: spared anyway
        RecordingSyscalls sys = guardKills(true, List.of("tk99-feedbeef-1", FAMILY.substring(0, 3), "dontKillMe"));
        assertEquals(Set.of(2001), sys.sigkilled(), sys.calls::toString);
        assertFalse(sys.touched().contains(3001), sys.calls::toString);
    }

    @Test
    void aCookiePassThatFailsStillLeavesTheRootsKilledAndWaitedFor() {
        // /proc cannot be listed once the root got its SIGKILL: the cookie pass, which comes after, throws.
        FakeProc failing = new FakeProc();
        ProcSource seen = new ForwardingProc(failing) {
            @Override
            public int[] pids() {
                String root = failing.stat(2001);
                if (root != null && root.contains(") Z ")) {
                    throw new IllegalStateException("scripted: /proc unreadable");
                }
                return super.pids();
            }
        };
        failing.put(1, 0, 'S', 1, 1, "init");
        failing.put(GUARD, 1, 'S', 1, 60, "guard").env(GUARD, cookie("treekill-guard"));
        failing.put(2001, 1, 'S', 1, 61, "root").env(2001, cookie(FAMILY + "1"));
        failing.put(2002, 2001, 'S', 1, 62, "child").env(2002, "PATH=/bin");
        RecordingSyscalls sys = new RecordingSyscalls(failing);
        Guard guard = new Guard(new GuardOrders(DEAD_JVM, JVM_START, FAMILY, true, Log.Level.WARN, 1000, 500), seen, sys);
        guard.killLeftBehind(List.of(new Roots.Root(2001, 61)), List.of()); // must not throw
        assertEquals(Set.of(2001, 2002), sys.sigkilled(), sys.calls::toString);
    }
}
