package dev.treekill.agent.guard;

import dev.treekill.agent.log.Log;
import dev.treekill.agent.options.Settings;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.NativeAccess;
import dev.treekill.agent.sys.Syscalls;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * This JVM's side of the guard: a separate process that kills what the JVM started once the JVM is gone,
 * however it died. The JVM makes a pipe and keeps its write end, close-on-exec, the only one there is; the
 * guard blocks reading the other end, and end-of-file is the JVM's death (the kernel closes every descriptor
 * of a dying process, whoever killed it). Started with the first process start, off its thread; looked at
 * after every start (one /proc read) and started again, with a warning, if it died. The guard is not this
 * JVM's child (it is started through a process that exits at once), carries a cookie of its own (an opt-out:
 * no kill of this JVM takes it) and leaves the JVM's session. Not started where the JVM is PID 1: the kernel
 * ends the namespace with it, nor with {@code cookie=false}.
 */
public final class JvmDeathGuard {
    /** The guard's TREEKILL_COOKIE: not one of this JVM's, so no tree kill, killDescendants or exit kill takes it. */
    public static final String GUARD_COOKIE = "treekill-guard";
    /** The one line the JVM writes: its exit kill is done, what is left was started by the shutdown itself. */
    static final String STAND_DOWN = "done";
    /** After a failed start, the next attempt waits this long: a failing start per process start would be a storm. */
    private static final long RETRY_AFTER_NANOS = TimeUnit.SECONDS.toNanos(10);

    private enum State { IDLE, LAUNCHING, RUNNING, FAILED, STOOD_DOWN, OFF }

    /** Starts a guard whose stdin is the read end {@code readFd}; returns it once it runs. */
    interface Launcher {
        Launched start(int readFd) throws Exception;
    }

    /** A guard process just started: its pid and start time (clock ticks since boot). */
    static final class Launched {
        final int pid;
        final long startTicks;

        Launched(int pid, long startTicks) {
            this.pid = pid;
            this.startTicks = startTicks;
        }
    }

    /** A guard that runs, and the pipe it reads. */
    private static final class Running {
        final Launched guard;
        final GuardPipe pipe;

        Running(Launched guard, GuardPipe pipe) {
            this.guard = guard;
            this.pipe = pipe;
        }
    }

    private final Launcher launcher;
    private final Supplier<Syscalls> sys;
    private final ProcSource proc;
    private State state;
    private volatile Running running;
    /** The pipe of the guard being started (state LAUNCHING, once the pipe exists), else null. */
    private GuardPipe launching;
    private long failedAtNanos;

    JvmDeathGuard(Launcher launcher, Supplier<Syscalls> sys, ProcSource proc, boolean on) {
        this.launcher = launcher;
        this.sys = sys;
        this.proc = proc;
        this.state = on ? State.IDLE : State.OFF;
    }

    /**
     * The guard of this JVM; one that never starts where the JVM is PID 1, off Linux, with {@code cookie=false}
     * (the guard finds what to kill by its cookies), or where the agent's jar cannot be found.
     */
    public static JvmDeathGuard forThisJvm(StartedProcesses started, Settings settings) {
        if (ProcSource.selfPidInProc() == 1 || !NativeAccess.isLinux()) {
            return off();
        }
        if (!settings.options().cookie()) {
            Log.info("exitKill with cookie=false: no guard (it finds what to kill by cookie); a JVM killed abruptly "
                    + "leaves its trees");
            return off();
        }
        GuardCommand command = GuardCommand.forThisJvm();
        if (command == null) {
            Log.warn("exitKill: cannot find the agent's jar; no guard, so a JVM killed abruptly leaves its trees");
            return off();
        }
        ProcSource proc = ProcSource.system();
        return new JvmDeathGuard(new GuardLauncher(started, settings, command, proc), NativeAccess::syscalls, proc,
                true);
    }

    private static JvmDeathGuard off() {
        return new JvmDeathGuard(null, NativeAccess::syscalls, ProcSource.system(), false);
    }

