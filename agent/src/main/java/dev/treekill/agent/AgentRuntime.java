package dev.treekill.agent;

import dev.treekill.agent.kill.Engine;
import dev.treekill.agent.kill.Engines;
import dev.treekill.agent.kill.KillStats;
import dev.treekill.agent.kill.TreeKiller;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.options.Settings;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.sys.NativeAccess;
import dev.treekill.agent.sys.Syscalls;
import java.util.function.Supplier;

/** The agent's state in one JVM: settings, counters, and the engine, created on first need. */
public final class AgentRuntime implements Supplier<Engine> {
    /** Enough descriptors for pidfds of a 4000-process tree without growing the table mid-kill. */
    private static final int RESERVED_DESCRIPTORS = 4096;
    /** Enough calls for C1 to compile the read and parse methods (its threshold is about 200). */
    private static final int WARM_UP_READS = 300;

    private final Settings settings;
    private final KillStats stats = new KillStats();
    private volatile Engine engine;

    public AgentRuntime(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    public KillStats stats() {
        return stats;
    }

    /** The engine, created on first need. */
    @Override
    public Engine get() {
        Engine e = engine;
        if (e == null) {
            synchronized (this) {
                if (engine == null) {
                    engine = Engines.forThisMachine(stats);
                }
                e = engine;
            }
        }
        return e;
    }

    /**
     * Loads JNA (40-70 ms) and grows the descriptor table on a daemon thread, so the first kill is fast.
     * Run when ProcessImpl is patched: a JVM that starts no process never pays for it. A class, not a
     * lambda, for start-up's sake (see TreeKillAgent).
     */
    public Runnable warmUpTask() {
        return new Runnable() {
            @Override
            public void run() {
                Thread t = new Thread("treekill-warmup") {
                    @Override
                    public void run() {
                        warmUpNow();
                    }
                };
                t.setDaemon(true);
                t.start();
            }
        };
    }

    private void warmUpNow() {
        try {
            if (get() instanceof TreeKiller) {
                Syscalls sys = NativeAccess.syscalls();
                sys.reserveDescriptors(RESERVED_DESCRIPTORS);
                // Run the kill path's reading side (never its signalling side) until the JIT has compiled it:
                // a kill reads /proc once or twice per process, often before anything else ran it.
                ProcSource proc = ProcSource.system();
                int self = sys.selfPid();
                for (int i = 0; i < WARM_UP_READS; i++) {
                    int fd = sys.pidfdOpen(self);
                    sys.pollReadable(fd, 0);
                    sys.closeFd(fd);
                    ProcTable.read(proc, self);
                    proc.children(self, i % 2 == 0);
                }
            }
        } catch (Throwable t) {
            // The JVM may be exiting under us; a real kill will load the engine again and report.
            Log.debug("warm-up failed: " + t);
        }
    }
}
