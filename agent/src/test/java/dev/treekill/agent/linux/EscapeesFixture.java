package dev.treekill.agent.linux;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.sys.FakeSyscalls;
import dev.treekill.agent.sys.Syscalls;
import dev.treekill.agent.testing.StartsFixture;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import dev.treekill.agent.reaping.Adoption;
import dev.treekill.agent.starts.CookieMode;

/** {@link StartsFixture} with the Linux engine over it, and what the escapee scenarios ask of the calls it made. */
abstract class EscapeesFixture extends StartsFixture {
    /** With cookies on, as the agent's default. */
    TreeKiller killer(FakeSyscalls sys, boolean adoptsOrphans) {
        return killer(sys, adoptsOrphans, true);
    }

    TreeKiller killer(FakeSyscalls sys, boolean adoptsOrphans, boolean cookies) {
        return new TreeKiller(sys, proc, new KillStats(), started, adoptsOrphans ? Adoption.SUBREAPER : Adoption.NONE, CookieMode.of(cookies));
    }

    static Set<Integer> sigkilled(FakeSyscalls sys) {
        return sys.signalled(Syscalls.SIGKILL);
    }

    /** Every pid any call named (signals, pidfds, reaps). */
    static Set<Integer> touched(FakeSyscalls sys) {
        return sys.touched();
    }

    static void neverTouchesInitOrSelf(FakeSyscalls sys) {
        Set<Integer> touched = touched(sys);
        assertFalse(touched.contains(1), () -> "pid 1 touched: " + sys.calls);
        assertFalse(touched.contains(SELF), () -> "this JVM touched: " + sys.calls);
        assertFalse(touched.contains(900), () -> "this JVM's parent touched: " + sys.calls);
    }

    static List<Integer> pids(List<ProcEntry> entries) {
        List<Integer> out = new ArrayList<>();
        for (ProcEntry e : entries) {
            out.add(e.pid);
        }
        return out;
    }
}
