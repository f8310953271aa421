package dev.treekill.agent.starts;

import dev.treekill.agent.log.Log;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import java.util.concurrent.TimeUnit;

/**
 * Under dynamic attach, starts already inside unpatched JDK code are not seen: once they must have ended (a while
 * after the attach) the children this JVM has are taken as the JDK's (it may be waiting for any of them), and
 * starts are tracked from then on. Until then nothing is reaped. Run once, on the agent's background thread.
 */
public final class AttachSettle implements Runnable {
    /** How long after the attach the children this JVM has are taken as the JDK's. */
    private static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final StartedProcesses started;
    /** When the agent was attached (System.nanoTime). */
    private final long attachedAtNanos;
    /** Told of a failure (counted as an internal error): then nothing is reaped, which is safe, only less useful. */
    private final Runnable onFailure;

    public AttachSettle(StartedProcesses started, long attachedAtNanos, Runnable onFailure) {
        this.started = started;
        this.attachedAtNanos = attachedAtNanos;
        this.onFailure = onFailure;
    }

    @Override
    public void run() {
        long leftNanos = SETTLE_NANOS - (System.nanoTime() - attachedAtNanos);
        try {
            if (leftNanos > 0) {
                TimeUnit.NANOSECONDS.sleep(leftNanos);
            }
        } catch (InterruptedException e) {
            return; // the JVM is going down; nothing is reaped without tracking
        }
        int self = ProcSource.selfPidInProc();
        try {
            if (self > 0) {
                started.noteChildrenOfBeforeAttach(ProcSource.system(), ProcTable.childPids(ProcSource.system(), self));
            }
        } catch (RuntimeException e) {
            onFailure.run();
            Log.debug("cannot note this JVM's children: " + e);
        }
    }
}
