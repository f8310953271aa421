package dev.treekill.agent.guard;

import dev.treekill.agent.engine.Deadline;
import dev.treekill.agent.engine.Engine;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.PendingKill;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.linux.TreeKiller;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.reaping.Adoption;
import dev.treekill.agent.starts.CookieMode;
import dev.treekill.agent.starts.Cookies;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.NativeAccess;
import dev.treekill.agent.sys.Syscalls;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The guard process: blocks reading its stdin, the read end of a pipe whose only write end the guarded JVM
 * holds, and so costs no CPU while the JVM lives; each line {@code root <pid> <start ticks>} names a tree the JVM
 * started, each {@code spare <cookie>} a start of the JVM's shutdown, which the JVM spares. Told to stand down, it
 * exits. At end-of-file the JVM has died (whoever killed it, and maybe before this guard even booted: the lines
 * wait in the pipe, the end-of-file after them); once /proc confirms that (it may still be finishing its exit, and
 * a JVM that merely closed the descriptor must never be taken for dead), it kills the tree of every root that is
 * still the very process the JVM started (same pid, same start time: a recycled pid is never signalled), then,
 * with cookies, every process carrying one of the JVM's cookies, with its tree, but what carries a spared one,
 * using the agent's own engine (frozen first, pinned by pidfd and start time, never pid &lt;= 1, never itself),
 * and exits.
 */
final class Guard {
    /** How long a JVM whose pipe closed may take to finish exiting before it is taken for alive. */
    private static final long EXITING_PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final GuardOrders orders;
    private final ProcSource proc;
    private final Syscalls sys;
    /** The dead JVM's cookies, as the guard's engine knows them; the starts that JVM spared are marked here. */
    private final StartedProcesses jvmStarts;
    private final Engine engine;

    Guard(GuardOrders orders) {
        this(orders, ProcSource.system(), NativeAccess.syscalls());
    }

    Guard(GuardOrders orders, ProcSource proc, Syscalls sys) {
        this.orders = orders;
        this.proc = proc;
        this.sys = sys;
        // Built now, not at the JVM's death: the kill then starts within milliseconds.
        this.jvmStarts = StartedProcesses.ofCookieFamily(proc, orders.cookieFamily);
        this.engine = new TreeKiller(sys, proc, new KillStats(), jvmStarts, Adoption.NONE, CookieMode.of(orders.cookies));
    }

    /** Waits for the JVM's death or the order to stand down; kills what the JVM left behind. */
    void watch() throws IOException {
        leaveSession();
        warmUp();
        Roots roots = new Roots(proc, Roots.CAPACITY);
        SparedCookies spared = new SparedCookies();
        if (!awaitEndOfPipe(System.in, roots, spared)) {
            return; // stood down: the JVM's own exit kill ran
        }
        if (!jvmIsDead()) {
            Log.warn("guard: lost the pipe of JVM " + orders.jvmPid + ", which still runs; exiting (the JVM starts "
                    + "a new guard at its next process start)");
            return;
        }
        killLeftBehind(roots.all(), spared.all());
    }

