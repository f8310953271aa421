package dev.treekill.junit.scenarios;

import dev.treekill.internal.Agent;
import dev.treekill.junit.TreeKillExtension;
import dev.treekill.mbeans.KillReport;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A tree that does not go within the timeout. Only an uninterruptible sleep in the kernel (D state) makes a
 * real process outlive SIGKILL, which a test cannot cause on demand; so the seam: the engine really kills
 * the tree, and its report is changed to say that its root survived the timeout.
 */
@ExtendWith(TreeKillExtension.class)
public class SurvivorScenario {
    private static final Set<Long> UNKILLABLE = ConcurrentHashMap.newKeySet();

    static {
        Agent.setReportFilterForTests(r -> !UNKILLABLE.contains(r.getRootPid()) ? r
                : new KillReport(r.getRootPid(), r.getSignalled(), r.getExited() - 1, new long[] {r.getRootPid()},
                        r.getElapsedMillis(), true, r.getTrigger()));
    }

    @Test
    void treeOutlivesTheTimeout() {
        UNKILLABLE.add(Spawn.shell("unkillable", "sleep 300 & wait").pid());
    }
}
