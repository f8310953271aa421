package dev.treekill.agent.hook;

import dev.treekill.agent.proc.Environ;
import dev.treekill.agent.starts.CookieIssuer;
import dev.treekill.agent.starts.Cookies;
import dev.treekill.agent.starts.StartedProcesses;
import java.nio.charset.StandardCharsets;

/**
 * What ProcessImpl.start does with the agent: every start is registered (so that the orphan reaper never
 * takes a child the JDK waits for), and with cookies on, every child gets its own TREEKILL_COOKIE. A child
 * whose ProcessBuilder sets another TREEKILL_COOKIE than the JVM's own has opted out and keeps it
 * ({@link CookieIssuer#isOptOut}).
 */
public final class StartHooks implements Hooks.Starts {
    /**
     * Told of starts by the hooks, for whoever needs more than the registry (the exit kill): whether a start now is
     * to be marked spared, and that a start of the application's (not the agent's own) returned its Process.
     */
    public interface Observer {
        /** Whether a start beginning now is to be marked spared (see {@link StartedProcesses#markSpared}). */
        boolean sparesStartsNow();

        /** A start marked spared, handed {@code cookie}, is about to fork (on the starting thread, before the fork). */
        void startSpared(String cookie);

        /** A start of the application's is about to fork (called on the starting thread, before the fork). */
        void beforeStart();

        /** A start of the application's returned its Process. */
        void afterStart(Process process);
    }

    private final StartedProcesses started;
    private final boolean cookies;
    /** Null when nobody else is told of starts. */
    private final Observer observer;
    /** The start under way on this thread: its cookie (set on entry, added to the block, recorded on return) and number. */
    private final ThreadLocal<StartUnderWay> current = new ThreadLocal<StartUnderWay>() {
        @Override
        protected StartUnderWay initialValue() {
            return new StartUnderWay();
        }
    };

    /** One thread's start in progress; reused for each start on that thread. */
    private static final class StartUnderWay {
        /** The cookie for the child, or null: none (cookies off, or the child opted out). */
        String cookie;
        /** The start's number from {@link StartedProcesses#forking}, or {@link #NOT_FORKED}. */
        long seq;
    }

    /** A start that has not forked (yet): the registry's "no number". */
    private static final long NOT_FORKED = 0;

    public StartHooks(StartedProcesses started, boolean cookies) {
        this(started, cookies, null);
    }

    public StartHooks(StartedProcesses started, boolean cookies, Observer observer) {
        this.started = started;
        this.cookies = cookies;
        this.observer = observer;
    }

    @Override
    public void starting() {
        if (observer != null && !started.listeners().agentsOwnOnThisThread()) {
            observer.beforeStart(); // first: it may start the guard's launcher, a start of its own, on this thread
        }
        StartUnderWay start = current.get();
        start.seq = NOT_FORKED;
        start.cookie = cookies ? started.cookies().mint() : null;
    }

    @Override
    public void forking() {
        StartUnderWay start = current.get();
        start.seq = started.forking();
        if (observer != null && observer.sparesStartsNow()) {
            started.markSpared(start.seq, start.cookie);
            if (start.cookie != null) {
                observer.startSpared(start.cookie);
            }
        }
    }

    @Override
    public byte[] environmentBlock(byte[] block, int[] envc) {
        StartUnderWay start = current.get();
        String cookie = start.cookie;
        if (cookie == null) {
            return block;
        }
        // One char per byte: names and values the JDK holds as bytes come back unchanged.
        String environ = new String(block, StandardCharsets.ISO_8859_1);
        String given = Environ.valueOf(environ, Cookies.VARIABLE);
        if (started.cookies().isOptOut(given)) {
            start.cookie = null;
            return block;
        }
        String with = Environ.without(environ, Cookies.VARIABLE) + Cookies.VARIABLE + "=" + cookie + "\0";
        envc[0] = Environ.count(with);
        return with.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void started(Process process) {
        StartUnderWay start = current.get();
        String cookie = start.cookie;
        start.cookie = null;
        started.started(start.seq, process, cookie);
        if (observer != null && !started.listeners().agentsOwnOnThisThread()) { // the guard's own start must not start a guard
            observer.afterStart(process);
        }
    }

    @Override
    public void startFailed() {
        StartUnderWay start = current.get();
        start.cookie = null;
        started.startFailed(start.seq);
    }
}
