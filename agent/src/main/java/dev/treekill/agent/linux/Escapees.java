package dev.treekill.agent.linux;

import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.reaping.Adoption;
import dev.treekill.agent.signal.Member;
import dev.treekill.agent.starts.CookieMode;
import dev.treekill.agent.starts.Cookies;
import dev.treekill.agent.starts.StartedProcesses;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the processes that left a tree but belong to it: those still carrying its cookie, or one a nested
 * JVM with the agent minted beneath it (see {@link Cookies}) (same user,
 * started after the root: only those are worth reading the environment of), and, where this JVM adopts
 * orphans (PID 1 or a subreaper), adopted orphans without a cookie: all of them for the whole JVM; for
 * one process the JDK started only under a subreaper with cookies off, and only when no other process the
 * JDK started was alive when the orphan started and no start is under way (a child forked by a start not yet
 * recorded shows the JVM's environment, without a cookie, until its exec). With cookies on, a cookie-less orphan cleared its
 * environment, and nothing says whose it is; as PID 1, orphans may come from anywhere (docker exec).
 */
public final class Escapees {
    /** Escapee scans per kill; each stops (or kills) what it found, so a second scan normally finds nobody. */
    private static final int MAX_ROUNDS = 10;

    private final ProcSource proc;
    private final int self;
    private final StartedProcesses started;
    private final Adoption adoption;
    private final CookieMode cookies;
    private final int selfUid;
    private final long selfStartTicks;

    /**
     * Escapees of the trees of the JVM {@code self}, whose starts {@code started} recorded (with cookies, or not);
     * {@code adoption}: whether orphans come to it.
     */
    public Escapees(ProcSource proc, int self, StartedProcesses started, Adoption adoption, CookieMode cookies) {
        this.proc = proc;
        this.self = self;
        this.started = started;
        this.adoption = adoption;
        this.cookies = cookies;
        this.selfUid = proc.uid(self);
        ProcEntry me = ProcTable.read(proc, self);
        this.selfStartTicks = me == null ? 0 : me.startTime;
    }

    /** One round of {@link #takeAll}: where it looks, and what the kill does with what it found. */
    public interface Round {
        /** The pids to look among, or null for {@link #find(Target, long, Map)}'s own choice. */
        int[] pids();

        /** Takes {@code found} with their trees into the kill's members (freezes them, or kills them). */
        void take(List<ProcEntry> found);
    }

    /**
     * Finds and takes the target's escapees round after round, until a round finds no one new (what was taken
     * cannot start more), at most {@link #MAX_ROUNDS}: then it warns, counts an error in {@code stats} and stops
     * with what was found. {@code rootStartTicks} as for {@link #find(Target, long, Map)}.
     */
    public void takeAll(Target target, long rootStartTicks, Map<Integer, Member> members, Round round, KillStats stats) {
        for (int n = 0; mayExist(target); n++) {
            int[] pids = round.pids();
            List<ProcEntry> found = pids == null ? find(target, rootStartTicks, members)
                    : find(target, rootStartTicks, members, pids);
            if (found.isEmpty()) {
                return;
            }
            if (n == MAX_ROUNDS) {
                Log.warn(target + ": escapees still appearing after " + n + " scans; killing what was found");
                stats.error();
                return;
            }
            if (Log.enabled(Log.Level.DEBUG)) { // not built otherwise: the cold path's kill is timed
                Log.debug(target + ": escapees " + found);
            }
            round.take(found);
        }
    }

    /** Whether any process could belong to {@code target} without being in its tree. */
    public boolean mayExist(Target target) {
        return target.cookie() != null || target.allDescendants() || takesCookielessOrphans(target);
    }

    private boolean takesCookielessOrphans(Target target) {
        return adoption == Adoption.SUBREAPER && !cookies.on() && target.record() != null;
    }

    /**
     * The live processes that belong to {@code target} and are not among {@code members}; {@code rootStart}
     * is the root's start time if it is known (clock ticks), else {@link ProcEntry#UNKNOWN_START}.
     */
    public List<ProcEntry> find(Target target, long rootStartTicks, Map<Integer, Member> members) {
        if (!mayExist(target)) {
            return new ArrayList<>();
        }
        boolean byCookie = target.cookie() != null || target.allDescendants();
        // Without cookies only this JVM's own children can be adopted orphans: no need to read the rest.
        return find(target, rootStartTicks, members, byCookie ? proc.pids() : ProcTable.childPids(proc, self));
    }

    /** {@link #find(Target, long, Map)} among the processes {@code pids} only. */
    public List<ProcEntry> find(Target target, long rootStartTicks, Map<Integer, Member> members, int[] pids) {
        List<ProcEntry> found = new ArrayList<>();
        long notBeforeTicks = rootStartTicks != ProcEntry.UNKNOWN_START ? rootStartTicks : selfStartTicks;
        for (int pid : pids) {
            Member known = members.get(pid);
            if (known != null && !known.gone) {
                continue;
            }
            ProcEntry e = candidate(pid, notBeforeTicks);
            if (e != null && claims(target, e, proc.environ(pid))) {
                found.add(e);
            }
        }
        return found;
    }

    /**
     * The first half of the rule, without reading an environment: {@code pid} may be an escapee of a tree whose
     * root started at {@code notBefore} if it is not init nor this JVM, is alive (no zombie), started at or
     * after the root and belongs to this JVM's user (only those are ours to read and to kill), and is not one of the
     * agent's own processes. Null if not.
     */
    public ProcEntry candidate(int pid, long notBeforeTicks) {
        if (pid <= 1 || pid == self) {
            return null;
        }
        ProcEntry e = ProcTable.read(proc, pid);
        if (e == null || e.isZombie() || e.startTime < notBeforeTicks || proc.uid(pid) != selfUid
                || started.hiddenChildren().contains(e)) { // the agent's own: the exitKill guard
            return null;
        }
        return e;
    }

    /**
     * Adds to {@code byCookie} (the processes left of each of several starts, by the start's cookie) every live
     * process that carries that cookie or one minted beneath it, by the escapee search's own rule: same user,
     * started at or after {@code notBefore}. One pass over /proc for all of them.
     */
    public void addCookieCarriers(Map<String, Set<Long>> byCookie, long notBeforeTicks) {
        for (int pid : proc.pids()) {
            ProcEntry e = candidate(pid, notBeforeTicks);
            if (e == null) {
                continue;
            }
            // Its own start's cookie, or one a nested agent JVM minted beneath it (see Cookies).
            for (String c = Cookies.in(proc.environ(pid)); c != null; c = Cookies.parentOf(c)) {
                Set<Long> owner = byCookie.get(c);
                if (owner != null) {
                    owner.add((long) pid);
                    break;
                }
            }
        }
    }

    /**
     * Whether {@code child}, a child of this JVM, opted out: with cookies on, it carries a cookie set on purpose
     * ({@link dev.treekill.agent.starts.CookieIssuer#isOptOut}). Such a child outlives exitKill.
     */
    public boolean optedOut(ProcEntry child) {
        return cookies.on() && started.cookies().isOptOut(Cookies.in(proc.environ(child.pid)));
    }

    private boolean claims(Target target, ProcEntry e, String environ) {
        if (environ == null) {
            return false; // gone, or unreadable: nothing proves it ours
        }
        String cookie = Cookies.in(environ);
        boolean ours = started.cookies().isOurs(cookie);
        if (ours || started.cookies().isOptOut(cookie)) {
            // One of ours decides (the target's own, or one a nested JVM minted beneath it); any other is an
            // opt-out (or a stranger's).
            if (!target.allDescendants()) {
                return Cookies.isBeneath(cookie, target.cookie());
            }
            return ours && !(target.sparesMarked() && started.isSpared(cookie));
        }
        // No cookie, or only the one this JVM inherited (which every process it did not tag carries): only
        // as an orphan adopted here can it be one of ours.
        if (!adoption.adopts() || e.ppid != self) {
            return false;
        }
        // A start under way may have forked it (a child shows the JVM's environment until its exec, and has no record
        // before the JDK knows its pid): the JDK's then, not one target's orphan (every tree takes it all the same).
        // Asked before the record: a start records its child before it counts as ended.
        boolean mayBeAStartsChild = !target.allDescendants() && started.anyStartInFlight();
        if (mayBeAStartsChild || started.startedByJdk(e.pid)) {
            return false;
        }
        return target.allDescendants()
                || (takesCookielessOrphans(target) && started.onlyPossibleOrigin(target.record(), e.startTime));
    }
}
