import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * One tree-kill measurement in a fresh JVM (the first kill is what a launcher pays).
 *
 * <pre>java BenchKill jdk|handwritten cold|warm N TREEGEN SNAPSHOT</pre>
 *
 * Starts {@code TREEGEN N 300 SNAPSHOT} (a root with N-1 children; treegen writes their pids and start
 * times to SNAPSHOT, so that nothing of the measured kill path is warmed up here), waits for "ready",
 * then times the kill until it returns: {@code cold} at once, as a launcher's watchdog or a failing test
 * does (this JVM's first process start was a few ms earlier); {@code warm} 300 ms later:
 * <ul>
 * <li>{@code jdk}: {@code destroyForcibly()} + {@code waitFor()} on the root, as launchers do (run it
 *     with {@code -javaagent:treekill-agent.jar} to measure the agent);
 * <li>{@code handwritten}: the best plain-JDK code: snapshot {@code descendants()} before the kill,
 *     {@code destroyForcibly()} each, the root last, then wait for every {@code onExit()}.
 * </ul>
 * Prints {@code result mode=.. agent=on|off n=.. ms=.. survivors=..}; survivors are the snapshotted
 * processes still alive and not zombie right after the kill returned. Then kills the survivors and
 * waits (bounded) until the tree is reaped, so that no run leaks processes into the next.
 */
public final class BenchKill {
    private static final long WAIT_SECONDS = 30;

    public static void main(String[] args) throws Exception {
        if (args.length != 5 || !(args[0].equals("jdk") || args[0].equals("handwritten"))
                || !(args[1].equals("cold") || args[1].equals("warm"))) {
            System.err.println("usage: BenchKill jdk|handwritten cold|warm N TREEGEN SNAPSHOT");
            System.exit(2);
        }
        String mode = args[0];
        String when = args[1];
        int n = Integer.parseInt(args[2]);
        Process root = new ProcessBuilder(args[3], args[2], "300", args[4]).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(root.getInputStream(), StandardCharsets.UTF_8));
        if (!"ready".equals(out.readLine())) {
            throw new IllegalStateException("treegen did not print ready");
        }
        if (when.equals("warm")) {
            Thread.sleep(300);
        }

        long t0 = System.nanoTime();
        if (mode.equals("jdk")) {
            root.destroyForcibly();
            root.waitFor(WAIT_SECONDS, TimeUnit.SECONDS);
        } else {
            killHandwritten(root);
        }
        long t1 = System.nanoTime();

        List<long[]> tree = snapshot(args[4]);
        if (tree.size() != n) {
            System.err.println("BenchKill: expected " + n + " processes in the tree, found " + tree.size());
        }
        int survivors = 0;
        for (long[] p : tree) {
            survivors += isAlive(p) ? 1 : 0;
        }
        System.out.printf("result mode=%s when=%s agent=%s n=%d ms=%.3f survivors=%d%n",
                mode, when, agentLoaded() ? "on" : "off", n, (t1 - t0) / 1e6, survivors);
        System.out.flush();
        cleanUp(tree);
    }

    /** The best a launcher can do with the JDK alone. */
    static void killHandwritten(Process root) throws Exception {
        // Before the kill: once the root is dead its children are re-parented and no longer found.
        List<ProcessHandle> all = root.descendants().collect(Collectors.toList());
        all.forEach(ProcessHandle::destroyForcibly);
        root.destroyForcibly(); // last, as in psutil's documented kill_proc_tree recipe
        List<CompletableFuture<?>> exits = new ArrayList<>();
        all.forEach(h -> exits.add(h.onExit()));
        exits.add(root.onExit());
        try {
            CompletableFuture.allOf(exits.toArray(new CompletableFuture<?>[0])).get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            System.err.println("BenchKill: onExit() of the tree did not complete within " + WAIT_SECONDS + " s");
        }
    }

    /** {pid, starttime} of the root and its children, as treegen wrote them before "ready". */
    static List<long[]> snapshot(String file) throws IOException {
        List<long[]> tree = new ArrayList<>();
        for (String line : Files.readAllLines(Paths.get(file), StandardCharsets.UTF_8)) {
            String[] f = line.split(" ");
            tree.add(new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])});
        }
        return tree;
    }

    /** {state, starttime} of a pid from /proc/pid/stat, or null when it is gone. */
    static String[] stat(long pid) {
        try {
            String s = new String(Files.readAllBytes(Paths.get("/proc/" + pid + "/stat")), StandardCharsets.ISO_8859_1);
            // The command name may hold spaces and ')': the fields start after the last ')'.
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return new String[] {f[0], f[19]}; // fields 3 (state) and 22 (starttime)
        } catch (IOException gone) {
            return null;
        }
    }

    /** Still the same process (same start time), and neither zombie nor dead. */
    static boolean isAlive(long[] p) {
        String[] st = stat(p[0]);
        return st != null && Long.parseLong(st[1]) == p[1] && !st[0].equals("Z") && !st[0].equals("X");
    }

    /** Still present in /proc as the same process, zombie or not. */
    static boolean exists(long[] p) {
        String[] st = stat(p[0]);
        return st != null && Long.parseLong(st[1]) == p[1];
    }

    /**
     * Kills the survivors, then waits at most 15 s until PID 1 has reaped the whole tree. A handle
     * remembers the start time of the process it was made for and destroy re-checks it; checking ours
     * after of() makes sure that process is the snapshotted one, not a newer one with a reused pid.
     */
    static void cleanUp(List<long[]> tree) throws InterruptedException {
        for (long[] p : tree) {
            ProcessHandle.of(p[0]).filter(h -> isAlive(p)).ifPresent(ProcessHandle::destroyForcibly);
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        for (long[] p : tree) {
            while (exists(p) && System.nanoTime() < end) {
                Thread.sleep(10);
            }
        }
    }

    static boolean agentLoaded() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream().anyMatch(a -> a.startsWith("-javaagent:"));
    }
}
