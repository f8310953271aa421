package dev.treekill.agent.report;

import dev.treekill.agent.engine.KillResult;
import dev.treekill.mbeans.KillReport;

/**
 * The one mapping of the engine's {@link KillResult} to the contract's {@link KillReport}: what the MBean
 * returns and notifies, what the command line prints, what crosses to treekill-library as items
 * ({@link KillReport#toItems()}), and what the {@code onTimeout=throw} exception says
 * ({@link KillReport#describeSurvivors}). The engine knows nothing of it; every trigger outside the engine
 * that reports a kill goes through here.
 */
public final class KillReports {
    private KillReports() {
    }

    /** {@code result} as the contract reports it; its trigger by the public name. */
    public static KillReport of(KillResult result) {
        return new KillReport(result.rootPid, result.signalled, result.exited, result.survivors, result.elapsedMillis,
                result.timedOut, result.trigger.wireName());
    }
}
