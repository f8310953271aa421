package dev.treekill.agent.engine;

import dev.treekill.agent.log.Log;
import dev.treekill.agent.signal.Member;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/** The one way a finished kill is counted and logged, whichever engine made it. */
public final class KillLog {
    private KillLog() {
    }

    /**
     * Counts {@code result} in {@code stats} ({@code sigkilled} processes got SIGKILL) and logs one line: a warning
     * with the survivors if it timed out, else at info.
     */
    public static KillResult finished(KillStats stats, Target target, KillResult result, int sigkilled, Deadline deadline) {
        stats.finished(result, sigkilled);
        if (result.timedOut) {
            Log.warn(target + ": " + result.survivors.length + " processes still alive after "
                    + deadline.timeoutMillis + " ms: " + Arrays.toString(result.survivors));
        } else if (Log.enabled(Log.Level.INFO)) {
            Log.info(target + " gone: " + result);
        }
        return result;
    }

    /**
     * The warning given once, at the deadline's warn time, with the members still alive. A class, not a lambda:
     * the first lambda a JVM links costs milliseconds, and the first kill is timed.
     */
    public static Consumer<List<Member>> warnStillAlive(PendingKill kill, Deadline deadline) {
        return new Consumer<List<Member>>() {
            @Override
            public void accept(List<Member> alive) {
                Log.warn(kill.target() + ": " + alive.size() + " processes still alive after "
                        + (System.nanoTime() - kill.startNanos()) / 1_000_000 + " ms (giving up at "
                        + deadline.timeoutMillis + " ms): " + alive);
            }
        };
    }
}
