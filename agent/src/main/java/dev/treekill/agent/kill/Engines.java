package dev.treekill.agent.kill;

import dev.treekill.agent.log.Log;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.sys.NativeAccess;

/** Picks the engine this machine supports. */
public final class Engines {
    private Engines() {
    }

    /** The Linux engine when /proc and the native calls work here, else the portable one. */
    public static Engine forThisMachine(KillStats stats) {
        if (NativeAccess.isLinux()) {
            try {
                return new TreeKiller(NativeAccess.syscalls(), ProcSource.system(), stats);
            } catch (IllegalStateException e) {
                Log.warn("using the portable engine (no freezing, no zombie awareness)", e.getCause());
            }
        }
        return new PortableTreeKiller(stats);
    }
}
