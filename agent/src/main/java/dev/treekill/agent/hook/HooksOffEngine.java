package dev.treekill.agent.hook;

import dev.treekill.agent.engine.Deadline;
import dev.treekill.agent.engine.Engine;
import dev.treekill.agent.engine.KillResult;
import dev.treekill.agent.engine.PendingKill;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.proc.ProcEntry;
import java.util.List;

/**
 * The "hooks off" rule in one place: every call that may signal runs with the hooks off on its thread, so that a
 * ProcessHandle.destroy*() the engine makes itself (the portable engine, the cold path's JDK kill) is not turned
 * into a tree kill of its own. The agent's wiring hands out the engine wrapped in this; the engine knows nothing
 * of hooks. No lambdas: the first kill is timed (see TreeKillAgent).
 */
public final class HooksOffEngine implements Engine {
    private final Engine engine;

    public HooksOffEngine(Engine engine) {
        this.engine = engine;
    }

    @Override
    public PendingKill kill(Target target, Trigger trigger) {
        boolean wasOff = Hooks.suspend();
        try {
            return engine.kill(target, trigger);
        } finally {
            Hooks.resume(wasOff);
        }
    }

    @Override
    public PendingKill terminate(Target target, Trigger trigger) {
        boolean wasOff = Hooks.suspend();
        try {
            return engine.terminate(target, trigger);
        } finally {
            Hooks.resume(wasOff);
        }
    }

    @Override
    public PendingKill snapshot(Target target, Trigger trigger) {
        boolean wasOff = Hooks.suspend();
        try {
            return engine.snapshot(target, trigger);
        } finally {
            Hooks.resume(wasOff);
        }
    }

    @Override
    public KillResult await(PendingKill kill, Deadline deadline) {
        boolean wasOff = Hooks.suspend();
        try {
            return engine.await(kill, deadline);
        } finally {
            Hooks.resume(wasOff);
        }
    }

    @Override
    public KillResult escalate(PendingKill terminated, long graceMillis, Deadline deadline) {
        boolean wasOff = Hooks.suspend();
        try {
            return engine.escalate(terminated, graceMillis, deadline);
        } finally {
            Hooks.resume(wasOff);
        }
    }

    @Override
    public void release(PendingKill kill) {
        engine.release(kill);
    }

    @Override
    public int reapOrphans() {
        return engine.reapOrphans();
    }

    @Override
    public Target identify(ProcessHandle handle) {
        return engine.identify(handle);
    }

    @Override
    public Target identify(long pid) {
        return engine.identify(pid);
    }

    @Override
    public List<ProcEntry> describe(long rootPid) {
        return engine.describe(rootPid);
    }

    @Override
    public List<ProcEntry> ownDescendants() {
        return engine.ownDescendants();
    }

    @Override
    public String refusal(long pid) {
        return engine.refusal(pid);
    }
}
