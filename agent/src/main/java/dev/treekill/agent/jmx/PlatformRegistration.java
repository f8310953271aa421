package dev.treekill.agent.jmx;

import dev.treekill.agent.log.Log;
import dev.treekill.mbeans.TreeKillerBackend;
import dev.treekill.mbeans.TreeKillerBean;
import java.lang.reflect.Field;
import javax.management.MBeanServer;

/**
 * Puts the MBean into the platform MBeanServer at the moment that server is created, never creating it:
 * creating it costs ~100 ms and initialises java.util.logging, which breaks applications that install
 * their own LogManager later. {@link PlatformServerPatcher} makes {@code getPlatformMBeanServer()} hand
 * every server it returns to {@link #serverReady} while it still holds ManagementFactory's class lock, so
 * whoever creates the server (the JDK's management agent for jcmd, the Attach API, JConsole or
 * {@code -Dcom.sun.management.jmxremote}; Jolokia; the application) registers the MBean before the
 * server reaches anybody. Nothing global is set, and no thread is started.
 */
public final class PlatformRegistration {
    /** The name of ManagementFactory's field that holds the platform server (JDK 11 to 25). */
    private static final String SERVER_FIELD = "platformMBeanServer";

    /**
     * The backend whose MBean is still to be registered: set once, taken once (under this class's lock). Not an
     * AtomicReference: its VarHandle would cost premain about a millisecond.
     */
    private static volatile TreeKillerBackend pending;

    private PlatformRegistration() {
    }

    /** The MBean for {@code backend} goes into the platform server once somebody obtains it. */
    public static synchronized void expect(TreeKillerBackend backend) {
        pending = backend;
    }

    /**
     * Called by the patched {@code ManagementFactory.getPlatformMBeanServer()}, on every call, right before it
     * returns {@code server}, holding ManagementFactory's class lock. The first call registers the MBean;
     * every other call (and a re-entrant one from inside the registration) costs one volatile read. Never
     * throws: this runs inside the application's call.
     */
    public static void serverReady(MBeanServer server) {
        if (pending == null) {
            return;
        }
        TreeKillerBackend backend = take();
        if (backend != null && server != null) {
            register(server, backend);
        }
    }

    private static synchronized TreeKillerBackend take() {
        TreeKillerBackend backend = pending;
        pending = null;
        return backend;
    }

    /**
     * For a ManagementFactory that was loaded (and possibly used) before it was patched: under dynamic attach,
     * or after another agent's premain created the server. Holding the class lock of the static synchronized
     * getPlatformMBeanServer, nobody is creating the server meanwhile: if it exists, it is registered in now;
     * if not, its creation runs the patched method. Needs java.lang.management opened to this module.
     */
    public static void registerIfServerExists(Class<?> managementFactory) {
        try {
            Field field = managementFactory.getDeclaredField(SERVER_FIELD);
            field.setAccessible(true);
            synchronized (managementFactory) {
                Object server = field.get(null);
                if (server instanceof MBeanServer) {
                    serverReady((MBeanServer) server);
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            Log.warn("cannot tell whether the platform MBeanServer exists (" + e + "): the MBean is registered the"
                    + " next time somebody obtains it");
        }
    }

    private static void register(MBeanServer server, TreeKillerBackend backend) {
        try {
            TreeKillerBean bean = TreeKillerBean.register(server, backend);
            unregisterAtExit(bean);
            if (Log.enabled(Log.Level.INFO)) {
                Log.info("MBean registered as " + TreeKillerBean.objectName());
            }
        } catch (Throwable t) {
            try {
                Log.warn("cannot register the MBean", t);
            } catch (Throwable ignored) {
                // Nothing may reach the application's getPlatformMBeanServer() call.
            }
        }
    }

    /** A server created during shutdown cannot take a hook: the bean then goes with the JVM. */
    private static void unregisterAtExit(TreeKillerBean bean) {
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(new Runnable() {
                @Override
                public void run() {
                    bean.unregister();
                }
            }, "treekill-jmx-unregister"));
        } catch (IllegalStateException shuttingDown) {
            // nothing to undo
        }
    }
}
