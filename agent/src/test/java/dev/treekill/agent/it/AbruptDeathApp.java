package dev.treekill.agent.it;

import dev.treekill.testing.TreeShapes;
import java.util.ArrayList;
import java.util.List;

/**
 * The application of the abrupt-death tests, run in a child JVM. Plain JDK only. Starts a wide tree of 20, three
 * shells forking all the time, and a shell that double-forks two {@code setsid} daemons (one keeps its cookie,
 * one opted out: see {@link EscapeApp#DAEMONS}), and a {@code sleep} whose ProcessBuilder opted out; with a second argument {@code guarded}, waits (at most 30 s)
 * until its exitKill guard runs (the pipe is held from before the first start forks, the guard itself boots
 * later: these tests count the guard among what must be gone), with {@code probe} looks for one after 2 s; prints {@code ready pid=<this JVM> daemon=<pid> optout=<pid> optoutroot=<pid> guard=<pid or none>};
 * then, by mode:
 * <ul>
 * <li>{@code wait}: waits (at most 60 s) to be killed;</li>
 * <li>{@code oom}: fills the heap until the JVM crashes (run with -XX:+CrashOnOutOfMemoryError);</li>
 * <li>{@code normal}: returns from main.</li>
 * </ul>
 */
public final class AbruptDeathApp {
    private AbruptDeathApp() {
    }

    public static void main(String[] args) throws Exception {
        new ProcessBuilder("/bin/sh", "-c", TreeShapes.WIDE, "sh", "20").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        new ProcessBuilder("/bin/sh", "-c", TreeShapes.FORKING, "sh", "3").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        EscapeApp.Daemons daemons = EscapeApp.Daemons.start("; exec sleep 1000");
        ProcessBuilder optedOut = new ProcessBuilder("sleep", "1000"); // a root of its own that opted out
        optedOut.environment().put("TREEKILL_COOKIE", "dontKillMe");
        long optOutRoot = optedOut.start().pid();
        Thread.sleep(200); // the daemons' subshells are gone by then, mostly: they are escapees
        String guard = args.length > 1 && args[1].equals("guarded") ? Long.toString(awaitGuard()) : lookForGuard(args);
        System.out.println("ready pid=" + ProcessHandle.current().pid() + " daemon=" + daemons.daemon
                + " optout=" + daemons.optOut + " optoutroot=" + optOutRoot + " guard=" + guard);
        System.out.flush();
        switch (args[0]) {
            case "wait":
                Thread.sleep(60_000);
                System.out.println("error not killed");
                break;
            case "oom":
                List<long[]> hog = new ArrayList<>();
                while (true) {
                    hog.add(new long[1 << 16]);
                }
            case "normal":
                break;
            default:
                throw new IllegalArgumentException("usage: AbruptDeathApp wait|oom|normal [guarded|probe]");
        }
    }

    /** With {@code probe}: after 2 s (the guard of a JVM starts within a second), the guard's pid or none. */
    private static String lookForGuard(String[] args) throws InterruptedException {
        if (args.length > 1 && args[1].equals("probe")) {
            Thread.sleep(2000);
            long guard = guardOf(ProcessHandle.current().pid());
            return guard > 0 ? Long.toString(guard) : "none";
        }
        return "none";
    }

    /** The pid of the guard watching this JVM, found by its command line. */
    static long awaitGuard() throws InterruptedException {
        long end = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < end) {
            long guard = guardOf(ProcessHandle.current().pid());
            if (guard > 0) {
                return guard;
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("no guard within 30 s");
    }

    /**
     * The guard watching the JVM {@code jvm} (a {@code java} running {@code GuardMain watch <jvm> ...}), or -1. Not
     * the shell that starts it, whose arguments name the same.
     */
    static long guardOf(long jvm) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .filter(p -> p.info().arguments().map(a -> a.length > 2 && isGuard(a, jvm)).orElse(false))
                .mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
    }

    private static boolean isGuard(String[] args, long jvm) {
        for (int i = 0; i + 2 < args.length; i++) {
            if (args[i].equals("dev.treekill.agent.guard.GuardMain") && args[i + 1].equals("watch")
                    && args[i + 2].equals(Long.toString(jvm))) {
                return true;
            }
        }
        return false;
    }
}
