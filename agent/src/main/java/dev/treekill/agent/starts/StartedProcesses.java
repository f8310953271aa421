package dev.treekill.agent.starts;

import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The processes the JDK started in this JVM, with their cookies. Two uses: a tree kill also kills the
 * processes still carrying the root's cookie, and the orphan reaper must never reap a pid the JDK's own
 * reaper waits for (it would steal its exit status: the JDK would then report 0). Starts in flight are
 * numbered because a child exists from fork() on, before the JDK returns its Process.
 */
public final class StartedProcesses {
    /** The environment variable every started process carries (see {@link Cookies}). */
    public static final String COOKIE_VARIABLE = Cookies.VARIABLE;
    /** Records kept before those the JDK has reaped are dropped. */
    private static final int PRUNE_ABOVE = 1024;
    private volatile int pruneAbove = PRUNE_ABOVE;

    /**
     * Unique to this JVM on this machine: its pid and a random number, beneath the cookie it inherited (see
     * {@link Cookies#prefix}); made on the first start.
     */
    private volatile String cookiePrefix;
    private final AtomicLong cookies = new AtomicLong();
    private final Map<Long, Started> byPid = new ConcurrentHashMap<>();
    /** By identity, for as long as the application holds its Process: its escapees may outlive its root. */
    private final Map<Process, Started> byProcess = Collections.synchronizedMap(new WeakHashMap<>());
    /** Sequence numbers of the starts under way. */
    private final java.util.Set<Long> inFlight = ConcurrentHashMap.newKeySet(); // a handful at most
    /** Sequence numbers of the starts under way that began once shutdown had begun. */
    private final java.util.Set<Long> inFlightDuringShutdown = ConcurrentHashMap.newKeySet();
    /** The cookies of the starts begun once shutdown had begun: the exit kill spares them. */
    private final java.util.Set<String> shutdownCookies = ConcurrentHashMap.newKeySet();

