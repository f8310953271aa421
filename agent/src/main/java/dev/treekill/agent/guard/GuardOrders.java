package dev.treekill.agent.guard;

import dev.treekill.agent.log.Log;
import java.util.Arrays;
import java.util.List;

/**
 * What a guard is told on its command line: which JVM it guards (pid, and start time in clock ticks since
 * boot, so that a recycled pid is never taken for it), that JVM's cookie family (see
 * StartedProcesses#cookieFamily), its log level, and how long a kill waits (milliseconds).
 */
final class GuardOrders {
    final long jvmPid;
    final long jvmStartTicks;
    final String cookieFamily;
    final Log.Level logLevel;
    final long timeoutMillis;
    final long warnMillis;

    GuardOrders(long jvmPid, long jvmStartTicks, String cookieFamily, Log.Level logLevel, long timeoutMillis,
            long warnMillis) {
        this.jvmPid = jvmPid;
        this.jvmStartTicks = jvmStartTicks;
        this.cookieFamily = cookieFamily;
        this.logLevel = logLevel;
        this.timeoutMillis = timeoutMillis;
        this.warnMillis = warnMillis;
    }

    private static final int COUNT = 6;

    List<String> toArgs() {
        return Arrays.asList(Long.toString(jvmPid), Long.toString(jvmStartTicks), cookieFamily, logLevel.name(),
                Long.toString(timeoutMillis), Long.toString(warnMillis));
    }

    /** The orders in {@code args} from {@code from} on. @throws IllegalArgumentException if malformed */
    static GuardOrders fromArgs(String[] args, int from) {
        if (args.length - from != COUNT) {
            throw new IllegalArgumentException("expected " + COUNT + " arguments after the mode, got "
                    + (args.length - from));
        }
        GuardOrders o = new GuardOrders(Long.parseLong(args[from]), Long.parseLong(args[from + 1]), args[from + 2],
                Log.Level.valueOf(args[from + 3]), Long.parseLong(args[from + 4]), Long.parseLong(args[from + 5]));
        if (o.jvmPid <= 1 || o.cookieFamily.isEmpty() || o.timeoutMillis <= 0 || o.warnMillis <= 0) {
            throw new IllegalArgumentException("bad orders: " + Arrays.toString(args));
        }
        return o;
    }
}
