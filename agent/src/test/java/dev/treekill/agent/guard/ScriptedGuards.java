package dev.treekill.agent.guard;

import dev.treekill.agent.proc.FakeProc;
import java.util.List;

/**
 * Guards over a scripted pipe (JvmDeathGuardTest.ScriptedPipes) for the tests of other packages: the launcher's
 * guard runs at once, and every line the JVM writes into a pipe is recorded ({@link #writes}: "fd line").
 */
public final class ScriptedGuards {
    private static final int GUARD_PID = 777;
    private final JvmDeathGuardTest.ScriptedPipes pipes = new JvmDeathGuardTest.ScriptedPipes();
    private final FakeProc proc = new FakeProc().put(GUARD_PID, 1, 'S', 1, 500, "java");

    /** A new guard, not started: ensureRunning launches it. */
    public JvmDeathGuard newGuard() {
        JvmDeathGuard.Launcher launcher = readFd -> () -> new JvmDeathGuard.Launched(GUARD_PID, 500);
        return new JvmDeathGuard(launcher, () -> pipes, proc, true);
    }

    /** Every line written so far into a guard's pipe, "fd line\n". */
    public List<String> writes() {
        return List.copyOf(pipes.writes);
    }
}
