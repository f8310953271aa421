package dev.treekill.agent.warmup;

import dev.treekill.agent.engine.Engine;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.machine.Engines;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.starts.Cookies;
import dev.treekill.agent.sys.NativeAccess;
import dev.treekill.agent.sys.Syscalls;
import java.util.function.Supplier;

/**
 * Makes the first kill fast: loads JNA (40-70 ms), builds the engine, grows the descriptor table and runs the
 * kill path's reading side until the JIT has compiled it. Run once, on the agent's background thread.
 */
public final class WarmUp implements Runnable {
    /** Enough descriptors for pidfds of a 4000-process tree without growing the table mid-kill. */
    private static final int RESERVED_DESCRIPTORS = 4096;
    /** Enough calls for C1 to compile the read and parse methods (its threshold is about 200). */
    private static final int WARM_UP_READS = 300;
    /** Listing /proc costs more than a read: often enough to compile its parsing, no more. */
    private static final int WARM_UP_LISTING_EVERY = 10;

    /** The native (or portable) engine, built on first need. */
    private final Supplier<Engine> fullEngine;

    public WarmUp(Supplier<Engine> fullEngine) {
        this.fullEngine = fullEngine;
    }

    @Override
    public void run() {
        try {
            if (NativeAccess.isLinux()) {
                // First, quietly: a JVM exiting while JNA loads fails that load, and must not print a warning
                // about it. A kill that later finds the native calls missing says so itself.
                NativeAccess.syscalls();
            }
            fullEngine.get();
            if (Engines.linuxEngineWorks()) {
                readKillPath(NativeAccess.syscalls());
            }
        } catch (Throwable t) {
            // The JVM may be exiting under us; a real kill will load the engine again and report.
            Log.debug("warm-up failed: " + t);
        }
    }

    /**
     * Runs the kill path's reading side (never its signalling side): a kill reads /proc once or twice per process,
     * often before anything else ran it; with cookies it lists /proc and reads uids and environments too.
     */
    private static void readKillPath(Syscalls sys) throws Exception {
        sys.reserveDescriptors(RESERVED_DESCRIPTORS);
        ProcSource proc = ProcSource.system();
        int self = sys.selfPid();
        for (int i = 0; i < WARM_UP_READS; i++) {
            int fd = sys.pidfdOpen(self);
            sys.pollReadable(fd, 0);
            sys.closeFd(fd);
            ProcTable.read(proc, self);
            proc.children(self, i % 2 == 0);
            proc.uid(self);
            Cookies.in(proc.environ(self)); // what the escapee search runs
            if (i % WARM_UP_LISTING_EVERY == 0) {
                proc.pids();
            }
        }
    }
}
