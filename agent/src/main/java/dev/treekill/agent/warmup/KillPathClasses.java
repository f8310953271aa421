package dev.treekill.agent.warmup;

import dev.treekill.agent.log.Log;

/**
 * The agent's classes that a first kill would load on its way, loaded ahead on the agent's background thread. Each
 * comes from the agent's jar through every class file transformer of the JVM: 50-100 µs a class on a quiet machine,
 * about 1 ms for these, against a 10-process kill of a few ms. The classes the kill's engines are built from are
 * loaded when they are built; these are the ones only a kill reaches. {@code KillPathClassesIT} keeps the list
 * complete: a kill after the warm-up loads no class of the agent's.
 */
public final class KillPathClasses {
    private static final String[] NAMES = {
        "dev.treekill.agent.engine.Targets",
        "dev.treekill.agent.engine.PendingKill",
        "dev.treekill.agent.engine.Deadline",
        "dev.treekill.agent.engine.KillLog",
        "dev.treekill.agent.engine.KillLog$1",
        "dev.treekill.agent.engine.KillResult",
        "dev.treekill.mbeans.Durations",
        "dev.treekill.agent.hook.DestroyHooks$Token",
        "dev.treekill.agent.signal.Refusal",
        "dev.treekill.agent.signal.Member",
        "dev.treekill.agent.sys.ErrnoException",
        "dev.treekill.agent.linux.Escapees$Round",
        "dev.treekill.agent.linux.TreeKiller$1",
        "dev.treekill.agent.linux.TreeFreezer$Stall",
        "dev.treekill.agent.cold.ColdTreeKiller$1",
    };

    private KillPathClasses() {
    }

    /** Loads (not initialises) each class through the boot loader, where the agent's jar is. */
    public static void load() {
        for (String name : NAMES) {
            try {
                Class.forName(name, false, null);
            } catch (ClassNotFoundException | LinkageError e) {
                Log.debug("not preloaded: " + name + " (" + e + ")"); // the kill loads it itself
            }
        }
    }
}
