package dev.treekill.agent.guard;

import dev.treekill.agent.log.Log;
import dev.treekill.agent.options.Settings;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.NativeAccess;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * This JVM's side of the guard: a separate process that kills what the JVM started once the JVM is gone,
 * however it died. The JVM makes a pipe and keeps its write end, the only one there is; the guard blocks reading
 * the other end, and end-of-file is the JVM's death (the kernel closes every descriptor of a dying process,
 * whoever killed it). Started at the first process start, before that start forks: the pipe and the guard's
 * launcher (one process start, a few milliseconds) come first, so the read end is held outside the JVM before any
 * process of the application exists, and the guard's boot (a JVM: 0.2-2 s) happens while the application runs.
 * Each start tells the guard its root ({@code root <pid> <start ticks>}), so that trees are killed with
 * {@code cookie=false} too, and the tree below a root is killed even where a process cleared its environment.
 * Looked at before every start (one /proc read) and started again, with a warning, if it died; the new guard is
 * told the roots of before. The guard is not this JVM's child (it is started through a process that exits at
 * once), carries a cookie of its own (an opt-out: no kill of this JVM takes it) and leaves the JVM's session. Not
 * started where the JVM is PID 1: the kernel ends the namespace with it.
 */
public final class JvmDeathGuard {
    /** How many spared starts' cookies a guard remembers (and the JVM keeps for a guard not made yet). */
    public static final int SPARED_CAPACITY = SparedCookies.CAPACITY;

    /** The guard's TREEKILL_COOKIE: not one of this JVM's, so no tree kill, killDescendants or exit kill takes it. */
    public static final String GUARD_COOKIE = "treekill-guard";
    /** The line the JVM writes when its exit kill is done: what is left was started by the shutdown itself. */
    static final String STAND_DOWN = "done";
    /** What a spared start's cookie the guard was not told means. */
    private static final String TAKES_SPARED = "a JVM killed abruptly may take that start's processes with it";
    /** After a failed start, the next attempt waits this long: a failing start per process start would be a storm. */
    private static final long RETRY_AFTER_NANOS = TimeUnit.SECONDS.toNanos(10);

    private enum State { IDLE, LAUNCHING, RUNNING, FAILED, STOOD_DOWN, OFF }

    /** Starts what starts a guard whose stdin is the read end {@code readFd}, without waiting for the guard. */
    interface Launcher {
        Spawned spawn(int readFd) throws Exception;
    }

    /** A guard on its way: its launcher runs, and holds the read end. */
    interface Spawned {
        /** Waits (bounded) until the guard runs; it, or an exception. */
        Launched awaitGuard() throws Exception;

        /** Nobody will wait for this guard (no thread to do it): lets go of what the launch holds. */
        default void abandoned() {
        }
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

    /** Makes treekill-guard-start, a daemon: it never holds up the JVM's exit (standDown() does not need it). */
    private static final class StartThreads implements ThreadFactory {
        static final StartThreads INSTANCE = new StartThreads();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "treekill-guard-start");
            t.setDaemon(true);
            return t;
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
    private final ThreadFactory threads;
    private final Supplier<PipeCalls> pipes;
    private final ProcSource proc;
    /** The roots started so far (finished ones dropped when it fills): a new guard is told them all. */
    private final Roots roots;
    /** The cookies of the starts the JVM spared: a new guard is told them too. */
    private final SparedCookies spared = new SparedCookies();
    private State state;
    private volatile Running running;
    /** The pipe of the guard being started (state LAUNCHING), else null. */
    private GuardPipe launching;
    private long failedAtNanos;
    /** A root was not told or not remembered: logged once. */
    private boolean lossLogged;

    JvmDeathGuard(Launcher launcher, Supplier<PipeCalls> pipes, ProcSource proc, boolean on) {
        this(launcher, pipes, proc, on, StartThreads.INSTANCE);
    }

    /** {@code threads}: makes the thread that waits for a guard's boot (tests: one that cannot start). */
    JvmDeathGuard(Launcher launcher, Supplier<PipeCalls> pipes, ProcSource proc, boolean on, ThreadFactory threads) {
        this.threads = threads;
        this.launcher = launcher;
        this.pipes = pipes;
        this.proc = proc;
        this.roots = new Roots(proc, Roots.CAPACITY);
        this.state = on ? State.IDLE : State.OFF;
    }

    /**
     * The guard of this JVM; one that never starts where the JVM is PID 1, off Linux, or where the agent's jar
     * cannot be found. {@code exporter} exports a package of java.base to the agent (for the pipe's descriptors).
     */
    public static JvmDeathGuard forThisJvm(StartedProcesses started, Settings settings, Consumer<String> exporter) {
        if (ProcSource.selfPidInProc() == 1 || !NativeAccess.isLinux()) {
            return off();
        }
        GuardCommand command = GuardCommand.forThisJvm();
        if (command == null) {
            Log.warn("exitKill: cannot find the agent's jar; no guard, so a JVM killed abruptly leaves its trees");
            return off();
        }
        ProcSource proc = ProcSource.system();
        return new JvmDeathGuard(new GuardLauncher(started, settings, command, proc), new Supplier<PipeCalls>() {
            private PipeCalls calls;

            @Override
            public synchronized PipeCalls get() {
                if (calls == null) {
                    try {
                        calls = NioPipeCalls.create(exporter);
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        throw new IllegalStateException("no pipe descriptors on this JDK: " + e, e);
                    }
                }
                return calls;
            }
        }, proc, true);
    }

    private static JvmDeathGuard off() {
        return new JvmDeathGuard(null, null, ProcSource.system(), false);
    }

