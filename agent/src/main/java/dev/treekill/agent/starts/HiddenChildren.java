package dev.treekill.agent.starts;

import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import java.time.Instant;
import java.util.Optional;

/**
 * The agent's own processes that are, or may become, this JVM's children: the exitKill guard's launcher (a child
 * while it lives) and the guard itself (re-parented to this JVM where it is a subreaper). They are the agent's
 * business alone: {@link #compactJdkList} takes them out of the lists behind the application's
 * {@code ProcessHandle.children()} and {@code descendants()}, and every count and kill of this JVM's descendants
 * skips them ({@link #contains}). Two ways to know them: by pid and start time ({@link #hide}: the launcher as soon
 * as its start returns, the guard once the launcher has printed its pid), so a reused pid is never hidden; and while
 * a guard is being launched ({@link #launching} to {@link #launched}) by the cookie in their environment (a /proc read
 * per child of this JVM, for those milliseconds only), which covers the launcher before its start returns. A
 * listing is a snapshot taken before it is compacted: a launcher in it may have exited and its launch be over by
 * then, which is why the launcher is hidden by pid too, and stays hidden as long as its guard is remembered. What
 * is left: the instant between the launcher's fork and its exec (the JDK's jspawnhelper, or a copy of this JVM,
 * still with this JVM's environment), in a listing taken and compacted inside that instant. At most
 * {@link #CAPACITY} processes (launchers and guards) are remembered, the oldest dropped (a guard is started again
 * at most every 10 s). Empty, nothing looked at, unless {@code exitKill=true} started a guard.
 */
public final class HiddenChildren {
    /** Four launches: each a launcher and its guard. */
    static final int CAPACITY = 8;
    private static final Hidden[] NONE = new Hidden[0];

    /** What the JDK says of processes, in its own units: the seam for tests. */
    public interface JdkView {
        /** This JVM's pid as the JDK names it. */
        long selfPid();

        /** The start time the JDK's ProcessHandle lists give {@code pid} (ms since the epoch on Linux), or -1. */
        long startTime(long pid);
    }

    /** One hidden process (a launcher or a guard): pid, start ticks (/proc), the start time the JDK's lists show. */
    private static final class Hidden {
        final int pid;
        final long startTicks;
        final long jdkStartTime;

        Hidden(int pid, long startTicks, long jdkStartTime) {
            this.pid = pid;
            this.startTicks = startTicks;
            this.jdkStartTime = jdkStartTime;
        }
    }

    /** The real JDK: ProcessHandle, whose Info start time comes from the same native read as its lists'. */
    private static final class RealJdk implements JdkView {
        @Override
        public long selfPid() {
            return ProcessHandle.current().pid();
        }

        @Override
        public long startTime(long pid) {
            Optional<ProcessHandle> h = ProcessHandle.of(pid);
            Optional<Instant> start = h.isPresent() ? h.get().info().startInstant() : Optional.<Instant>empty();
            return start.isPresent() ? start.get().toEpochMilli() : -1;
        }
    }

    private final JdkView jdk;
    /** Where environments are read during a launch; null: nowhere (no /proc), nothing hidden by cookie. */
    private final ProcSource proc;
    /** This JVM's pid as {@link #proc} names it: the parent of a child seen there. */
    private final int selfPidInProc;
    /** Replaced, never changed: the JDK's lists read it without a lock. */
    private volatile Hidden[] hidden = NONE;
    /** The cookie of the processes being launched, or null. */
    private volatile String launchingCookie;
    /** This JVM's pid as the JDK names it, taken at the first {@link #launching} (ProcessHandle must not load in premain). */
    private volatile long jdkSelfPid = -1;

    /** {@code proc}: where environments are read (null: none); {@code selfPidInProc}: this JVM's pid as it names it. */
    public HiddenChildren(JdkView jdk, ProcSource proc, int selfPidInProc) {
        this.jdk = jdk;
        this.proc = proc;
        this.selfPidInProc = selfPidInProc;
    }

    /** Over the real JDK. */
    public HiddenChildren(ProcSource proc, int selfPidInProc) {
        this(new RealJdk(), proc, selfPidInProc);
    }

    /**
     * From now until {@link #launched}, every child of this JVM whose environment carries {@code cookie} (the agent's
     * own launcher, and what it starts) is hidden: call it before the launcher's start. The cookie must be one that
     * no start of the application gets from the agent.
     */
    public void launching(String cookie) {
        knowJdkSelfPid();
        launchingCookie = cookie;
    }

    private void knowJdkSelfPid() {
        if (jdkSelfPid < 0) {
            jdkSelfPid = jdk.selfPid();
        }
    }

    /** The launch is over (its launcher exited, and what it started is {@link #hide hidden}, or it failed). */
    public void launched() {
        launchingCookie = null;
    }

