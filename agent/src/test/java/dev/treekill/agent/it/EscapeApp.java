package dev.treekill.agent.it;

import dev.treekill.testing.TreeShapes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The application of the escapee, PID 1 and exit tests, run in a child JVM. Plain JDK only. Modes:
 * <ul>
 * <li>{@code escape <alive|exited>}: a shell double-forks two {@code setsid} daemons, one keeping the
 *     cookie it inherited and one that opted out; the shell then sleeps ({@code alive}) or exits
 *     ({@code exited}); destroyForcibly() on it, then prints {@code escape daemon_alive=<b> optout_alive=<b>
 *     zombies=<zombie children of this JVM> exit=<root's exit>}.</li>
 * <li>{@code exit7 <n>}: two threads each start {@code n} shells that leave an orphan behind and exit 7,
 *     and count the exit codes the JDK reports otherwise: {@code exit7 runs=<2n> wrong=<k>}. Then waits a
 *     second (the orphan reaper's pass) and prints {@code final zombies=<zombie children of this JVM>}.</li>
 * <li>{@code neighbours}: two processes; the second leaves a daemon that cleared its environment (but for
 *     the test tag) and so has no cookie; destroyForcibly() on the first, then prints {@code neighbours
 *     daemon_alive=<b>} and kills the daemon itself.</li>
 * <li>{@code nested <agent jar> <inherit|optout>}: starts an inner JVM with the agent (through {@code
 *     JAVA_TOOL_OPTIONS}; with {@code optout} its launcher sets {@code TREEKILL_COOKIE=dontKillMe}) running
 *     {@code inner}, destroyForcibly() on it once its daemons have escaped, then prints {@code nested
 *     daemon_alive=<b> optout_alive=<b> exit=<inner JVM's exit>}.</li>
 * <li>{@code inner}: the daemons of {@code escape}, then {@code inner daemon=<pid> optout=<pid>}, then waits
 *     (at most 60 s) to be killed.</li>
 * <li>{@code exit <normal|sigterm>}: starts a wide tree and a double-forked daemon, prints {@code ready
 *     pid=<this JVM> root=<root> daemon=<pid>}, then returns from main ({@code normal}) or waits (at most
 *     60 s) to be sent SIGTERM.</li>
 * </ul>
 */
public final class EscapeApp {
    /** Prints the pids of both daemons on its stdout, then leaves them to whatever adopts orphans. */
    static final String DAEMONS = "(setsid sleep 1000 >/dev/null 2>&1 & echo $!); "
            + "(TREEKILL_COOKIE=dontKillMe setsid sleep 1000 >/dev/null 2>&1 & echo $!)";
    private static final long SELF = ProcessHandle.current().pid();

    private EscapeApp() {
    }

    public static void main(String[] args) {
        AppMain.run(args, EscapeApp::scenario);
    }

    private static void scenario(String[] args) throws Exception {
        switch (args[0]) {
            case "escape":
                escape(args[1].equals("alive"));
                break;
            case "exit7":
                exit7(Integer.parseInt(args[1]));
                break;
            case "exit":
                exit(args[1].equals("sigterm"));
                break;
            case "neighbours":
                neighbours();
                break;
            case "nested":
                nested(args[1], args[2].equals("optout"));
                break;
            case "inner":
                inner();
                break;
            default:
                throw new IllegalArgumentException("usage: EscapeApp escape|exit7|exit ...");
        }
    }

    private static void escape(boolean rootStaysAlive) throws Exception {
        Daemons daemons = Daemons.start(rootStaysAlive ? "; exec sleep 1000" : "");
        daemons.awaitOrphaned();
        Process root = daemons.shell;
        if (!rootStaysAlive) {
            root.waitFor(60, TimeUnit.SECONDS);
        }
        root.destroyForcibly();
        System.out.println("escape daemon_alive=" + isLive(daemons.daemon) + " optout_alive=" + isLive(daemons.optOut)
                + " zombies=" + zombieChildren() + " exit=" + root.waitFor());
    }

    private static void nested(String agentJar, boolean innerOptsOut) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), EscapeApp.class.getName(), "inner");
        pb.environment().put("JAVA_TOOL_OPTIONS", "-javaagent:" + agentJar);
        if (innerOptsOut) {
            pb.environment().put("TREEKILL_COOKIE", "dontKillMe");
        }
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process inner = pb.start();
        String ready = new BufferedReader(new InputStreamReader(inner.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (ready == null || !ready.startsWith("inner ")) {
            throw new IllegalStateException("the inner JVM said " + ready);
        }
        String[] words = ready.split(" ");
        long daemon = Long.parseLong(words[1].substring("daemon=".length()));
        long optOut = Long.parseLong(words[2].substring("optout=".length()));
        inner.destroyForcibly();
        System.out.println("nested daemon_alive=" + isLive(daemon) + " optout_alive=" + isLive(optOut)
                + " exit=" + inner.waitFor());
    }

    private static void inner() throws Exception {
        Daemons daemons = Daemons.start("; exec sleep 1000");
        daemons.awaitOrphaned();
        System.out.println("inner daemon=" + daemons.daemon + " optout=" + daemons.optOut);
        System.out.flush();
        Thread.sleep(60_000);
        System.out.println("error nobody killed the inner JVM");
    }

    private static void neighbours() throws Exception {
        Process first = new ProcessBuilder("/bin/sh", "-c", "exec sleep 1000").start();
        Process second = new ProcessBuilder("/bin/sh", "-c", "(env -i TREEKILL_TEST_TAG=\"$TREEKILL_TEST_TAG\" "
                + "setsid sleep 1000 >/dev/null 2>&1 & echo $!); exec sleep 1000").start();
        long daemon = Long.parseLong(new BufferedReader(new InputStreamReader(second.getInputStream(), StandardCharsets.UTF_8))
                .readLine().trim());
        awaitOrphaned(daemon, second.pid());
        first.destroyForcibly();
        System.out.println("neighbours daemon_alive=" + isLive(daemon) + " first_exit=" + first.waitFor());
        second.destroyForcibly();
        ProcessHandle.of(daemon).ifPresent(ProcessHandle::destroyForcibly); // ours: its pid came from our child
    }

    private static void exit7(int n) throws Exception {
        AtomicInteger wrong = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            Thread thread = new Thread(() -> {
                try {
                    for (int i = 0; i < n; i++) {
                        Process p = new ProcessBuilder("/bin/sh", "-c", "(sleep 0.0$(($$ % 5)) &); exit 7").start();
                        if (p.waitFor() != 7 || p.exitValue() != 7) {
                            wrong.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    wrong.addAndGet(1_000_000);
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join(120_000);
        }
        System.out.println("exit7 runs=" + 2 * n + " wrong=" + wrong.get());
        Thread.sleep(1000);
        System.out.println("final zombies=" + zombieChildren());
    }

    private static void exit(boolean waitForSigterm) throws Exception {
        Process tree = new ProcessBuilder("/bin/sh", "-c", TreeShapes.WIDE, "sh", "5")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Daemons daemons = Daemons.start("; exec sleep 1000");
        // The opted-out one too: until its subshell is gone it is still a member of the shell's tree, and dies with it.
        daemons.awaitOrphaned();
        System.out.println("ready pid=" + SELF + " root=" + tree.pid() + " daemon=" + daemons.daemon);
        System.out.flush();
        if (waitForSigterm) {
            Thread.sleep(60_000);
            System.out.println("error no SIGTERM came");
        }
    }

    /** A shell that left the two daemons of {@link #DAEMONS} behind, and their pids as it printed them. */
    static final class Daemons {
        final Process shell;
        final long daemon;
        final long optOut;

        private Daemons(Process shell, long daemon, long optOut) {
            this.shell = shell;
            this.daemon = daemon;
            this.optOut = optOut;
        }

        /** Runs {@link #DAEMONS} then {@code then} (e.g. {@code "; exec sleep 1000"}; empty: the shell exits). */
        static Daemons start(String then) throws IOException {
            Process shell = new ProcessBuilder("/bin/sh", "-c", DAEMONS + then).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8));
            long daemon = Long.parseLong(out.readLine().trim());
            long optOut = Long.parseLong(out.readLine().trim());
            return new Daemons(shell, daemon, optOut);
        }

        /** Waits until both are escapees (see {@link EscapeApp#awaitOrphaned}). */
        void awaitOrphaned() throws InterruptedException {
            EscapeApp.awaitOrphaned(daemon, shell.pid());
            EscapeApp.awaitOrphaned(optOut, shell.pid());
        }
    }

    /** Waits until the daemon's parent (a subshell of {@code root}) is gone: it is an escapee only from then on. */
    static void awaitOrphaned(long pid, long root) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            String stat = stat(pid);
            if (stat == null || !stat.contains("(sleep)")) {
                Thread.sleep(5); // not yet exec'd
                continue;
            }
            long ppid = parent(stat);
            String parentStat = stat(ppid);
            if (ppid != root && (parentStat == null || parent(parentStat) != root)) {
                return;
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("daemon " + pid + " was not orphaned in time");
    }

    private static long parent(String stat) {
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
    }

    static boolean isLive(long pid) {
        String stat = stat(pid);
        if (stat == null) {
            return false;
        }
        char state = stat.charAt(stat.lastIndexOf(')') + 2);
        return state != 'Z' && state != 'X';
    }

    /** Zombies whose parent is this JVM: the agent's to reap when orphans are re-parented here. */
    private static int zombieChildren() throws IOException {
        int zombies = 0;
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Paths.get("/proc"), "[0-9]*")) {
            for (Path p : dir) {
                String stat = stat(Long.parseLong(p.getFileName().toString()));
                if (stat != null) {
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (f[0].equals("Z") && Long.parseLong(f[1]) == SELF) {
                        zombies++;
                    }
                }
            }
        }
        return zombies;
    }

    private static String stat(long pid) {
        try {
            return new String(Files.readAllBytes(Paths.get("/proc", Long.toString(pid), "stat")), StandardCharsets.ISO_8859_1);
        } catch (IOException gone) {
            return null;
        }
    }
}
