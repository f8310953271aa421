package dev.treekill.agent.guard;

import dev.treekill.agent.log.Log;
import dev.treekill.agent.options.Settings;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.starts.Cookies;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.JvmOptionVariables;
import dev.treekill.agent.sys.NativeAccess;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Starts a guard process, its stdin the read end of the pipe, through a process that exits at once (so that the
 * guard is not this JVM's child): the launcher's start on the caller's thread, the wait for the guard on another.
 * The start is the agent's own (see StartedProcesses#asAgentsOwn): no start listener takes it for the application's,
 * and a launcher that stalls is destroyed by the JDK alone, not by a tree kill through the agent's hooks (which
 * would be counted and logged as the application's, and build the engine on this thread). Its stderr is this JVM's
 * only at {@code log=info} or {@code debug}: a caller that reads the JVM's stderr to its end (a shell's
 * {@code $(...)}, Python's communicate(), a CI runner) would otherwise wait for the guard, which outlives the
 * JVM by its own exit, or by its start-up when the JVM exits first.
 */
final class GuardLauncher implements JvmDeathGuard.Launcher {
    private static final long LAUNCH_LIMIT_SECONDS = 30;

    private final StartedProcesses started;
    private final Settings settings;
    private final GuardCommand command;
    private final ProcSource proc;

    GuardLauncher(StartedProcesses started, Settings settings, GuardCommand command, ProcSource proc) {
        this.started = started;
        this.settings = settings;
        this.command = command;
        this.proc = proc;
    }

    /** Where the guard's (and its launcher's) stderr goes: this JVM's when its lines were asked for, else nowhere. */
    static ProcessBuilder.Redirect stderrAt(Log.Level level) {
        return level == Log.Level.INFO || level == Log.Level.DEBUG ? ProcessBuilder.Redirect.INHERIT
                : ProcessBuilder.Redirect.DISCARD;
    }

    /**
     * Starts the guard's launcher, its stdin the read end {@code readFd}, and returns at once: from here on the
     * pipe is held outside this JVM, whatever the guard's boot time. A few milliseconds (one process start).
     */
    @Override
    public JvmDeathGuard.Spawned spawn(int readFd) throws Exception {
        int self = (int) ProcessHandle.current().pid(); // not getpid through JNA: it may not be loaded yet
        ProcEntry me = ProcTable.read(proc, self);
        if (me == null) {
            throw new IllegalStateException("cannot read /proc/" + self + "/stat");
        }
        GuardOrders orders = new GuardOrders(self, me.startTime, started.cookieFamily(), settings.options().cookie(),
                Log.level(), settings.timeoutMillis(), settings.warnMillis());
        ProcessBuilder pb = new ProcessBuilder(command.launch(orders, GuardCommand.shellAvailable()));
        Map<String, String> env = pb.environment();
        // The guard must not load this agent again, nor the application's JVM options.
        for (String variable : JvmOptionVariables.NAMES) {
            env.remove(variable);
        }
        env.put(Cookies.VARIABLE, JvmDeathGuard.GUARD_COOKIE);
        pb.directory(new File("/")); // holds no file system busy
        // Opening /proc/self/fd/N of a pipe opens that very pipe: the child gets its read end as stdin.
        pb.redirectInput(new File("/proc/self/fd/" + readFd));
        pb.redirectError(stderrAt(Log.level()));
        // The launcher, and the guard once the launcher exits where this JVM is a subreaper, would be our children.
        started.hiddenChildren().launching(JvmDeathGuard.GUARD_COOKIE);
        Process between;
        try {
            between = started.asAgentsOwn(new Callable<Process>() {
                @Override
                public Process call() throws Exception {
                    return pb.start();
                }
            });
        } catch (Exception | Error e) {
            started.hiddenChildren().launched();
            throw e;
        }
        hideLauncher(between);
        return new JvmDeathGuard.Spawned() {
            @Override
            public JvmDeathGuard.Launched awaitGuard() throws Exception {
                try {
                    return guardOf(between);
                } finally {
                    started.hiddenChildren().launched();
                }
            }

            @Override
            public void abandoned() {
                started.hiddenChildren().launched(); // else every later listing reads the children's environments
            }
        };
    }

    /**
     * Hides the launcher by pid and start time as soon as its start returns (it has exec'd: its environment carries
     * the guard's cookie), for as long as its guard is remembered: a listing whose snapshot caught the launcher, and
     * the guard under it, may be compacted after the launch is over, when the cookie is no longer looked for. A
     * launcher gone already (reaped) is in no listing taken from now on; a failure here leaves it to the cookie.
     * The entry read is hidden only if it is still the launcher: the JDK had not reaped it when the entry was read
     * (so its pid could not have been reused), or it carries the guard's cookie; else the pid may name someone else.
     */
    private void hideLauncher(Process between) {
        try {
            ProcEntry launcher = ProcTable.read(proc, (int) between.pid());
            // isAlive() is false only once the JDK's reaper has reaped it: read before, the entry is the launcher's.
            if (launcher != null && (between.isAlive() || carriesGuardCookie(proc, launcher))) {
                started.hiddenChildren().hide(launcher);
            }
        } catch (RuntimeException e) {
            Log.debug("cannot hide the guard's launcher by its pid: " + e);
        }
    }

    /**
     * Whether {@code entry} is a process this JVM's guard launch made (the launcher or the guard): its environment
     * carries {@link JvmDeathGuard#GUARD_COOKIE}, and the pid still names that same process after the environment
     * was read (else the environment may be a newcomer's under a reused pid). False for a zombie (no environment)
     * and for an entry gone or unreadable.
     */
    static boolean carriesGuardCookie(ProcSource proc, ProcEntry entry) {
        String environ = proc.environ(entry.pid);
        return JvmDeathGuard.GUARD_COOKIE.equals(Cookies.in(environ)) && entry.sameProcess(ProcTable.read(proc, entry.pid));
    }

    /** Waits (bounded) for the launcher to print the guard's pid and exit; the guard, once it runs. */
    private JvmDeathGuard.Launched guardOf(Process between) throws Exception {
        // Bounded first, read second: the launcher prints one short line (it fits the pipe) and exits, so a
        // launcher that stalls can never hold this thread, and with it every later guard start, forever.
        if (!between.waitFor(LAUNCH_LIMIT_SECONDS, TimeUnit.SECONDS)) {
            started.asAgentsOwn(new Callable<Process>() {
                @Override
                public Process call() {
                    return between.destroyForcibly(); // the JDK's SIGKILL to the launcher alone: no tree kill of ours
                }
            });
            throw new IllegalStateException("the guard's launcher did not exit");
        }
        String pid;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(between.getInputStream(),
                StandardCharsets.ISO_8859_1))) {
            pid = out.readLine();
        }
        if (pid == null) {
            throw new IllegalStateException("the guard's launcher exited with " + between.exitValue() + " and no pid");
        }
        int guardPid = Integer.parseInt(pid.trim());
        ProcEntry guard = ProcTable.read(proc, guardPid);
        if (guard == null || guard.isZombie()) {
            throw new IllegalStateException("the guard (pid " + guardPid + ") exited at once");
        }
        started.hiddenChildren().hide(guard);
        return new JvmDeathGuard.Launched(guardPid, guard.startTime);
    }
}