    /**
     * Hides {@code e}, one of the agent's own processes as /proc showed it. The JDK's start time for it is read now;
     * when it cannot be read (the process is gone, or the JDK gives none) the JDK's lists keep showing it, but the
     * agent's own counts and kills still skip it. (A pid that names another process between the /proc read and the
     * JDK's would hide that one from the JDK's lists: it would have to be this JVM's child, started within that
     * microsecond on the very pid.)
     */
    public synchronized void hide(ProcEntry e) {
        knowJdkSelfPid();
        Hidden[] old = hidden;
        int keep = Math.min(old.length, CAPACITY - 1);
        Hidden[] now = new Hidden[keep + 1];
        System.arraycopy(old, old.length - keep, now, 0, keep);
        now[keep] = new Hidden(e.pid, e.startTime, jdk.startTime(e.pid));
        hidden = now;
    }

    /**
     * Whether {@code e} (pid and start ticks, as /proc showed it) is one of the agent's own processes: a hidden guard,
     * or during a launch a child of this JVM with the launch's cookie.
     */
    public boolean contains(ProcEntry e) {
        String cookie = launchingCookie; // first: a launch seen over has hidden its processes by pid already
        for (Hidden h : hidden) {
            if (h.pid == e.pid && h.startTicks == e.startTime && e.startTime != ProcEntry.UNKNOWN_START) {
                return true;
            }
        }
        return e.ppid == selfPidInProc && carriesLaunchingCookie(cookie, e.pid);
    }

    private boolean carriesLaunchingCookie(String cookie, long pid) {
        if (cookie == null || proc == null || pid <= 0 || pid > Integer.MAX_VALUE) {
            return false;
        }
        try {
            return cookie.equals(Cookies.in(proc.environ((int) pid)));
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Takes the agent's own children out of what {@code ProcessHandleImpl.getProcessPids0(queriedPid, pids, ppids,
     * startTimes)} returned ({@code count}), keeping the order of the rest; returns the new count. Only entries that
     * are children of this JVM (queried for this JVM's children, or with a parent pid of this JVM) with the JDK's
     * start time of a hidden process are taken, and in the list of all processes with parents, a hidden process whose
     * parent was taken (the guard under its launcher, both in a snapshot of the launch); everything else is as the JDK
     * listed it (the list of all processes, {@code ProcessHandle.allProcesses()}, shows them: there is no parent to
     * tell). A {@code count} larger than the arrays (the JDK asks again with larger ones), a negative one, or arrays
     * not as the JDK passes them: unchanged. Two phases, so that the arrays are never left half-compacted: first what
     * to take (a check that fails, even with an Error, means "not taken"), then the compaction, array moves only.
     */
    public int compactJdkList(int count, long queriedPid, long[] pids, long[] ppids, long[] startTimes) {
        String cookie = launchingCookie; // first: a launch seen over has hidden its processes by pid already
        Hidden[] h = hidden;
        if ((h.length == 0 && cookie == null) || count <= 0 || pids == null || startTimes == null || count > pids.length
                || count > startTimes.length || (ppids != null && count > ppids.length)) {
            return count;
        }
        long self = jdkSelfPid;
        boolean childrenOfSelf = queriedPid == self;
        if (!childrenOfSelf && (queriedPid != 0 || ppids == null)) {
            return count;
        }
        boolean[] taken = toTake(count, childrenOfSelf, self, h, cookie, pids, ppids, startTimes);
        if (taken == null) {
            return count;
        }
        int kept = 0;
        for (int i = 0; i < count; i++) {
            if (taken[i]) {
                continue;
            }
            pids[kept] = pids[i];
            startTimes[kept] = startTimes[i];
            if (ppids != null) {
                ppids[kept] = ppids[i];
            }
            kept++;
        }
        return kept;
    }

    /** Which of the first {@code count} entries are the agent's own; null if none (arrays as checked by the caller). */
    private boolean[] toTake(int count, boolean childrenOfSelf, long self, Hidden[] h, String cookie, long[] pids,
            long[] ppids, long[] startTimes) {
        boolean[] taken = null;
        for (int i = 0; i < count; i++) {
            boolean child = childrenOfSelf || ppids[i] == self;
            if (child && isOwn(h, cookie, pids[i], startTimes[i])) {
                if (taken == null) {
                    taken = new boolean[count];
                }
                taken[i] = true;
            }
        }
        if (taken == null || childrenOfSelf) {
            return taken;
        }
        // The guard under its launcher: one level, the launcher forks the guard itself (see GuardCommand).
        for (int i = 0; i < count; i++) {
            if (!taken[i] && isHidden(h, pids[i], startTimes[i]) && parentTaken(taken, count, pids, ppids[i])) {
                taken[i] = true;
            }
        }
        return taken;
    }

    private boolean isOwn(Hidden[] h, String cookie, long pid, long jdkStartTime) {
        try {
            return isHidden(h, pid, jdkStartTime) || carriesLaunchingCookie(cookie, pid);
        } catch (Throwable t) { // an Error (an environment too large to read, say): not taken, nothing half-done
            return false;
        }
    }

    private static boolean parentTaken(boolean[] taken, int count, long[] pids, long ppid) {
        for (int j = 0; j < count; j++) {
            if (taken[j] && pids[j] == ppid) {
                return true;
            }
        }
        return false;
    }

    private static boolean isHidden(Hidden[] h, long pid, long jdkStartTime) {
        for (Hidden x : h) {
            if (x.pid == pid && x.jdkStartTime == jdkStartTime && jdkStartTime > 0) {
                return true;
            }
        }
        return false;
    }
}
