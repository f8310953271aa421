package dev.treekill.agent.guard;

import dev.treekill.agent.log.Log;
import dev.treekill.mbeans.Durations;
import java.util.Arrays;
import java.util.List;

/**
 * What a guard is told on its command line: which JVM it guards (pid, and start time in clock ticks since
 * boot, so that a recycled pid is never taken for it), that JVM's cookie family (see
 * StartedProcesses#cookieFamily) and whether its starts carry cookies at all ({@code cookie=true}), its log
 * level, and how long a kill waits (milliseconds). The roots of the JVM's trees come through the pipe.
 */
final class GuardOrders {
    final long jvmPid;
    final long jvmStartTicks;
    final String cookieFamily;
    /** Whether the JVM's starts carry cookies: else the guard kills the roots' trees only, searching no cookie. */
    final boolean cookies;
    final Log.Level logLevel;
    final long timeoutMillis;
    final long warnMillis;

    GuardOrders(long jvmPid, long jvmStartTicks, String cookieFamily, boolean cookies, Log.Level logLevel,
            long timeoutMillis, long warnMillis) {
        this.jvmPid = jvmPid;
        this.jvmStartTicks = jvmStartTicks;
        this.cookieFamily = cookieFamily;
        this.cookies = cookies;
        this.logLevel = logLevel;
        this.timeoutMillis = timeoutMillis;
        this.warnMillis = warnMillis;
    }

    private static final int COUNT = 7;

    List<String> toArgs() {
        return Arrays.asList(Long.toString(jvmPid), Long.toString(jvmStartTicks), cookieFamily, Boolean.toString(cookies),
                logLevel.name(), Long.toString(timeoutMillis), Long.toString(warnMillis));
    }

    /** The orders in {@code args} from {@code from} on. @throws IllegalArgumentException if malformed */
    static GuardOrders fromArgs(String[] args, int from) {
        if (args.length - from != COUNT) {
            throw new IllegalArgumentException("expected " + COUNT + " arguments after the mode, got "
                    + (args.length - from));
        }
        String cookies = args[from + 3];
        if (!cookies.equals("true") && !cookies.equals("false")) {
            throw new IllegalArgumentException("cookies must be true or false, not " + cookies);
        }
        GuardOrders o = new GuardOrders(Long.parseLong(args[from]), Long.parseLong(args[from + 1]), args[from + 2],
                Boolean.parseBoolean(cookies), Log.Level.valueOf(args[from + 4]), Long.parseLong(args[from + 5]),
                Long.parseLong(args[from + 6]));
        if (o.jvmPid <= 1 || o.cookieFamily.isEmpty()) {
            throw new IllegalArgumentException("bad orders: " + Arrays.toString(args));
        }
        Durations.positive("timeout", o.timeoutMillis); // the one duration rule, as for the options these came from
        Durations.positive("warn", o.warnMillis);
        return o;
    }
}
