package dev.treekill.agent.it;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The application of the destroy() mode tests, run in a child JVM. Plain JDK only. Modes:
 * <ul>
 * <li>{@code supervisor}: a supervisor whose SIGTERM handler asks its worker to flush (SIGUSR1), waits for it,
 *     and exits 0; destroy() on it, then prints {@code supervisor flushed=<b> exit=<supervisor's exit>
 *     worker_alive=<b, once the grace could have ended>}.</li>
 * <li>{@code wrapper}: {@code sh -c 'sleep 1000 & wait'}; destroy() on it, then prints {@code wrapper exit=<n>
 *     child_alive=<b, once the grace could have ended>}.</li>
 * <li>{@code finished}: a script double-forks three {@code setsid} daemons (one that dies on SIGTERM, one that
 *     ignores it, one that opted out) and exits 0; destroy() on the finished Process, then prints {@code finished
 *     exit=0 obedient_alive=<b> stubborn_alive=<b> optout_alive=<b>}, the first two once the grace could have
 *     ended.</li>
 * <li>{@code stopped}: {@code sh -c 'sleep 1000 & echo $!; wait'} whose sleep the application stops itself
 *     (SIGSTOP); destroy() on the wrapper, then prints {@code stopped exit=<n> child_state=<its /proc state
 *     letter once the wrapper exited>}: without the agent the child stays stopped (T).</li>
 * </ul>
 */
public final class DestroyModesApp {
    /** Longer than any grace these tests use, plus the kill: then whatever is alive stays alive. */
    private static final long SETTLE_SECONDS = 10;

    private static final String WORKER = "trap 'echo flushed > \"$F\"; kill $!; exit 0' USR1; sleep 1000 & wait";
    private static final String SUPERVISOR = "trap 'kill -USR1 $w; wait $w; exit 0' TERM; "
            + "sh -c \"$W\" & w=$!; echo $w; wait";
    private static final String DAEMONS = "(setsid sleep 1000 >/dev/null 2>&1 & echo $!); "
            + "(trap '' TERM; setsid sleep 1000 >/dev/null 2>&1 & echo $!); "
            + "(TREEKILL_COOKIE=dontKillMe setsid sleep 1000 >/dev/null 2>&1 & echo $!)";

    private DestroyModesApp() {
    }

    public static void main(String[] args) {
        AppMain.run(args, DestroyModesApp::scenario);
    }

    private static void scenario(String[] args) throws Exception {
        switch (args[0]) {
            case "supervisor":
                supervisor();
                break;
            case "wrapper":
                wrapper();
                break;
            case "finished":
                finished();
                break;
            case "stopped":
                stopped();
                break;
            default:
                throw new IllegalArgumentException("usage: DestroyModesApp supervisor|wrapper|finished|stopped");
        }
    }

    private static void supervisor() throws Exception {
        Path flag = Files.createTempFile("treekill-flush-", ".flag");
        Files.delete(flag);
        try {
            ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", SUPERVISOR);
            pb.environment().put("W", WORKER);
            pb.environment().put("F", flag.toString());
            Process supervisor = pb.start();
            long worker = Long.parseLong(firstLine(supervisor));
            awaitChildOf(worker, "sleep"); // the worker's trap is set once it has started its sleep
            supervisor.destroy();
            boolean exited = supervisor.waitFor(30, TimeUnit.SECONDS);
            awaitDead(worker);
            System.out.println("supervisor flushed=" + Files.exists(flag) + " exit=" + (exited ? supervisor.exitValue() : -1)
                    + " worker_alive=" + EscapeApp.isLive(worker));
        } finally {
            Files.deleteIfExists(flag);
        }
    }

    private static void wrapper() throws Exception {
        Process root = new ProcessBuilder("/bin/sh", "-c", "sleep 1000 & echo $!; wait").start();
        long child = Long.parseLong(firstLine(root));
        root.destroy();
        boolean exited = root.waitFor(30, TimeUnit.SECONDS);
        awaitDead(child);
        System.out.println("wrapper exit=" + (exited ? root.exitValue() : -1) + " child_alive=" + EscapeApp.isLive(child));
    }

    private static void finished() throws Exception {
        Process root = new ProcessBuilder("/bin/sh", "-c", DAEMONS).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(root.getInputStream(), StandardCharsets.UTF_8));
        long obedient = Long.parseLong(out.readLine().trim());
        long stubborn = Long.parseLong(out.readLine().trim());
        long optOut = Long.parseLong(out.readLine().trim());
        for (long daemon : new long[] {obedient, stubborn, optOut}) {
            EscapeApp.awaitOrphaned(daemon, root.pid());
        }
        int exit = root.waitFor();
        root.destroy(); // on a Process that finished: its escapees are still its own
        awaitDead(obedient);
        awaitDead(stubborn);
        System.out.println("finished exit=" + exit + " obedient_alive=" + EscapeApp.isLive(obedient) + " stubborn_alive="
                + EscapeApp.isLive(stubborn) + " optout_alive=" + EscapeApp.isLive(optOut));
        ProcessHandle.of(optOut).ifPresent(ProcessHandle::destroyForcibly); // ours: its pid came from our child
    }

    private static void stopped() throws Exception {
        Process root = new ProcessBuilder("/bin/sh", "-c", "sleep 1000 & echo $!; wait").start();
        long child = Long.parseLong(firstLine(root));
        if (new ProcessBuilder("kill", "-STOP", Long.toString(child)).start().waitFor() != 0) {
            throw new IllegalStateException("kill -STOP " + child + " failed");
        }
        while (stateOf(child) != 'T') {
            Thread.sleep(5); // the stop is asynchronous; bounded by the test's timeout
        }
        root.destroy();
        boolean exited = root.waitFor(30, TimeUnit.SECONDS);
        System.out.println("stopped exit=" + (exited ? root.exitValue() : -1) + " child_state=" + stateOf(child));
    }

    /** The state letter of /proc/[pid]/stat, or '?' if it is gone. */
    private static char stateOf(long pid) throws Exception {
        Path stat = Path.of("/proc/" + pid + "/stat");
        if (!Files.exists(stat)) {
            return '?';
        }
        String s = Files.readString(stat);
        return s.charAt(s.lastIndexOf(')') + 2);
    }

    private static String firstLine(Process p) throws Exception {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine().trim();
    }

    /** Waits until {@code parent} has a child running {@code command} (bounded). */
    private static void awaitChildOf(long parent, String command) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            boolean found = ProcessHandle.of(parent).map(p -> p.children().anyMatch(
                    c -> c.info().command().map(s -> s.endsWith("/" + command)).orElse(false))).orElse(false);
            if (found) {
                return;
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("no " + command + " under " + parent);
    }

    /** Waits until {@code pid} is dead or a zombie, at most {@link #SETTLE_SECONDS}. */
    private static void awaitDead(long pid) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETTLE_SECONDS);
        while (EscapeApp.isLive(pid) && System.nanoTime() < end) {
            Thread.sleep(10);
        }
    }
}