    /**
     * True at end-of-file (the JVM is gone or let go of the pipe), false when told to stand down; the roots read
     * on the way go into {@code roots}, the cookies of spared starts into {@code spared}. Any other line is ignored
     * (an empty one, the piece of a line that the JVM read back before standing down: see GuardPipe#standDown).
     */
    static boolean awaitEndOfPipe(InputStream in, Roots roots, SparedCookies spared) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1));
        String line;
        boolean warned = false;
        while ((line = lines.readLine()) != null) {
            if (line.equals(JvmDeathGuard.STAND_DOWN)) {
                return false;
            }
            Roots.Root root = Roots.parse(line);
            String cookie = root == null ? SparedCookies.parse(line) : null;
            boolean lost = root != null ? !roots.add(root) : cookie != null && !spared.add(cookie);
            if (lost && !warned) {
                warned = true;
                Log.warn("guard: more than " + Roots.CAPACITY + " trees or " + SparedCookies.CAPACITY + " spared starts; "
                        + line + " and others not remembered");
            }
        }
        return true;
    }

    /** Whether the guarded JVM is gone or a zombie, waiting a little for one that is still exiting. */
    boolean jvmIsDead() {
        long end = System.nanoTime() + EXITING_PATIENCE_NANOS;
        while (true) {
            ProcEntry jvm = ProcTable.read(proc, (int) orders.jvmPid);
            if (jvm == null || jvm.startTime != orders.jvmStartTicks || jvm.isZombie()) {
                return true;
            }
            if (System.nanoTime() - end > 0) {
                return false;
            }
            LockSupport.parkNanos(500_000);
        }
    }

    /**
     * Freezes and kills what the JVM left: the tree of each root that is still the process the JVM started, then
     * (with cookies) every process carrying one of its cookies, with its tree, but those carrying a cookie of
     * {@code spared} (or one minted beneath it: the JVM's shutdown started them, and the JVM spared them too);
     * waits for all (bounded), and logs one line per kill (at info).
     */
    void killLeftBehind(List<Roots.Root> roots, List<String> spared) {
        for (String cookie : spared) {
            jvmStarts.markCookieSpared(cookie);
        }
        List<PendingKill> kills = new ArrayList<>();
        for (Roots.Root root : roots) {
            PendingKill kill = killTree(root);
            if (kill != null) {
                kills.add(kill);
            }
        }
        if (orders.cookies) {
            PendingKill byCookie = killByCookie();
            if (byCookie != null) {
                kills.add(byCookie);
            }
        }
        for (PendingKill kill : kills) {
            try {
                engine.await(kill, Deadline.of(orders.timeoutMillis, orders.warnMillis));
            } catch (RuntimeException e) {
                Log.warn("guard: waiting for a kill failed", e); // its processes got SIGKILL already
            }
        }
    }

    /**
     * Freezes and SIGKILLs every process carrying one of the JVM's cookies, with its tree; null if that failed
     * (logged): the kills of the roots are still waited for and logged.
     */
    private PendingKill killByCookie() {
        try {
            return engine.kill(Target.leftBehindBy(orders.jvmPid, orders.jvmStartTicks), Trigger.JVM_DEATH);
        } catch (RuntimeException e) {
            Log.warn("guard: killing what carries the cookies of JVM " + orders.jvmPid + " failed; the roots' kills "
                    + "are still waited for", e);
            return null;
        }
    }

    /**
     * Freezes and SIGKILLs the tree of {@code root} if the process at its pid is still the one the JVM started
     * (pinned by its start time before anything is signalled); null when it is gone or its pid names another
     * process now, or the engine refuses it (pid 1, this guard, an ancestor of it).
     */
    private PendingKill killTree(Roots.Root root) {
        Target now = engine.identify(root.pid);
        if (now == null || now.startTicks() != root.startTicks) {
            return null;
        }
        try {
            return engine.kill(now, Trigger.JVM_DEATH);
        } catch (IllegalArgumentException refused) {
            Log.warn("guard: root " + root + " of JVM " + orders.jvmPid + " refused: " + refused.getMessage());
            return null;
        } catch (RuntimeException e) {
            Log.warn("guard: killing the tree of root " + root + " failed; the other roots and the cookies go on", e);
            return null;
        }
    }

    /**
     * Runs the kill's reading side once over every process (never its signalling side): its classes load and
     * /proc is in the page cache before the JVM dies, not after. About as much as one kill's scan.
     */
    private void warmUp() {
        try {
            engine.ownDescendants();
            int self = sys.selfPid();
            int fd = sys.pidfdOpen(self);
            sys.pollReadable(fd, 0);
            sys.closeFd(fd);
            for (int pid : proc.pids()) {
                ProcTable.read(proc, pid);
                proc.uid(pid);
                Cookies.in(proc.environ(pid)); // what the escapee search runs
            }
        } catch (ErrnoException | RuntimeException e) {
            Log.debug("guard: warm-up failed: " + e); // the kill reports its own failures
        }
    }

    /** No terminal signal (Ctrl-C, hang-up) and no signal to the JVM's process group reaches the guard. */
    private void leaveSession() {
        try {
            sys.newSession();
        } catch (ErrnoException e) {
            Log.debug("guard: setsid failed: " + e); // already a group leader: it was started apart anyway
        }
    }
}
