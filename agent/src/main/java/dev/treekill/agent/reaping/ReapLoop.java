package dev.treekill.agent.reaping;

import dev.treekill.agent.log.Log;
import java.util.function.IntSupplier;

/**
 * Where this JVM adopts orphans: reaps them every {@link #REAP_EVERY_MILLIS} until the JVM exits (run on a daemon
 * thread). The JDK reaps only what it started; without this, orphans re-parented here would stay zombies forever.
 */
public final class ReapLoop implements Runnable {
    /** How often adopted orphans are looked for: zombies hold nothing but a pid, so this need not be quick. */
    private static final long REAP_EVERY_MILLIS = 200;

    /** One pass: reaps what is safe to reap now, returns how many. */
    private final IntSupplier pass;
    /** Told of a pass that failed (it is counted as an internal error). */
    private final Runnable onFailure;

    public ReapLoop(IntSupplier pass, Runnable onFailure) {
        this.pass = pass;
        this.onFailure = onFailure;
    }

    @Override
    public void run() {
        while (true) {
            try {
                Thread.sleep(REAP_EVERY_MILLIS);
                int reaped = pass.getAsInt();
                if (reaped > 0 && Log.enabled(Log.Level.DEBUG)) {
                    Log.debug("reaped " + reaped + " adopted orphans");
                }
            } catch (InterruptedException stop) {
                return;
            } catch (Throwable t) {
                onFailure.run();
                Log.debug("reaping failed: " + t);
            }
        }
    }
}
