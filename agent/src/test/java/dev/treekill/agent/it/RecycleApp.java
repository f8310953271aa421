package dev.treekill.agent.it;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The application of the recycled-pid tests, run as PID 1 of its own PID namespace ({@code unshare --pid --fork
 * --mount-proc}), where it can hand a pid out again on purpose by writing {@code /proc/sys/kernel/ns_last_pid}.
 * Plain JDK only. Modes:
 * <ul>
 * <li>{@code stale <handle-forcibly|handle-destroy|process-forcibly|process-destroy>}: job A ({@code sh -c 'exit
 *     3'}) is started and waited for (the JDK reaps it); job B ({@code sleep 1000}) is started with A's pid; then
 *     the application calls that method on A's stale {@code ProcessHandle} or on the finished {@code Process} A,
 *     and prints {@code stale same_pid=<b> a_exit=3 b_alive=<b>}.</li>
 * <li>{@code grace <destroy|jmx>}: root R exits on SIGTERM, its child ignores it; {@code R.destroy()} (run with
 *     {@code grace}) or the MBean's {@code terminateTree(R, 2000)}; once the JDK has reaped R, job B takes R's
 *     pid; when the grace ends the child is SIGKILLed, B must not be: {@code grace same_pid=<b> b_alive=<b>
 *     child_alive=<b>}.</li>
 * </ul>
 */
public final class RecycleApp {
    private static final Path NS_LAST_PID = Paths.get("/proc/sys/kernel/ns_last_pid");
    private static final List<String> SLEEP = List.of("/bin/sleep", "1000");

    private RecycleApp() {
    }

    public static void main(String[] args) throws Exception {
        try {
            if (ProcessHandle.current().pid() != 1) {
                throw new IllegalStateException("must run as PID 1 of its own PID namespace");
            }
            if (args[0].equals("stale")) {
                stale(args[1]);
            } else if (args[0].equals("grace")) {
                grace(args[1].equals("jmx"));
            } else {
                throw new IllegalArgumentException("usage: RecycleApp stale <entry> | grace <destroy|jmx>");
            }
        } catch (Throwable t) {
            System.out.println("error " + t);
            t.printStackTrace();
            System.out.flush();
            System.exit(3);
        }
        System.out.flush();
    }

    private static void stale(String entry) throws Exception {
        Process a = new ProcessBuilder("/bin/sh", "-c", "exit 3").start();
        ProcessHandle staleHandle = a.toHandle();
        int aExit = a.waitFor();
        awaitGone(a.pid());
        Process b = startAt(a.pid(), SLEEP);
        switch (entry) {
            case "handle-forcibly":
                staleHandle.destroyForcibly();
                break;
            case "handle-destroy":
                staleHandle.destroy();
                break;
            case "process-forcibly":
                a.destroyForcibly();
                break;
            case "process-destroy":
                a.destroy();
                break;
            default:
                throw new IllegalArgumentException("unknown entry " + entry);
        }
        Thread.sleep(300); // a SIGTERM or SIGKILL sent would have landed by now
        System.out.println("stale same_pid=" + (b.pid() == a.pid()) + " a_exit=" + aExit + " b_alive=" + b.isAlive());
        b.destroyForcibly().waitFor();
    }

    private static void grace(boolean jmx) throws Exception {
        // R exits on SIGTERM; its subshell and that one's sleep ignore it and are left for the grace to end.
        Process r = new ProcessBuilder("/bin/sh", "-c", "(trap '' TERM; sleep 1000) & echo started; wait")
                .redirectOutput(ProcessBuilder.Redirect.PIPE).start();
        r.getInputStream().read(); // the subshell is there
        long child = awaitChild(r.pid());
        Process[] b = new Process[1];
        Thread recycler = new Thread(() -> {
            try {
                r.waitFor();
                awaitGone(r.pid());
                b[0] = startAt(r.pid(), SLEEP);
            } catch (Exception e) {
                e.printStackTrace();
            }
        });
        recycler.start();
        if (jmx) {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName("dev.treekill:type=TreeKiller");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!server.isRegistered(name) && System.nanoTime() < end) {
                Thread.sleep(20); // the agent registers once it sees the platform server (lazily)
            }
            server.invoke(name, "terminateTree", new Object[] {r.pid(), 2000L}, new String[] {"long", "long"});
        } else {
            r.destroy();
        }
        recycler.join(30_000);
        awaitNot(child, 10);
        Thread.sleep(300);
        System.out.println("grace same_pid=" + (b[0] != null && b[0].pid() == r.pid()) + " b_alive="
                + (b[0] != null && b[0].isAlive()) + " child_alive=" + isLive(child));
        if (b[0] != null) {
            b[0].destroyForcibly().waitFor();
        }
    }

    /** Starts {@code command} so that it gets {@code pid}: the namespace hands out ns_last_pid + 1 next. */
    static Process startAt(long pid, List<String> command) throws Exception {
        for (int attempt = 0; attempt < 20; attempt++) {
            Files.write(NS_LAST_PID, Long.toString(pid - 1).getBytes(StandardCharsets.US_ASCII));
            Process p = new ProcessBuilder(command).start();
            if (p.pid() == pid) {
                return p;
            }
            p.destroyForcibly().waitFor(); // another fork came between: try again
        }
        throw new IllegalStateException("could not get pid " + pid + " again");
    }

    /** The first child of {@code parent} per /proc (bounded wait). */
    private static long awaitChild(long parent) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            String children = read(Paths.get("/proc", Long.toString(parent), "task", Long.toString(parent), "children"));
            if (children != null && !children.isBlank()) {
                return Long.parseLong(children.trim().split(" ")[0]);
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("no child of " + parent);
    }

    private static void awaitGone(long pid) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (Files.exists(Paths.get("/proc", Long.toString(pid))) && System.nanoTime() < end) {
            Thread.sleep(5);
        }
    }

    private static void awaitNot(long pid, int seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (isLive(pid) && System.nanoTime() < end) {
            Thread.sleep(10);
        }
    }

    private static boolean isLive(long pid) {
        String stat = read(Paths.get("/proc", Long.toString(pid), "stat"));
        if (stat == null) {
            return false;
        }
        char state = stat.charAt(stat.lastIndexOf(')') + 2);
        return state != 'Z' && state != 'X';
    }

    private static String read(Path p) {
        try {
            return new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
        } catch (IOException gone) {
            return null;
        }
    }
}