    /**
     * After a process start: starts the guard if none runs (the first start; or it died, which is logged). The
     * start itself does not wait: the guard is started on a thread of its own.
     */
    public void ensureRunning() {
        Running r = running;
        if (r != null && isAlive(r)) {
            return;
        }
        synchronized (this) {
            if (state == State.LAUNCHING || state == State.OFF || state == State.STOOD_DOWN
                    || (state == State.FAILED && System.nanoTime() - failedAtNanos < RETRY_AFTER_NANOS)) {
                return;
            }
            if (state == State.RUNNING) {
                if (running != null && isAlive(running)) {
                    return;
                }
                Log.warn("the exitKill guard (pid " + (running == null ? "?" : running.guard.pid)
                        + ") is gone; starting a new one");
                if (running != null) {
                    running.pipe.close();
                }
                running = null;
            }
            state = State.LAUNCHING;
        }
        Thread t = new Thread(new Runnable() {
            @Override
            public void run() {
                launch();
            }
        }, "treekill-guard-start");
        t.setDaemon(true); // never holds up the JVM's exit: standDown() does not need it (see there)
        t.start();
    }

    /**
     * The JVM's exit kill is done: the guard exits without killing, and none is started again. Whatever the
     * state, {@code done} is written into the pipe (never waiting: it is non-blocking, and a line fits an empty
     * pipe's buffer), so a guard still starting, whose start thread dies when the JVM halts, reads it before
     * end-of-file. The write end of a guard still starting is left to that start (or to the kernel at the halt):
     * closed now, the launcher's open of the read end would wait for a writer.
     */
    public void standDown() {
        GuardPipe told;
        boolean wasRunning;
        synchronized (this) {
            wasRunning = state == State.RUNNING && running != null;
            told = wasRunning ? running.pipe : launching;
            state = State.STOOD_DOWN;
            running = null;
        }
        if (told != null) {
            told.tell(STAND_DOWN);
            if (wasRunning) {
                told.close();
            }
        }
    }

    /** The guard's pid, or -1 when none runs. */
    public int pid() {
        Running r = running;
        return r == null ? -1 : r.guard.pid;
    }

    private boolean isAlive(Running r) {
        ProcEntry now = ProcTable.read(proc, r.guard.pid);
        return now != null && now.startTime == r.guard.startTicks && !now.isZombie();
    }

    private void launch() {
        GuardPipe pipe = null;
        Launched guard = null;
        Throwable failure = null;
        try {
            pipe = GuardPipe.open(sys.get());
            synchronized (this) {
                if (state == State.STOOD_DOWN) { // the exit kill finished before the pipe existed: start nothing
                    pipe.closeReadEnd();
                    pipe.close();
                    return;
                }
                launching = pipe;
            }
            guard = launcher.start(pipe.readFd());
        } catch (Throwable t) {
            failure = t;
        } finally {
            if (pipe != null) {
                pipe.closeReadEnd();
            }
        }
        boolean standingDown;
        synchronized (this) {
            launching = null;
            standingDown = state == State.STOOD_DOWN;
            if (!standingDown) {
                state = guard != null ? State.RUNNING : State.FAILED;
                failedAtNanos = System.nanoTime();
                running = guard != null ? new Running(guard, pipe) : null;
            }
        }
        if (pipe != null && (standingDown || guard == null)) {
            pipe.close(); // stood down: `done` is in the pipe already, and the guard reads it before end-of-file
        }
        if (failure != null && !standingDown) {
            Log.warn("exitKill: cannot start the guard (a JVM killed abruptly would leave its trees); retrying at a "
                    + "later process start", failure);
        } else if (failure != null) {
            Log.debug("exit kill done while the guard was starting, whose start failed: " + failure);
        } else if (guard != null && !standingDown && Log.enabled(Log.Level.INFO)) {
            Log.info("exitKill guard started: pid " + guard.pid);
        }
    }
}
