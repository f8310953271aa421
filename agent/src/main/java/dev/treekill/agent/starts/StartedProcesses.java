package dev.treekill.agent.starts;

import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The start registry: the processes the JDK started in this JVM, with their cookies. Two uses: a tree kill also
 * kills the processes still carrying the root's cookie, and the orphan reaper must never reap a pid the JDK's own
 * reaper waits for (it would steal its exit status: the JDK would then report 0). Starts in flight are numbered
 * because a child exists from fork() on, before the JDK returns its Process. Its parts: {@link CookieIssuer} (the
 * cookies), {@link StartRecords}, {@link StartsInFlight}, {@link StartListeners}, the children of before an attach
 * ({@link AttachedChildren}), the starts marked spared ({@link SparedStarts}), the agent's own processes that no
 * list or kill of this JVM's descendants shows ({@link HiddenChildren}).
 */
public final class StartedProcesses {
    /** Between two looks at the starts in flight while the exit kill waits for them. */
    private static final long IN_FLIGHT_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** From when starts are tracked: every child the JDK may reap is known from then on. */
    public enum Tracking {
        /** With {@code -javaagent}: every start goes through the patched JDK. */
        FROM_FIRST_START,
        /** Under dynamic attach: starts already under way in unpatched code are not seen; tracked once the children of before are noted. */
        ONCE_CHILDREN_NOTED
    }

    private final ProcSource proc;
    /** This JVM's pid as {@link #proc} names it: the parent a start's /proc entry must show to be that start's child. */
    private final int selfPidInProc;
    private final Tracking tracking;
    private final CookieIssuer cookies;
    private final StartListeners listeners = new StartListeners();
    private final AttachedChildren attached;
    private final SparedStarts spared = new SparedStarts();
    private final StartRecords records;
    private final StartsInFlight inFlight = new StartsInFlight();
    private final HiddenChildren hidden;

    /**
     * {@code proc}: where start and exit times are read (null: not recorded); {@code cookies}: this JVM's cookies;
     * {@code nanoClock}: the clock of the waits (System::nanoTime but in tests); {@code selfPidInProc}: this JVM's
     * pid as {@code proc} names it ({@link ProcSource#selfPidInProc()} but in tests).
     */
    public StartedProcesses(ProcSource proc, Tracking tracking, CookieIssuer cookies, LongSupplier nanoClock,
            int selfPidInProc) {
        this.proc = proc;
        this.selfPidInProc = selfPidInProc;
        this.tracking = tracking;
        this.cookies = cookies;
        this.attached = new AttachedChildren(nanoClock);
        this.records = new StartRecords(proc);
        this.hidden = new HiddenChildren(proc, selfPidInProc);
    }

    /** This JVM's starts, its cookies beneath the one it inherited; this JVM's pid as /proc names it. */
    public StartedProcesses(ProcSource proc, Tracking tracking) {
        this(proc, tracking, CookieIssuer.forThisJvm(), SystemNanoClock.INSTANCE, ProcSource.selfPidInProc());
    }

    /** This JVM's starts as {@code proc} shows them, where this JVM is {@code selfPidInProc} (tests). */
    public StartedProcesses(ProcSource proc, Tracking tracking, int selfPidInProc) {
        this(proc, tracking, CookieIssuer.forThisJvm(), SystemNanoClock.INSTANCE, selfPidInProc);
    }

    /** Without /proc: no start times; tracking from the first start. */
    public StartedProcesses() {
        this(null, Tracking.FROM_FIRST_START);
    }

    /**
     * For the guard, which kills on behalf of a JVM that is gone: the records of another JVM whose cookies begin
     * with {@code cookieFamily} (what that JVM's {@link #cookieFamily()} returned). Nothing is started or recorded
     * through it; it answers {@link CookieIssuer#isOurs} for that JVM.
     */
    public static StartedProcesses ofCookieFamily(ProcSource proc, String cookieFamily) {
        return new StartedProcesses(proc, Tracking.FROM_FIRST_START, CookieIssuer.ofFamily(cookieFamily),
                SystemNanoClock.INSTANCE, ProcSource.selfPidInProc());
    }

