package dev.treekill.agent.hook;

/**
 * What the patched JDK methods call. It sits on the boot class path because java.lang.ProcessImpl can
 * only see classes there. It never throws into the application except a {@link TreeSurvivorsException}.
 */
public final class Hooks {
    public static final int PROCESS_DESTROY = 0;
    public static final int PROCESS_DESTROY_FORCIBLY = 1;
    public static final int HANDLE_DESTROY = 2;
    public static final int HANDLE_DESTROY_FORCIBLY = 3;

    /** Receives the calls; installed once by the agent. */
    public interface Handler {
        /** Before the JDK's method: returns a token for {@link #exit}, or null when there is nothing to wait for. */
        Object enter(Object processOrHandle, int kind) throws Exception;

        /** After the JDK's method returned. */
        void exit(Object token) throws Exception;

        /** An internal failure: count it, log it, never rethrow. */
        void failed(Throwable t);
    }

    /** Receives the starts of processes; installed once by the agent. */
    public interface Starts {
        /** ProcessImpl.start begins. */
        void starting();

        /** The JDK is about to fork the child: it may exist from here on. */
        void forking();

        /** The environment block of the child being started, with what the agent adds to it. */
        byte[] environmentBlock(byte[] block, int[] envc);

        /** ProcessImpl.start returned {@code process}. */
        void started(Process process);

        /** ProcessImpl.start threw. */
        void startFailed();
    }

    /** Takes the agent's own processes out of the JDK's lists of processes; installed by the agent with exitKill. */
    public interface Listings {
        /** See {@link Hooks#processPids}; returns the new count. */
        int hide(int count, long queriedPid, long[] pids, long[] ppids, long[] startTimes);
    }

    private static volatile Handler handler;
    /** Null unless the agent has processes of its own to hide (exitKill): then a list costs one volatile read. */
    private static volatile Listings listings;
    private static volatile Starts starts;
    /** Set while the hooks are off on a thread: in a hook, or in an engine call (see {@link #suspend}). */
    private static final ThreadLocal<Boolean> ACTIVE = new ThreadLocal<>();

    private Hooks() {
    }

    /** Returns false if a handler is installed already (the agent was loaded twice). */
    public static synchronized boolean install(Handler h, Starts s) {
        if (handler != null) {
            return false;
        }
        handler = h;
        starts = s;
        return true;
    }

    /** Installs what hides the agent's own processes from the JDK's lists (once: a second call is ignored). */
    public static synchronized void hideFromListings(Listings l) {
        if (listings == null) {
            listings = l;
        }
    }

    public static boolean installed() {
        return handler != null;
    }

    /**
     * Turns the hooks off on this thread, until {@link #resume}: a kill must not turn each
     * ProcessHandle.destroy*() the engine calls itself (the portable engine, the cold path) into a tree kill of its
     * own. Returns whether they were off already, for {@link #resume}. Used by {@link HooksOffEngine} only.
     */
    static boolean suspend() {
        boolean wasOff = ACTIVE.get() != null;
        ACTIVE.set(Boolean.TRUE);
        return wasOff;
    }

    /** Ends a {@link #suspend}: the hooks are on again on this thread unless they were off before it. */
    static void resume(boolean wasOff) {
        if (!wasOff) {
            ACTIVE.remove();
        }
    }

    public static Object enter(Object processOrHandle, int kind) {
        Handler h = handler;
        if (h == null || ACTIVE.get() != null) {
            return null;
        }
        ACTIVE.set(Boolean.TRUE);
        try {
            return h.enter(processOrHandle, kind);
        } catch (Throwable t) {
            report(h, t);
            return null;
        } finally {
            ACTIVE.remove();
        }
    }

    public static void exit(Object token) {
        Handler h = handler;
        if (token == null || h == null) {
            return;
        }
        ACTIVE.set(Boolean.TRUE);
        try {
            h.exit(token);
        } catch (TreeSurvivorsException asked) {
            throw asked;
        } catch (Throwable t) {
            report(h, t);
        } finally {
            ACTIVE.remove();
        }
    }

    private static void report(Handler h, Throwable t) {
        try {
            if (h != null) {
                h.failed(t);
            }
        } catch (Throwable ignored) {
            // Nothing may reach the application from here, not even a failing log.
        }
    }

    public static void starting() {
        Starts s = starts;
        if (s != null) {
            try {
                s.starting();
            } catch (Throwable t) {
                report(handler, t);
            }
        }
    }

    public static void forking() {
        Starts s = starts;
        if (s != null) {
            try {
                s.forking();
            } catch (Throwable t) {
                report(handler, t);
            }
        }
    }

    /**
     * Called with the map ProcessImpl.start was given (null: inherit the JVM's environment) and a fresh copy
     * of the JVM's environment; returns the map to build the child's environment block from.
     */
    public static java.util.Map<String, String> environment(java.util.Map<String, String> given,
            java.util.Map<String, String> inherited) {
        return given == null && starts != null ? inherited : given;
    }

    public static byte[] environmentBlock(byte[] block, int[] envc) {
        Starts s = starts;
        if (s == null || block == null) {
            return block;
        }
        try {
            return s.environmentBlock(block, envc);
        } catch (Throwable t) {
            report(handler, t);
            return block;
        }
    }

    public static void started(Object process) {
        Starts s = starts;
        if (s != null) {
            try {
                s.started((Process) process);
            } catch (Throwable t) {
                report(handler, t);
            }
        }
    }

    public static void startFailed() {
        Starts s = starts;
        if (s != null) {
            try {
                s.startFailed();
            } catch (Throwable t) {
                report(handler, t);
            }
        }
    }

    /**
     * Called by the patched ProcessHandleImpl with what its native {@code getProcessPids0(queriedPid, pids, ppids,
     * startTimes)} returned ({@code count}, the arrays filled); returns the count the JDK goes on with, the arrays
     * compacted to it. Whatever fails, the JDK's own answer.
     */
    public static int processPids(int count, long queriedPid, long[] pids, long[] ppids, long[] startTimes) {
        Listings l = listings;
        if (l == null) {
            return count;
        }
        try {
            return l.hide(count, queriedPid, pids, ppids, startTimes);
        } catch (Throwable t) {
            report(handler, t);
            return count;
        }
    }
}
