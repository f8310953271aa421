package dev.treekill.agent.machine;

import dev.treekill.agent.engine.Engine;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.linux.TreeKiller;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.portable.PortableTreeKiller;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.reaping.Adoption;
import dev.treekill.agent.starts.CookieMode;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.NativeAccess;
import dev.treekill.agent.sys.Syscalls;

/** Picks the engine this machine supports. */
public final class Engines {
    private Engines() {
    }

    /** The Linux engine when /proc and the native calls work here, else the portable one. */
    public static Engine forThisMachine(KillStats stats) {
        Syscalls sys = linuxSyscalls(true);
        return sys == null ? new PortableTreeKiller(stats)
                : new TreeKiller(sys, ProcSource.system(), stats, new StartedProcesses(), Adoption.forThisJvm(false),
                        CookieMode.OFF);
    }

    /**
     * The same, for the agent: {@code started} are the processes the JDK started here (with cookies or not);
     * {@code adoption} whether orphans come to this JVM.
     */
    public static Engine forThisMachine(KillStats stats, StartedProcesses started, Adoption adoption, CookieMode cookies) {
        Syscalls sys = linuxSyscalls(true);
        return sys == null ? new PortableTreeKiller(stats, started)
                : new TreeKiller(sys, ProcSource.system(), stats, started, adoption, cookies);
    }

    /** Whether the Linux engine works here (then a subreaper's orphans can be reaped). */
    public static boolean linuxEngineWorks() {
        return linuxSyscalls(false) != null;
    }

    /** The native calls, when /proc and they can be used here; else null, with a warning if {@code tell}. */
    private static Syscalls linuxSyscalls(boolean tell) {
        if (!NativeAccess.isLinux()) {
            return null;
        }
        try {
            Syscalls sys = NativeAccess.syscalls();
            if (procShows(sys.selfPid())) {
                return sys;
            }
            if (tell) {
                Log.warn("/proc shows another PID namespace than this JVM's (mount it for the namespace, e.g. "
                        + "unshare --mount-proc); using the portable engine");
            }
        } catch (IllegalStateException e) {
            if (tell) {
                Log.warn("using the portable engine (no freezing, no zombie awareness)", e.getCause());
            }
        }
        return null;
    }

    /** Whether /proc belongs to this JVM's PID namespace: pids read there must be the pids we signal. */
    private static boolean procShows(int selfPid) {
        return ProcSource.selfPidInProc() == selfPid;
    }
}
