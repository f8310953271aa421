package dev.treekill.agent.it;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
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
 *     {@code grace}) or the MBean's {@code terminateTree(R, 2000)}; once the JDK has reaped R (and destroy() has
 *     returned: its grace thread exists), job B takes R's pid; when the grace ends the child is SIGKILLed, B must
 *     not be: {@code grace same_pid=<b> b_alive=<b> child_alive=<b>}.</li>
 * </ul>
 * B's liveness ({@code b_alive}) is read from /proc (B's pid, B's start time, not a zombie), not from B's {@code
 * Process}: the JDK caches exit futures by pid ({@code ProcessHandleImpl.completion}), and its reaper thread
 * completes the previous owner's future (which wakes {@code waitFor()}) before it drops it from that cache; a
 * start at that pid in between gets the finished future, so {@code isAlive()} of a live B is false and its {@code
 * exitValue()} is the previous owner's (seen under load, without the agent too). The JDK's answer is printed as
 * {@code b_jdk_alive}, for the record only. Mode {@code jdk-race} makes that race happen, with the agent or without:
 * {@code race same_pid=<b> b_alive=<b> b_jdk_alive=<b>} (needs {@code --add-opens java.base/java.lang=ALL-UNNAMED}).
 */
public final class RecycleApp {
    private static final Path NS_LAST_PID = Paths.get("/proc/sys/kernel/ns_last_pid");
    private static final List<String> SLEEP = List.of("/bin/sleep", "1000");

    private RecycleApp() {
    }

    public static void main(String[] args) {
        AppMain.run(args, RecycleApp::scenario);
    }

    private static void scenario(String[] args) throws Exception {
        if (ProcessHandle.current().pid() != 1) {
            throw new IllegalStateException("must run as PID 1 of its own PID namespace");
        }
        if (args[0].equals("stale")) {
            stale(args[1]);
        } else if (args[0].equals("grace")) {
            grace(args[1].equals("jmx"));
        } else if (args[0].equals("jdk-race")) {
            jdkRace();
        } else {
            throw new IllegalArgumentException("usage: RecycleApp stale <entry> | grace <destroy|jmx> | jdk-race");
        }
    }

    private static void stale(String entry) throws Exception {
        Process a = new ProcessBuilder("/bin/sh", "-c", "exit 3").start();
        ProcessHandle staleHandle = a.toHandle();
        int aExit = a.waitFor();
        awaitGone(a.pid());
        Recycled b = startAt(a.pid(), SLEEP);
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
        System.out.println("stale same_pid=" + (b.pid() == a.pid()) + " a_exit=" + aExit + " b_alive=" + b.alive()
                + " b_jdk_alive=" + b.process.isAlive());
        b.stop();
    }