    private final AtomicLong begun = new AtomicLong();
    /**
     * Children the JVM had before the agent could see its starts (dynamic attach), by pid: {start time, since
     * when seen a zombie (nanoTime) or -1}.
     */
    private final Map<Long, long[]> untracked = new ConcurrentHashMap<>();
    /** The JDK's reaper collects its children at once: one that stays a zombie this long is nobody's. */
    private static final long UNREAPED_ZOMBIE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);
    /** A patched start forked: starts are seen. */
    private volatile boolean startSeen;
    /** Under dynamic attach: the children of before were noted. */
    private volatile boolean childrenNoted;
    private final boolean trackAtFirstStart;
    private final ProcSource proc;
    /**
     * Told of every start, on the thread that started it, after the record exists (see LibraryBridge): what a
     * test started is decided by the thread it ran on. Empty unless a library asked.
     */
    private final java.util.List<java.util.function.Consumer<Process>> startListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * {@code proc}: where start and exit times are read (null: not recorded). {@code trackAtFirstStart}: false
     * under dynamic attach, where starts already under way in unpatched code are not seen; then starts are
     * tracked only once {@link #untracked} noted the children of before, too.
     */
    public StartedProcesses(ProcSource proc, boolean trackAtFirstStart) {
        this.proc = proc;
        this.trackAtFirstStart = trackAtFirstStart;
    }

    /** Without /proc: no start times; tracking from the first start. */
    public StartedProcesses() {
        this(null, true);
    }

    /** One process the JDK started. */
    public static final class Started {
        final long pid;
        /** Null when cookies are off or the process opted out. */
        final String cookie;
        /** Clock ticks since boot, or -1 when not (yet) read. */
        volatile long startTicks = -1;
        /** When the JDK was first seen to have collected its exit status (clock ticks since boot), or -1. */
        volatile long endTicks = -1;
        volatile boolean reaped;
        /** Started once shutdown had begun (by a shutdown hook, say): the exit kill spares it. */
        volatile boolean duringShutdown;
        /** destroy() or destroyForcibly() was called on it: whatever of it is left was meant to go. */
        volatile boolean destroyed;

        Started(long pid, String cookie) {
            this.pid = pid;
            this.cookie = cookie;
        }

        public long pid() {
            return pid;
        }

        /** Null when cookies are off or the process opted out. */
        public String cookie() {
            return cookie;
        }

        /** Clock ticks since boot, or -1 when not known. */
        public long startTicks() {
            return startTicks;
        }

        /** Whether the JDK was seen to have collected its exit status. */
        public boolean reaped() {
            return reaped;
        }

        /** When the JDK was first seen to have collected its exit status (clock ticks since boot), or -1. */
        public long endTicks() {
            return endTicks;
        }

        public boolean destroyed() {
            return destroyed;
        }

        public void markDestroyed() {
            destroyed = true;
        }
    }

    /** Set on a thread while it starts one of the agent's own processes (see {@link #asAgentsOwn}). */
    private final ThreadLocal<Boolean> agentsOwn = new ThreadLocal<>();

    /**
     * Runs {@code start}, which starts one of the agent's own processes (the exitKill guard's), on this thread:
     * the start is recorded like any other (the orphan reaper must leave its exit status to the JDK), but no
     * start listener hears of it, so no library or test takes it for the application's.
     */
    public <T> T asAgentsOwn(java.util.concurrent.Callable<T> start) throws Exception {
        agentsOwn.set(Boolean.TRUE);
        try {
            return start.call();
        } finally {
            agentsOwn.remove();
        }
    }

    /** Whether this thread is starting one of the agent's own processes (see {@link #asAgentsOwn}). */
    public boolean startingAgentsOwn() {
        return agentsOwn.get() != null;
    }

    /**
     * {@code listener} hears of every later start of the application's (not the agent's own: see
     * {@link #asAgentsOwn}), on the starting thread; it must be quick and not throw.
     */
    public void addStartListener(java.util.function.Consumer<Process> listener) {
        startListeners.add(listener);
    }

    public void removeStartListener(java.util.function.Consumer<Process> listener) {
        startListeners.remove(listener);
    }

    /**
     * Whether the JDK has not collected {@code s}'s exit status yet: /proc still shows that very process, alive
     * or a zombie. Once it does not, its pid may name a stranger; that is noted with the time. Read from
     * /proc, not from Process.isAlive(), which takes the Process's lock: the reaper must never wait for the
     * application. Without /proc (tests) only a record marked reaped is.
     */
    public boolean unreaped(Started s) {
        if (s.reaped) {
            return false;
        }
        if (proc == null) {
            return true;
        }
        ProcEntry now;
        try {
            now = ProcTable.read(proc, (int) s.pid);
        } catch (RuntimeException unreadable) {
            return true; // nothing proves it reaped: keep its pid the JDK's
        }
        if (now != null && (s.startTicks < 0 || now.startTime == s.startTicks)) {
            return true;
        }
        s.endTicks = proc.ticksSinceBoot();
        s.reaped = true;
        return false;
    }

    /** Notes which processes the JDK has reaped since (run on every orphan-reaper pass), and drops old records. */
    public void refresh() {
        for (Started s : byPid.values()) {
            unreaped(s);
        }
        if (byPid.size() > PRUNE_ABOVE) {
            prune();
        }
    }

    /**
     * For the guard, which kills on behalf of a JVM that is gone: the records of another JVM whose cookies
     * begin with {@code cookieFamily} (what that JVM's {@link #cookieFamily()} returned). Nothing is started
     * or recorded through it; it answers {@link #isOurs} for that JVM.
     */
    public static StartedProcesses ofCookieFamily(ProcSource proc, String cookieFamily) {
        StartedProcesses s = new StartedProcesses(proc, true);
        s.cookiePrefix = cookieFamily;
        return s;
    }

    /** What every cookie of this JVM begins with (made now if no start made it yet); see {@link #ofCookieFamily}. */
    public String cookieFamily() {
        return cookiePrefix();
    }

    /**
     * The one place cookies are minted: a cookie unique to one start, per JVM (pid and a random number, beneath
     * the cookie this JVM inherited), then a sequence number. See {@link Cookies}.
     */
    public String newCookie() {
        return cookiePrefix() + cookies.incrementAndGet();
    }

    /**
     * Whether {@code value} is a cookie this JVM handed out, or one minted beneath one of those (by a nested JVM
     * with the agent): the processes of this JVM's trees, wherever they went.
     */
    public boolean isOurs(String value) {
        String prefix = cookiePrefix;
        return value != null && prefix != null && value.startsWith(prefix);
    }

    /**
     * Not SecureRandom: a cookie is a name, not a secret, and SecureRandom's providers cost ~20 ms of start-up.
     * The pid makes it unique among the JVMs running here, the random part among those of the same pid.
     */
    private String cookiePrefix() {
        String prefix = cookiePrefix;
        if (prefix == null) {
            synchronized (this) {
                if (cookiePrefix == null) {
                    cookiePrefix = Cookies.prefix(inheritedCookie(), ProcessHandle.current().pid(),
                            new java.util.Random().nextInt());
                }
                prefix = cookiePrefix;
            }
        }
        return prefix;
    }

    /** The cookie this JVM was started with, or null. */
    private static String inheritedCookie() {
        try {
            return System.getenv(COOKIE_VARIABLE);
        } catch (SecurityException e) {
            return null;
        }
    }

    /**
     * The JDK is about to fork a child: from here until {@link #started} or {@link #startFailed} with the
     * number returned, a child may exist that is not registered yet. (Before this point a start forks
     * nothing: it may wait as long as it likes, say opening a FIFO, without holding up the reaper.)
     */
    public long forking() {
        long seq = begun.incrementAndGet();
        inFlight.add(seq); // after `begun`: see OrphanReaper.reap
        startSeen = true;
        return seq;
    }

    /**
     * Start {@code seq}, just about to fork with {@code cookie} (null: none), began once shutdown had begun: the
     * exit kill spares it, its tree and its cookie. Called between {@link #forking} and the fork.
     */
    public void startingDuringShutdown(long seq, String cookie) {
        if (cookie != null) {
            shutdownCookies.add(cookie);
        }
        inFlightDuringShutdown.add(seq);
    }

    /** Start {@code seq} (0: it forked nothing) returned its Process; {@code cookie} is null when it has none. */
    public void started(long seq, Process process, String cookie) {
        Started s = new Started(process.pid(), cookie);
        s.duringShutdown = inFlightDuringShutdown.contains(seq);
        try {
            if (byPid.size() > pruneAbove) {
                prune();
            }
            byPid.put(s.pid, s);
            byProcess.put(process, s);
        } finally {
            inFlight.remove(seq); // after the record: a reaper that sees it done sees the record too
            inFlightDuringShutdown.remove(seq);
        }
        if (proc != null) {
            ProcEntry e = ProcTable.read(proc, (int) s.pid);
            // Unknown (-1) if already gone: then it counts as unreaped while its pid is in /proc, cautiously.
            s.startTicks = e == null ? -1 : e.startTime;
        }
        if (startingAgentsOwn()) {
            return;
        }
        for (java.util.function.Consumer<Process> listener : startListeners) {
            listener.accept(process); // the caller (StartHooks via Hooks) suppresses what escapes
        }
    }

    /** Start {@code seq} (0: it forked nothing) threw: the JDK reaped whatever it had forked before throwing. */
    public void startFailed(long seq) {
        inFlight.remove(seq);
        inFlightDuringShutdown.remove(seq);
    }

    /** Whether {@code cookie} was handed to a start begun once shutdown had begun. */
    public boolean startedDuringShutdown(String cookie) {
        for (String spared : shutdownCookies) {
            if (Cookies.isBeneath(cookie, spared)) { // a JVM that shutdown work started mints beneath it
                return true;
            }
        }
        return false;
    }

    /**
     * Whether this JVM's child {@code pid} is one the exit kill takes: one the JDK started before shutdown
     * began, or one it did not start at all (a child of before an attach, say). A child without a record
     * while a start of the shutdown is under way may be that start's, not yet recorded: spared.
     */
    public boolean wasRunningWhenShutdownBegan(long pid) {
        Started s = ofPid(pid);
        if (s != null) {
            return !s.duringShutdown;
        }
        return inFlightDuringShutdown.isEmpty();
    }

    /**
     * Waits, until {@code deadlineNanos} (System.nanoTime), for the starts begun before shutdown to return
     * their Process: the exit kill must not kill a start in flight (the JDK's spawn helper would fail it).
     * True if none is left.
     */
    public boolean awaitStartsBeforeShutdown(long deadlineNanos) {
        while (!inFlightDuringShutdown.containsAll(inFlight)) {
            if (System.nanoTime() - deadlineNanos > 0) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        return true;
    }

    /** Whether a patched start has forked a child in this JVM yet. */
    public boolean anyStartSeen() {
        return startSeen;
    }

    /** The number of the last start begun. */
    public long startsBegun() {
        return begun.get();
    }

    /** The number of the oldest start still under way, or Long.MAX_VALUE if none is. */
    public long oldestInFlight() {
        long oldest = Long.MAX_VALUE;
        for (long seq : inFlight) {
            oldest = Math.min(oldest, seq);
        }
        return oldest;
    }

    /** What was recorded for this very Process, or null. */
    public Started of(Process process) {
        return byProcess.get(process);
    }

    /** The record of the live, unreaped process the JDK started at {@code pid}, or null. */
    public Started ofPid(long pid) {
        Started s = byPid.get(pid);
        return s != null && unreaped(s) ? s : null;
    }

    /**
     * Whether the JDK's reaper may be waiting for {@code pid}: then only the JDK may reap it. Before starts
     * are tracked every pid counts as the JDK's.
     */
    public boolean startedByJdk(long pid) {
        return !tracking() || untracked.containsKey(pid) || ofPid(pid) != null;
    }

    /** Whether every child the JDK may reap is known: a start was seen (and under attach, the children of before). */
    private boolean tracking() {
        return startSeen && (trackAtFirstStart || childrenNoted);
    }

    /**
     * Whether {@code target} is the only process the JDK started that can have left an orphan that started at
     * {@code orphanTicks}: no other one was alive then (started before it, and not reaped before it), and no
     * child of before an attach, whose life is unknown, is there.
     */
    public boolean onlyPossibleOrigin(Started target, long orphanTicks) {
        if (!untracked.isEmpty() || proc == null) {
            return false;
        }
        for (Started s : byPid.values()) {
            if (s == target) {
                continue;
            }
            boolean startedBefore = s.startTicks < 0 || s.startTicks <= orphanTicks;
            boolean endedBefore = !unreaped(s) && s.endTicks >= 0 && s.endTicks + 1 < orphanTicks; // 1 tick: rounding
            if (startedBefore && !endedBefore) {
                return false;
            }
        }
        return true;
    }

    /**
     * Under dynamic attach: the children the JVM has once the process classes are patched (and starts in
     * unpatched code have ended) are the JDK's, as long as they live. Starts are tracked from the next patched fork on.
     */
    public void untracked(ProcSource proc, int[] children) {
        for (int pid : children) {
            ProcEntry e = ProcTable.read(proc, pid);
            if (e != null) {
                untracked.put((long) pid, new long[] {e.startTime, -1});
            }
        }
        childrenNoted = true;
    }

    /**
     * Forgets the untracked children that are gone (reaped by the JDK: their pids may come back as orphans),
     * and those that stay zombies for a second: the JDK's reaper waits for its children from their start and
     * takes them at once, so such a one is an orphan the JVM had adopted before the attach.
     */
    public void forgetReapedUntracked(ProcSource proc) {
        for (Iterator<Map.Entry<Long, long[]>> it = untracked.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, long[]> u = it.next();
            long[] seen = u.getValue();
            ProcEntry now = ProcTable.read(proc, (int) (long) u.getKey());
            if (now == null || now.startTime != seen[0]) {
                it.remove();
            } else if (now.isZombie()) {
                if (seen[1] < 0) {
                    seen[1] = System.nanoTime();
                } else if (System.nanoTime() - seen[1] > UNREAPED_ZOMBIE_NANOS) {
                    it.remove();
                }
            }
        }
    }

    /**
     * Drops the records the JDK reaped before every live one started: those cannot have left an orphan of any
     * live process's time. (A Process the application still holds keeps its record in byProcess.)
     */
    private synchronized void prune() {
        long oldestLive = Long.MAX_VALUE;
        for (Started s : byPid.values()) {
            if (unreaped(s)) {
                oldestLive = Math.min(oldestLive, s.startTicks < 0 ? Long.MIN_VALUE : s.startTicks);
            }
        }
        for (Iterator<Started> it = byPid.values().iterator(); it.hasNext(); ) {
            Started s = it.next();
            if (s.reaped && s.endTicks >= 0 && s.endTicks + 1 < oldestLive) {
                it.remove();
            }
        }
        // Each prune reads every record's /proc entry: not again before the records have doubled.
        pruneAbove = Math.max(PRUNE_ABOVE, 2 * byPid.size());
    }
}
