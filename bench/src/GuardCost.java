import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What exitKill=true's guard costs and how fast it acts (see guard.sh). Modes:
 * {@code firststart}: prints this JVM's first process start in microseconds, and exits;
 * {@code first}: times this JVM's first process start (the guard starts with it, off its thread), then, if a
 * guard comes, how long after the start it runs, its RSS and PSS, and its CPU over 10 idle seconds;
 * {@code window}: times the first process start and how long after that start began a process outside this JVM
 * holds the guard's pipe (the guard's launcher or the guard: from then on a SIGKILL of this JVM is covered), seen by
 * scanning /proc; and whether that process was forked before the start's child (a lower pid);
 * prints {@code first_start_us=<us> covered_after_us=<us> holder_before_child=<bool>} (at most 10 s, else -1);
 * {@code victim}: starts a 50-process tree, waits for its guard, prints {@code ready <pid> <start ticks>...}
 * for every process of the tree, and sleeps (to be SIGKILLed); {@code kill <java> <agent>}: runs a victim
 * JVM, SIGKILLs it, and times until every process of its tree is gone.
 */
public final class GuardCost {
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "first": first(); break;
            case "firststart": firstStart(); break;
            case "window": window(); break;
            case "victim": victim(); break;
            case "kill": kill(args[1], args[2]); break;
            default: throw new IllegalArgumentException(args[0]);
        }
    }

    private static void first() throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("/bin/true").start();
        long t1 = System.nanoTime();
        p.waitFor();
        long guard = -1;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (guard < 0 && System.nanoTime() < end) {
            guard = guardOf(ProcessHandle.current().pid());
            Thread.sleep(1);
        }
        long up = System.nanoTime();
        StringBuilder line = new StringBuilder("first_start_us=" + (t1 - t0) / 1000);
        if (guard > 0) {
            Thread.sleep(1000); // let it finish starting
            long cpu0 = cpuTicks(guard);
            Thread.sleep(10_000);
            long cpu1 = cpuTicks(guard);
            line.append(" guard_running_after_ms=").append((up - t0) / 1_000_000)
                .append(" guard_rss_kb=").append(field("/proc/" + guard + "/status", "VmRSS:"))
                .append(" guard_pss_kb=").append(field("/proc/" + guard + "/smaps_rollup", "Pss:"))
                .append(" guard_idle_cpu_ticks_10s=").append(cpu1 - cpu0);
        }
        System.out.println(line);
    }

    /** The first start alone, then exit (the exit kill runs, and the guard, if any, stands down). */
    private static void firstStart() throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("/bin/true").start();
        long t1 = System.nanoTime();
        p.waitFor();
        System.out.println((t1 - t0) / 1000);
    }

    private static void window() throws Exception {
        long self = ProcessHandle.current().pid();
        guardHolder(self); // classes loaded, /proc in the page cache: the scans below measure the guard, not themselves
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("/bin/true").start();
        long t1 = System.nanoTime();
        long holder = -1;
        long covered = -1;
        long end = t1 + TimeUnit.SECONDS.toNanos(10);
        while (holder < 0 && System.nanoTime() < end) {
            holder = guardHolder(self);
            if (holder < 0) {
                Thread.sleep(0, 200_000);
            } else {
                covered = System.nanoTime();
            }
        }
        p.waitFor();
        System.out.println("first_start_us=" + (t1 - t0) / 1000 + " covered_after_us=" + (covered < 0 ? -1 : (covered - t0) / 1000)
                + " holder_before_child=" + (holder > 0 && holder < p.pid()));
    }

    /**
     * A process started after this JVM that runs GuardMain for it (the launcher's and the guard's command lines name
     * it), or -1. The first found: the lowest pid, so the launcher if it is still there.
     */
    private static long guardHolder(long self) throws Exception {
        String wanted = "dev.treekill.agent.guard.GuardMain\0watch\0" + self + "\0";
        String detached = "dev.treekill.agent.guard.GuardMain\0detach\0" + self + "\0";
        String[] pids = new java.io.File("/proc").list();
        for (String name : pids == null ? new String[0] : pids) {
            if (name.isEmpty() || !Character.isDigit(name.charAt(0)) || Long.parseLong(name) <= self) {
                continue;
            }
            try {
                String cmd = new String(Files.readAllBytes(Paths.get("/proc", name, "cmdline")), "ISO-8859-1");
                if (cmd.contains(wanted) || cmd.contains(detached)) {
                    return Long.parseLong(name);
                }
            } catch (java.io.IOException gone) {
                // exited meanwhile
            }
        }
        return -1;
    }

    private static void victim() throws Exception {
        Process tree = new ProcessBuilder("/bin/sh", "-c",
                "i=1; while [ $i -lt 50 ]; do sleep 1000 & i=$((i+1)); done; wait").start();
        while (tree.descendants().count() < 49) {
            Thread.sleep(5);
        }
        while (guardOf(ProcessHandle.current().pid()) < 0) {
            Thread.sleep(5);
        }
        StringBuilder line = new StringBuilder("ready");
        List<ProcessHandle> all = new ArrayList<>();
        all.add(tree.toHandle());
        tree.descendants().forEach(all::add);
        for (ProcessHandle h : all) {
            line.append(' ').append(h.pid()).append(':').append(startTicks(h.pid()));
        }
        System.out.println(line);
        System.out.flush();
        Thread.sleep(60_000);
    }

    private static void kill(String java, String agent) throws Exception {
        Process victim = new ProcessBuilder(java, "-javaagent:" + agent + "=exitKill=true", "-cp",
                System.getProperty("java.class.path"), "GuardCost", "victim").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String ready = new java.io.BufferedReader(new java.io.InputStreamReader(victim.getInputStream())).readLine();
        String[] members = ready.split(" ");
        long t0 = System.nanoTime();
        victim.destroyForcibly(); // SIGKILL (this JVM has no agent)
        long end = t0 + TimeUnit.SECONDS.toNanos(10);
        int alive;
        do {
            Thread.sleep(1); // a busy loop would take the CPU the guard needs
            alive = 0;
            for (int i = 1; i < members.length; i++) {
                String[] m = members[i].split(":");
                if (liveWithStart(Long.parseLong(m[0]), Long.parseLong(m[1]))) {
                    alive++;
                }
            }
        } while (alive > 0 && System.nanoTime() < end);
        System.out.println("tree=" + (members.length - 1) + " death_to_gone_ms=" + (System.nanoTime() - t0) / 1_000_000
                + " left=" + alive);
    }

    static long guardOf(long jvm) {
        return ProcessHandle.allProcesses().filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .filter(p -> p.info().commandLine()
                .map(c -> c.contains("dev.treekill.agent.guard.GuardMain watch " + jvm + " ")).orElse(false))
                .mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
    }

    private static boolean liveWithStart(long pid, long start) {
        String stat = read("/proc/" + pid + "/stat");
        if (stat == null) {
            return false;
        }
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[19]) == start && !f[0].equals("Z") && !f[0].equals("X");
    }

    private static long startTicks(long pid) {
        String stat = read("/proc/" + pid + "/stat");
        return stat == null ? -1 : Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]);
    }

    private static long cpuTicks(long pid) {
        String[] f = read("/proc/" + pid + "/stat").substring(read("/proc/" + pid + "/stat").lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static String field(String file, String name) {
        String text = read(file);
        if (text == null) {
            return "?";
        }
        for (String l : text.split("\n")) {
            if (l.startsWith(name)) {
                return l.substring(name.length()).trim().split("\\s+")[0];
            }
        }
        return "?";
    }

    private static String read(String file) {
        try {
            return new String(Files.readAllBytes(Paths.get(file)));
        } catch (Exception e) {
            return null;
        }
    }
}