    /** {@code System::nanoTime}, as a class: the registry is built in premain, where no lambda may be linked. */
    private static final class SystemNanoClock implements LongSupplier {
        static final SystemNanoClock INSTANCE = new SystemNanoClock();

        @Override
        public long getAsLong() {
            return System.nanoTime();
        }
    }

    /** This JVM's cookies: minting, whose they are, opt-outs. */
    public CookieIssuer cookies() {
        return cookies;
    }

    /** What every cookie of this JVM begins with (made now if no start made it yet); see {@link #ofCookieFamily}. */
    public String cookieFamily() {
        return cookies.family();
    }

    /** Who hears of the application's starts. */
    public StartListeners listeners() {
        return listeners;
    }

    /** See {@link StartListeners#asAgentsOwn}. */
    public <T> T asAgentsOwn(java.util.concurrent.Callable<T> work) throws Exception {
        return listeners.asAgentsOwn(work);
    }

    /** The agent's own processes (the exitKill guard and its launcher) that no list or kill of this JVM's children takes. */
    public HiddenChildren hiddenChildren() {
        return hidden;
    }

    /** Run on every orphan-reaper pass: forgets the children of before an attach that are gone (read from {@code proc}). */
    public void forgetGoneChildrenOfBeforeAttach(ProcSource proc) {
        attached.forgetGone(proc);
    }

    /** Notes which processes the JDK has reaped since (run on every orphan-reaper pass), and drops old records. */
    public void refresh() {
        records.refresh();
    }

    /**
     * The JDK is about to fork a child: from here until {@link #started} or {@link #startFailed} with the
     * number returned, a child may exist that is not registered yet. (Before this point a start forks
     * nothing: it may wait as long as it likes, say opening a FIFO, without holding up the reaper.)
     */
    public long forking() {
        return inFlight.begin();
    }

    /**
     * Marks start {@code seq}, just about to fork with {@code cookie} (null: none), spared: a kill of every tree
     * that spares marked starts leaves it, its tree and its cookie alone. Called between {@link #forking} and the fork.
     */
    public void markSpared(long seq, String cookie) {
        spared.mark(seq, cookie);
    }

    /**
     * For the guard ({@link #ofCookieFamily}): the JVM it guards marked the start it handed {@code cookie} spared,
     * so a kill that spares marked starts leaves that cookie, and those minted beneath it, alone here too.
     */
    public void markCookieSpared(String cookie) {
        spared.markCookie(cookie);
    }

    /** Start {@code seq} (0: it forked nothing) returned its Process; {@code cookie} is null when it has none. */
    public void started(long seq, Process process, String cookie) {
        Started s = new Started(process.pid(), cookie, spared.isInFlight(seq));
        try {
            records.add(process, s);
        } finally {
            inFlight.end(seq); // after the record: a reaper that sees it done sees the record too
            spared.ended(seq);
        }
        if (proc != null) {
            s.startTicks = startTicksOfChild(s.pid);
        }
        listeners.started(process);
    }

    /**
     * The start time (clock ticks) of this JVM's child {@code pid}, read after its start returned; else
     * {@link ProcEntry#UNKNOWN_START}. By then the JDK's reaper may have reaped a child that exited at once and the
     * pid may name another process: the entry is only taken while its parent is this JVM (a child not yet reaped,
     * zombie or not, still shows it; a stranger on a recycled pid does not). Unknown: the record counts as unreaped
     * while its pid is in /proc, cautiously, and the guard is not told of it.
     */
    private long startTicksOfChild(long pid) {
        ProcEntry e = ProcTable.read(proc, (int) pid);
        return e != null && selfPidInProc > 0 && e.ppid == selfPidInProc ? e.startTime : ProcEntry.UNKNOWN_START;
    }

    /** Start {@code seq} (0: it forked nothing) threw: the JDK reaped whatever it had forked before throwing. */
    public void startFailed(long seq) {
        inFlight.end(seq);
        spared.ended(seq);
    }

