package dev.treekill.agent.kill;

import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import java.lang.ref.WeakReference;
import java.security.SecureRandom;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The processes the JDK started in this JVM, with their cookies. Two uses: a tree kill also kills the
 * processes still carrying the root's cookie, and the orphan reaper must never reap a pid the JDK's own
 * reaper waits for (it would steal its exit status). Starts in flight are counted because a child exists
 * from fork() on, before the JDK returns its Process.
 */
public final class StartedProcesses {
    /** The environment variable every started process carries. */
    public static final String COOKIE_VARIABLE = "TREEKILL_COOKIE";
    /** Records kept before dead ones are dropped on the next start. */
    private static final int PRUNE_ABOVE = 1024;

    private final String cookiePrefix;
    private final AtomicLong sequence = new AtomicLong();
    private final Map<Long, Started> byPid = new ConcurrentHashMap<>();
    /** By identity, for as long as the application holds its Process: its escapees may outlive its root. */
    private final Map<Process, Started> byProcess = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong begun = new AtomicLong();
    /** Children this JVM had before the agent saw its first start (under attach): never ours to reap. */
    private final java.util.Set<Long> untracked = ConcurrentHashMap.newKeySet();
    /** Set by the first start reported: until then starts are not seen, and nothing may be reaped. */
    private volatile boolean tracking;
    private final ProcSource proc;

    /** Start times are recorded when {@code proc} is given (orphan attribution needs them), else not. */
    public StartedProcesses(ProcSource proc) {
        this.proc = proc;
        byte[] random = new byte[8];
        new SecureRandom().nextBytes(random);
        StringBuilder hex = new StringBuilder("tk");
        for (byte b : random) {
            hex.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        this.cookiePrefix = hex.toString();
    }

    /** One process the JDK started. */
    public static final class Started {
        final long pid;
        private final WeakReference<Process> process;
        /** Null when cookies are off or the process opted out. */
        final String cookie;
        /** Clock ticks since boot, or -1 when not recorded. */
        final long startTicks;

        Started(Process process, String cookie, long startTicks) {
            this.pid = process.pid();
            this.process = new WeakReference<>(process);
            this.cookie = cookie;
            this.startTicks = startTicks;
        }

        /**
         * False once the JDK collected its exit status: from then on its pid may name a stranger. A Process
         * that was garbage collected was reaped too: the JDK's reaper keeps it reachable until then.
         */
        boolean unreaped() {
            Process p = process.get();
            return p != null && p.isAlive();
        }

        boolean is(Process p) {
            return process.get() == p;
        }
    }

    /** A cookie unique to one start: random per JVM, then a sequence number. */
    public String newCookie() {
        return cookiePrefix + "-" + sequence.incrementAndGet();
    }

    /** Whether {@code value} is a cookie this JVM handed out. */
    boolean isOurs(String value) {
        return value != null && value.startsWith(cookiePrefix + "-");
    }

    /** A start begins: from here until {@link #started} or {@link #startFailed} a new child may be unregistered. */
    public void starting() {
        inFlight.incrementAndGet(); // before `begun`: see OrphanReaper.reap
        begun.incrementAndGet();
        tracking = true;
    }

    /** A start returned its Process; {@code cookie} is null when it has none. */
    public void started(Process process, String cookie) {
        try {
            if (byPid.size() > PRUNE_ABOVE) {
                prune();
            }
            long startTicks = -1;
            if (proc != null) {
                ProcEntry e = ProcTable.read(proc, (int) process.pid());
                startTicks = e == null ? -1 : e.startTime;
            }
            Started s = new Started(process, cookie, startTicks);
            byPid.put(process.pid(), s);
            byProcess.put(process, s);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    public void startFailed() {
        inFlight.decrementAndGet();
    }

    int startsInFlight() {
        return inFlight.get();
    }

    long startsBegun() {
        return begun.get();
    }

    /** What was recorded for this very Process, or null. */
    public Started of(Process process) {
        return byProcess.get(process);
    }

    /** The record of the live, unreaped process the JDK started at {@code pid}, or null. */
    public Started ofPid(long pid) {
        Started s = byPid.get(pid);
        return s != null && s.unreaped() ? s : null;
    }

    /**
     * Whether the JDK's reaper may still be waiting for {@code pid}: then only the JDK may reap it. Before
     * the first start was seen every pid counts as the JDK's.
     */
    boolean reapedByJdk(long pid) {
        return !tracking || untracked.contains(pid) || ofPid(pid) != null;
    }

    /**
     * Forgets the untracked pids that are no longer children of this JVM: the JDK reaped them, and their pids
     * may come back as orphans that are ours to reap.
     */
    void forgetUntrackedExcept(int[] children) {
        if (untracked.isEmpty()) {
            return;
        }
        java.util.Set<Long> current = new java.util.HashSet<>();
        for (int pid : children) {
            current.add((long) pid);
        }
        untracked.retainAll(current);
    }

    /** Children the JVM had when the agent arrived (dynamic attach): the JDK may be waiting for any of them. */
    public void untracked(int[] pids) {
        for (int pid : pids) {
            untracked.add((long) pid);
        }
    }

    private void prune() {
        for (Iterator<Started> it = byPid.values().iterator(); it.hasNext(); ) {
            if (!it.next().unreaped()) {
                it.remove();
            }
        }
    }
}
