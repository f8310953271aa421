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

    private static volatile Handler handler;
    private static volatile Starts starts;
    /** The engine itself uses ProcessHandle.destroy* (portable engine): those calls must not recurse. */
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

    public static boolean installed() {
        return handler != null;
    }

    /**
     * Runs {@code work} with the hooks off on this thread: a kill asked for over JMX must not turn each
     * ProcessHandle.destroyForcibly() of the portable engine into a tree kill of its own.
     */
    public static <T> T unhooked(java.util.function.Supplier<T> work) {
        Boolean outer = ACTIVE.get();
        ACTIVE.set(Boolean.TRUE);
        try {
            return work.get();
        } finally {
            if (outer == null) {
                ACTIVE.remove();
            }
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
}
