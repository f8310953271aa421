package dev.treekill.agent.hook;

import dev.treekill.agent.exit.ExitKill;
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
    /** With exitKill=true: starts once shutdown has begun are marked, and the guard is kept running. Else null. */
    private final ExitKill exit;
    /** The cookie of the start under way on this thread: set on entry, added to the block, recorded on return. */
    private final ThreadLocal<String> pending = new ThreadLocal<>();
    /** The number of the start under way on this thread. */
    private final ThreadLocal<long[]> sequence = new ThreadLocal<long[]>() {
        @Override
        protected long[] initialValue() {
            return new long[1];
        }
    };

    public StartHooks(StartedProcesses started, boolean cookies) {
        this(started, cookies, null);
    }

    public StartHooks(StartedProcesses started, boolean cookies, ExitKill exit) {
        this.started = started;
        this.cookies = cookies;
        this.exit = exit;
    }

    @Override
    public void starting() {
        if (exit != null && !started.startingAgentsOwn()) {
            exit.beforeStart(); // first: it may start the guard's launcher, a start of its own, on this thread
        }
        sequence.get()[0] = 0;
        if (cookies) {
            pending.set(started.newCookie());
        } else {
            pending.remove();
        }
    }

    @Override
    public void forking() {
        long seq = started.forking();
        sequence.get()[0] = seq;
        if (exit != null && exit.shutdownBegun()) {
            started.startingDuringShutdown(seq, pending.get());
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
        if (given != null && optedOut(given)) {
            pending.remove();
            return block;
        }
        String with = Environ.without(environ, VARIABLE) + VARIABLE + "=" + cookie + "\0";
        envc[0] = Environ.count(with);
        return with.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * A cookie set on purpose by whoever built the ProcessBuilder: neither the one this JVM inherited nor one
     * this JVM handed out (copied from another child's environment, say).
     */
    private boolean optedOut(String given) {
        if (started.isOurs(given)) {
            return false;
        }
        String inherited;
        try {
            inherited = System.getenv(VARIABLE);
        } catch (SecurityException e) {
            inherited = null;
        }
        if (inherited == null) {
            return true;
        }
        // The block holds bytes; System.getenv decoded them with the platform's charset.
        return !inherited.equals(new String(given.getBytes(StandardCharsets.ISO_8859_1), platformCharset()));
    }

    private static java.nio.charset.Charset platformCharset() {
        try {
            return java.nio.charset.Charset.forName(System.getProperty("sun.jnu.encoding"));
        } catch (RuntimeException e) {
            return java.nio.charset.Charset.defaultCharset();
        }
    }

    @Override
    public void started(Process process) {
        String cookie = pending.get();
        pending.remove();
        started.started(sequence.get()[0], process, cookie);
        if (exit != null && !started.startingAgentsOwn()) { // the guard's own start must not start a guard
            exit.afterStart(process);
        }
    }

    @Override
    public void startFailed() {
        pending.remove();
        started.startFailed(sequence.get()[0]);
    }
}
