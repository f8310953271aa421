package dev.treekill.agent.hook;

import dev.treekill.agent.kill.StartedProcesses;
import dev.treekill.agent.proc.Environ;
import java.nio.charset.StandardCharsets;

/**
 * What ProcessImpl.start does with the agent: every start is registered (so that the orphan reaper never
 * takes a child the JDK waits for), and with cookies on, every child gets its own TREEKILL_COOKIE. A child
 * whose ProcessBuilder sets another TREEKILL_COOKIE than the JVM's own has opted out and keeps it.
 */
public final class StartHooks implements Hooks.Starts {
    private static final String VARIABLE = StartedProcesses.COOKIE_VARIABLE;

    private final StartedProcesses started;
    private final boolean cookies;
    /** The cookie of the start under way on this thread: set on entry, added to the block, recorded on return. */
    private final ThreadLocal<String> pending = new ThreadLocal<>();

    public StartHooks(StartedProcesses started, boolean cookies) {
        this.started = started;
        this.cookies = cookies;
    }

    @Override
    public void starting() {
        started.starting();
        if (cookies) {
            pending.set(started.newCookie());
        } else {
            pending.remove();
        }
    }

    @Override
    public byte[] environmentBlock(byte[] block, int[] envc) {
        String cookie = pending.get();
        if (cookie == null) {
            return block;
        }
        // One char per byte: names and values the JDK holds as bytes come back unchanged.
        String environ = new String(block, StandardCharsets.ISO_8859_1);
        String given = Environ.valueOf(environ, VARIABLE);
        if (given != null && !given.equals(System.getenv(VARIABLE))) {
            pending.remove(); // set on purpose by whoever built the ProcessBuilder: an opt-out
            return block;
        }
        String with = Environ.without(environ, VARIABLE) + VARIABLE + "=" + cookie + "\0";
        envc[0] = Environ.count(with);
        return with.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void started(Process process) {
        String cookie = pending.get();
        pending.remove();
        started.started(process, cookie);
    }

    @Override
    public void startFailed() {
        pending.remove();
        started.startFailed();
    }
}