    private static void grace(boolean jmx) throws Exception {
        // R exits on SIGTERM; its subshell and that one's sleep ignore it and are left for the grace to end.
        Process r = new ProcessBuilder("/bin/sh", "-c", "(trap '' TERM; sleep 1000) & echo started; wait")
                .redirectOutput(ProcessBuilder.Redirect.PIPE).start();
        r.getInputStream().read(); // the subshell is there
        long child = awaitChild(r.pid());
        // The child by pid and start time: once it is gone, a thread of this JVM (PID 1 of the namespace) may get its
        // pid, and /proc/<tid>/stat answers for a thread as for a process.
        String childStat = read(Paths.get("/proc", Long.toString(child), "stat"));
        long childStart = childStat == null ? -1 : startTicksOf(childStat);
        Recycled[] b = new Recycled[1];
        // destroy() starts the grace thread after its SIGTERM: a thread takes a pid too, and R's is free by then.
        CountDownLatch destroyReturned = new CountDownLatch(1);
        Thread recycler = new Thread(() -> {
            try {
                r.waitFor();
                destroyReturned.await(30, TimeUnit.SECONDS);
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
            destroyReturned.countDown(); // the call returns when the grace has ended; it starts no thread
            server.invoke(name, "terminateTree", new Object[] {r.pid(), 2000L}, new String[] {"long", "long"});
        } else {
            r.destroy();
            destroyReturned.countDown();
        }
        recycler.join(30_000);
        awaitNot(child, childStart, 10);
        Thread.sleep(300);
        System.out.println("grace same_pid=" + (b[0] != null && b[0].pid() == r.pid()) + " b_alive="
                + (b[0] != null && b[0].alive()) + " child_alive=" + isLive(child, childStart) + " b_jdk_alive="
                + (b[0] != null && b[0].process.isAlive()));
        if (b[0] != null) {
            b[0].stop();
        }
    }

    /**
     * The JDK's race (see the class comment) without its timing: R's finished exit future is put back into the JDK's
     * cache, where its reaper thread leaves it for a moment after waking waitFor(), and B is started at R's pid.
     */
    private static void jdkRace() throws Exception {
        Process r = new ProcessBuilder("/bin/sh", "-c", "read x; exit 3").start(); // exits once its future is taken
        Field field = Class.forName("java.lang.ProcessHandleImpl").getDeclaredField("completions");
        field.setAccessible(true);
        @SuppressWarnings("unchecked")
        Map<Long, Object> completions = (Map<Long, Object>) field.get(null);
        Object future = completions.get(r.pid());
        r.getOutputStream().close();
        r.waitFor();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (completions.containsKey(r.pid()) && System.nanoTime() < end) {
            Thread.sleep(1); // the reaper thread's last step: dropping the future from the cache
        }
        completions.putIfAbsent(r.pid(), future); // undone: as in the moment before it
        awaitGone(r.pid());
        Recycled b = startAt(r.pid(), SLEEP);
        completions.remove(r.pid(), future);
        System.out.println("race same_pid=" + (b.pid() == r.pid()) + " b_alive=" + b.alive() + " b_jdk_alive="
                + b.process.isAlive());
        b.stop();
    }

    /** A process started at a pid handed out again, and its start time (clock ticks since boot) per /proc. */
    static final class Recycled {
        final Process process;
        final long startTicks;

        Recycled(Process process, long startTicks) {
            this.process = process;
            this.startTicks = startTicks;
        }

        long pid() {
            return process.pid();
        }

        /** Per /proc: this very process (its start time) is there and no zombie. See the class comment. */
        boolean alive() {
            String stat = read(Paths.get("/proc", Long.toString(pid()), "stat"));
            return stat != null && startTicksOf(stat) == startTicks && isLive(pid());
        }

        /** Through its handle (pid and start time), which works whatever the JDK's Process of it believes. */
        void stop() throws InterruptedException {
            process.toHandle().destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Starts {@code command} so that it gets {@code pid}: the namespace hands out ns_last_pid + 1 next. */
    static Recycled startAt(long pid, List<String> command) throws Exception {
        for (int attempt = 0; attempt < 20; attempt++) {
            Files.write(NS_LAST_PID, Long.toString(pid - 1).getBytes(StandardCharsets.US_ASCII));
            Process p = new ProcessBuilder(command).start();
            String stat = read(Paths.get("/proc", Long.toString(pid), "stat"));
            if (p.pid() == pid && stat != null) {
                return new Recycled(p, startTicksOf(stat));
            }
            p.destroyForcibly().waitFor(); // another fork came between: try again
        }
        throw new IllegalStateException("could not get pid " + pid + " again; it is " + holderOf(pid));
    }

    /** Who has {@code pid} (a process, or a thread of one: threads take pids too), for the failure message. */
    private static String holderOf(long pid) {
        String status = read(Paths.get("/proc", Long.toString(pid), "status"));
        if (status == null) {
            return "free";
        }
        String name = "?";
        String tgid = "?";
        for (String l : status.split("\n")) {
            if (l.startsWith("Name:")) {
                name = l.substring(5).trim();
            } else if (l.startsWith("Tgid:")) {
                tgid = l.substring(5).trim();
            }
        }
        return "'" + name + "' of process " + tgid;
    }

    /** Field 22 of /proc/[pid]/stat. */
    private static long startTicksOf(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[19]);
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

    private static void awaitNot(long pid, long startTicks, int seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (isLive(pid, startTicks) && System.nanoTime() < end) {
            Thread.sleep(10);
        }
    }

    /** Whether the process that had {@code startTicks} still runs at {@code pid} (not a zombie, not its pid's next owner). */
    private static boolean isLive(long pid, long startTicks) {
        String stat = read(Paths.get("/proc", Long.toString(pid), "stat"));
        return stat != null && startTicksOf(stat) == startTicks && isLive(pid);
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