    /** Whether {@code cookie} was handed to a start marked spared, or minted beneath one. */
    public boolean isSpared(String cookie) {
        return spared.isSpared(cookie);
    }

    /**
     * Whether this JVM's child {@code pid} is spared: a start marked spared, or a child without a record while a
     * spared start is under way (it may be that start's, not yet recorded). A child the JDK did not start at all
     * (one of before an attach, say) is not.
     */
    public boolean isSparedChild(long pid) {
        Started s = ofPid(pid);
        return s != null ? s.spared : !spared.noneInFlight();
    }

    /**
     * Waits, until {@code deadlineNanos} (System.nanoTime), for every start under way that is not spared to return
     * its Process: a kill must not kill a start in flight (the JDK's spawn helper would fail it). True if none is left.
     */
    public boolean awaitUnsparedStarts(long deadlineNanos) {
        while (!spared.coverAll(inFlight.numbers())) {
            if (System.nanoTime() - deadlineNanos > 0) {
                return false;
            }
            LockSupport.parkNanos(IN_FLIGHT_POLL_NANOS);
        }
        return true;
    }

    /** Whether a patched start has forked a child in this JVM yet. */
    public boolean anyStartSeen() {
        return inFlight.anyBegun();
    }

    /** The number of the last start begun. */
    public long startsBegun() {
        return inFlight.lastBegun();
    }

    /** The number of the oldest start still under way, or {@link StartsInFlight#NONE} if none is. */
    public long oldestInFlight() {
        return inFlight.oldest();
    }

    /** Whether a start is under way: it may have forked a child the JDK does not know the pid of yet. */
    public boolean anyStartInFlight() {
        return inFlight.oldest() != StartsInFlight.NONE;
    }

    /** What was recorded for this very Process, or null. */
    public Started of(Process process) {
        return records.of(process);
    }

    /** The record of the live, unreaped process the JDK started at {@code pid}, or null. */
    public Started ofPid(long pid) {
        return records.ofPid(pid);
    }

    /**
     * Whether the JDK's reaper may be waiting for {@code pid}: then only the JDK may reap it. Before starts
     * are tracked every pid counts as the JDK's.
     */
    public boolean startedByJdk(long pid) {
        return !tracking() || attached.contains(pid) || ofPid(pid) != null;
    }

    /**
     * Whether {@code e}, a child of this JVM as it was seen (pid and start time), is one the JDK started: then its
     * exit status is the JDK's. Unlike {@link #startedByJdk(long)}, this stays true once the JDK has reaped it,
     * when its pid may already name the JDK's next child: the orphan reaper asks this of a zombie it saw, and by
     * pid it would take whatever zombie is at that pid now.
     */
    public boolean startedByJdk(ProcEntry e) {
        return !tracking() || attached.contains(e.pid) || records.startedAsSuch(e);
    }

    /** Whether every child the JDK may reap is known: a start was seen (and under attach, the children of before). */
    private boolean tracking() {
        return inFlight.anyBegun() && (tracking == Tracking.FROM_FIRST_START || attached.noted());
    }

    /**
     * Whether {@code target} is the only process the JDK started that can have left an orphan that started at
     * {@code orphanTicks}: no other one was alive then (started before it, and not reaped before it), and no
     * child of before an attach, whose life is unknown, is there.
     */
    public boolean onlyPossibleOrigin(Started target, long orphanTicks) {
        if (!attached.isEmpty() || proc == null) {
            return false;
        }
        for (Started s : records.all()) {
            if (s == target) {
                continue;
            }
            boolean startedBefore = s.startTicks == ProcEntry.UNKNOWN_START || s.startTicks <= orphanTicks;
            boolean endedBefore = !records.unreaped(s) && s.endTicks != ProcEntry.UNKNOWN_START
                    && s.endTicks + 1 < orphanTicks; // 1 tick: rounding
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
    public void noteChildrenOfBeforeAttach(ProcSource proc, int[] children) {
        attached.note(proc, children);
    }
}