    /**
     * Before a process start forks: a guard must be on its way (the first start; or the guard died, which is
     * logged). The launcher is started here, on the starting thread, so that the pipe is held outside the JVM
     * before the start's child exists; the wait for the guard's boot happens on a thread of its own.
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
            launch();
        }
    }

    /** Opens the pipe and starts the launcher (under the lock: concurrent starts wait these few milliseconds). */
    private void launch() {
        GuardPipe pipe = null;
        Spawned spawned;
        try {
            pipe = GuardPipe.open(pipes.get());
            spawned = launcher.spawn(pipe.readFd());
        } catch (Throwable t) {
            if (pipe != null) {
                pipe.close();
            }
            state = State.FAILED;
            failedAtNanos = System.nanoTime();
            Log.warn("exitKill: cannot start the guard (a JVM killed abruptly would leave its trees); retrying at a "
                    + "later process start", t);
            return;
        }
        GuardPipe told = pipe;
        try {
            threads.newThread(new Runnable() {
                @Override
                public void run() {
                    awaitGuard(spawned, told);
                }
            }).start();
        } catch (Throwable e) { // OutOfMemoryError (no native thread): not stuck at LAUNCHING, retried later
            spawned.abandoned();
            pipe.close(); // end-of-file for the guard: confirms this JVM alive, and exits without killing
            state = State.FAILED;
            failedAtNanos = System.nanoTime();
            Log.warn("exitKill: cannot start the thread that waits for the guard; retrying at a later process start", e);
            return;
        }
        state = State.LAUNCHING;
        launching = pipe;
        for (Roots.Root root : roots.all()) {
            tell(pipe, root); // a guard that replaces a dead one learns the roots of before
        }
        for (String cookie : spared.all()) {
            tellSpared(pipe, cookie);
        }
    }

    private void awaitGuard(Spawned spawned, GuardPipe pipe) {
        Launched guard = null;
        Throwable failure = null;
        try {
            guard = spawned.awaitGuard();
        } catch (Throwable t) {
            failure = t;
        }
        if (guard != null) {
            pipe.closeOnExec(); // here, not on the starting thread: it may wait for the native calls to load
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
        if (standingDown || guard == null) {
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

    /**
     * After a process start: the guard is told its root, the process at {@code pid} that started at
     * {@code startTicks} (clock ticks since boot). Never waits: a line the pipe cannot take now (full while the guard
     * boots, or the guard died) is dropped, logged once; a new guard is told every root remembered.
     */
    public synchronized void rootStarted(long pid, long startTicks) {
        if (state == State.OFF || state == State.STOOD_DOWN) {
            return;
        }
        Roots.Root root = new Roots.Root(pid, startTicks);
        if (!roots.add(root)) {
            lost("more than " + Roots.CAPACITY + " process trees run; root " + root + " is not remembered");
        }
        GuardPipe pipe = running != null ? running.pipe : launching;
        if (pipe != null) {
            tell(pipe, root);
        }
    }

    private void tell(GuardPipe pipe, Roots.Root root) {
        if (!pipe.tell(root.line())) {
            lost("cannot tell the guard of root " + root + " (its pipe is full or it is gone)");
        }
    }

    /**
     * Before a spared start forks (one begun once shutdown had begun): the guard is told its {@code cookie}, and
     * spares whatever carries it or one minted beneath it, as the exit kill does, should the JVM die before it
     * stands the guard down. Never waits on the pipe; a line it cannot take now is logged once.
     */
    public synchronized void startSpared(String cookie) {
        if (state == State.OFF || state == State.STOOD_DOWN) {
            return;
        }
        if (SparedCookies.parse(SparedCookies.line(cookie)) == null) {
            lost("cookie " + cookie + " is not one a guard can be told", TAKES_SPARED);
            return;
        }
        if (!spared.add(cookie)) {
            lost("more than " + SparedCookies.CAPACITY + " starts were spared; " + cookie + " is not remembered",
                    TAKES_SPARED);
        }
        GuardPipe pipe = running != null ? running.pipe : launching;
        if (pipe != null) {
            tellSpared(pipe, cookie);
        }
    }

    private void tellSpared(GuardPipe pipe, String cookie) {
        if (!pipe.tell(SparedCookies.line(cookie))) {
            lost("cannot tell the guard to spare " + cookie + " (its pipe is full or it is gone)", TAKES_SPARED);
        }
    }

    /** With cookies the guard still finds what such a root started by cookie; without, its tree would outlive a death. */
    private void lost(String what) {
        lost(what, "a JVM killed abruptly may leave that tree");
    }

    /** Logged once (warning), then at debug: {@code what} went wrong, {@code consequence} follows from it. */
    private void lost(String what, String consequence) {
        if (!lossLogged) {
            lossLogged = true;
            Log.warn("exitKill: " + what + "; " + consequence + " (logged once)");
        } else {
            Log.debug("exitKill: " + what);
        }
    }

    /**
     * The JVM's exit kill is done: the guard exits without killing, and none is started again. Whatever the
     * state, {@code done} is written into the pipe (never waiting; a full pipe is emptied first, see
     * GuardPipe#standDown), so a guard still starting, whose start thread dies when the JVM halts, reads it before
     * end-of-file.
     */
    public void standDown() {
        GuardPipe told;
        synchronized (this) {
            told = running != null ? running.pipe : launching;
            state = State.STOOD_DOWN;
            running = null;
        }
        if (told != null) {
            if (!told.standDown(STAND_DOWN)) {
                Log.debug("cannot tell the guard to stand down: it is gone, or its pipe was taken");
            }
            told.close();
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
}
