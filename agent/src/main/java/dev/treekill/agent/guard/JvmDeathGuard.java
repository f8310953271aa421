package dev.treekill.agent.guard;

import dev.treekill.agent.kill.StartedProcesses;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.options.Settings;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.NativeAccess;
import dev.treekill.agent.sys.Syscalls;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
    private static final long LAUNCH_LIMIT_SECONDS = 30;
    /** The guard must not load this agent again, nor the application's JVM options. */
    private static final String[] JVM_OPTION_VARIABLES = {"JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"};

    private enum State { IDLE, LAUNCHING, RUNNING, FAILED, STOOD_DOWN, OFF }

    /** A guard that runs: its pid and start time (clock ticks), and the write end of its pipe. */
    private static final class Running {
        final int pid;
        final long startTicks;
        final int writeFd;

        Running(int pid, long startTicks, int writeFd) {
            this.pid = pid;
            this.startTicks = startTicks;
            this.writeFd = writeFd;
        }
    }

    private final StartedProcesses started;
    private final Settings settings;
    private final GuardCommand command;
    private final ProcSource proc;
    private State state;
    private volatile Running running;
    private long failedAtNanos;

    JvmDeathGuard(StartedProcesses started, Settings settings, GuardCommand command, ProcSource proc, boolean on) {
        this.started = started;
        this.settings = settings;
        this.command = command;
        this.proc = proc;
        this.state = on ? State.IDLE : State.OFF;
    }

    /**
     * The guard of this JVM; one that never starts where the JVM is PID 1, off Linux, with {@code cookie=false}
     * (the guard finds what to kill by its cookies), or where the agent's jar cannot be found.
     */
    public static JvmDeathGuard forThisJvm(StartedProcesses started, Settings settings) {
        if (ProcSource.selfPidInProc() == 1 || !NativeAccess.isLinux()) {
            return new JvmDeathGuard(started, settings, null, ProcSource.system(), false);
        }
        if (!settings.options().cookie()) {
            Log.info("exitKill with cookie=false: no guard (it finds what to kill by cookie); a JVM killed abruptly "
                    + "leaves its trees");
            return new JvmDeathGuard(started, settings, null, ProcSource.system(), false);
        }
        GuardCommand command = GuardCommand.forThisJvm();
        if (command == null) {
            Log.warn("exitKill: cannot find the agent's jar; no guard, so a JVM killed abruptly leaves its trees");
        }
        return new JvmDeathGuard(started, settings, command, ProcSource.system(), command != null);
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
                Log.warn("the exitKill guard (pid " + (running == null ? "?" : running.pid)
                        + ") is gone; starting a new one");
                forget(running);
            }
            state = State.LAUNCHING;
        }
        Thread t = new Thread(new Runnable() {
            @Override
            public void run() {
                launch();
            }
        }, "treekill-guard-start");
        t.setDaemon(true);
        t.start();
    }

    /** The JVM's exit kill is done: the guard exits without killing, and none is started again. */
    public void standDown() {
        Running r;
        synchronized (this) {
            r = state == State.RUNNING ? running : null;
            state = State.STOOD_DOWN;
            running = null;
        }
        if (r != null) {
            tell(r, STAND_DOWN);
            forget(r);
        }
    }

    /** The guard's pid, or -1 when none runs. */
    public int pid() {
        Running r = running;
        return r == null ? -1 : r.pid;
    }

    private boolean isAlive(Running r) {
        ProcEntry now = ProcTable.read(proc, r.pid);
        return now != null && now.startTime == r.startTicks && !now.isZombie();
    }

    private void launch() {
        Running r = null;
        try {
            r = startGuard();
        } catch (Throwable t) {
            Log.warn("exitKill: cannot start the guard (a JVM killed abruptly would leave its trees); retrying at a "
                    + "later process start", t);
        }
        boolean standingDown;
        synchronized (this) {
            standingDown = state == State.STOOD_DOWN;
            if (!standingDown) {
                state = r != null ? State.RUNNING : State.FAILED;
                failedAtNanos = System.nanoTime();
                running = r;
            }
        }
        if (r != null && standingDown) { // the exit kill finished while the guard was starting
            tell(r, STAND_DOWN);
            forget(r);
        } else if (r != null && Log.enabled(Log.Level.INFO)) {
            Log.info("exitKill guard started: pid " + r.pid);
        }
    }

    /** Starts the guard through a process that exits at once, and returns it once it runs. */
    private Running startGuard() throws ErrnoException, IOException, InterruptedException {
        Syscalls sys = NativeAccess.syscalls();
        int self = sys.selfPid();
        ProcEntry me = ProcTable.read(proc, self);
        if (me == null) {
            throw new IllegalStateException("cannot read /proc/" + self + "/stat");
        }
        GuardOrders orders = new GuardOrders(self, me.startTime, started.cookieFamily(), Log.level(),
                settings.timeoutMillis(), settings.warnMillis());
        int[] pipe = sys.openPipe();
        boolean handedOver = false;
        try {
            ProcessBuilder pb = new ProcessBuilder(command.launch(orders, GuardCommand.shellAvailable()));
            Map<String, String> env = pb.environment();
            for (String variable : JVM_OPTION_VARIABLES) {
                env.remove(variable);
            }
            env.put(StartedProcesses.COOKIE_VARIABLE, GUARD_COOKIE);
            pb.directory(new File("/")); // holds no file system busy
            // Opening /proc/self/fd/N of a pipe opens that very pipe: the child gets its read end as stdin.
            pb.redirectInput(new File("/proc/self/fd/" + pipe[0]));
            pb.redirectError(ProcessBuilder.Redirect.INHERIT);
            Process between = pb.start();
            String pid;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(between.getInputStream(),
                    StandardCharsets.ISO_8859_1))) {
                pid = out.readLine();
            }
            if (!between.waitFor(LAUNCH_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                between.destroyForcibly();
                throw new IllegalStateException("the guard's launcher did not exit");
            }
            if (pid == null) {
                throw new IllegalStateException("the guard's launcher exited with " + between.exitValue()
                        + " and no pid");
            }
            int guardPid = Integer.parseInt(pid.trim());
            ProcEntry guard = ProcTable.read(proc, guardPid);
            if (guard == null || guard.isZombie()) {
                throw new IllegalStateException("the guard (pid " + guardPid + ") exited at once");
            }
            handedOver = true;
            return new Running(guardPid, guard.startTime, pipe[1]);
        } finally {
            sys.closeFd(pipe[0]);
            if (!handedOver) {
                sys.closeFd(pipe[1]);
            }
        }
    }

    private static void tell(Running r, String line) {
        try {
            NativeAccess.syscalls().write(r.writeFd, (line + "\n").getBytes(StandardCharsets.ISO_8859_1));
        } catch (ErrnoException | RuntimeException e) {
            Log.debug("cannot tell the guard '" + line + "': " + e);
        }
    }

    /** Closes the write end: a guard that still runs sees end-of-file (and, not told to stand down, kills). */
    private static void forget(Running r) {
        if (r != null) {
            NativeAccess.syscalls().closeFd(r.writeFd);
        }
    }
}
