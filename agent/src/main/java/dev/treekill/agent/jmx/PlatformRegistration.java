package dev.treekill.agent.jmx;

import dev.treekill.agent.log.Log;
import dev.treekill.mbeans.TreeKillerBackend;
import dev.treekill.mbeans.TreeKillerBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * Registers the MBean in the platform MBeanServer without creating it: creating it costs ~100 ms and
 * initialises java.util.logging, which breaks applications that install their own LogManager later.
 * A daemon thread watches (cheaply, without creating anything) for somebody else to create it: JConsole
 * or the CLI attaching, -Dcom.sun.management.jmxremote, or the application itself. Nothing global is
 * changed, so the application's JMX works exactly as without the agent.
 */
public final class PlatformRegistration {
    /** Tells the CLI, through the Attach API, that the MBean will appear once JMX starts. */
    public static final String STATE_PROPERTY = "treekill.jmx";
    /** The first look waits out the JVM's start-up, so that loading JMX classes competes with nothing. */
    private static final long FIRST_LOOK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long FAST_WATCH_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long FAST_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long SLOW_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private static volatile TreeKillerBackend pending;

    private PlatformRegistration() {
    }

    /** Registers once the platform MBeanServer exists, or at once when {@code now} (the JVM is running already). */
    public static void register(TreeKillerBackend backend, boolean now) {
        pending = backend;
        System.setProperty(STATE_PROPERTY, "pending");
        Thread t = new Thread(new Runnable() {
            @Override
            public void run() {
                if (!now) {
                    awaitPlatformServer();
                }
                registerPending();
            }
        }, "treekill-jmx");
        t.setDaemon(true);
        t.start();
    }

    /** Polls the servers MBeanServerFactory knows (a lookup, never a creation) for the platform one. */
    private static void awaitPlatformServer() {
        long start = System.nanoTime();
        LockSupport.parkNanos(FIRST_LOOK_NANOS);
        ObjectName runtime = name("java.lang:type=Runtime"); // the platform server always has it
        while (true) {
            for (MBeanServer server : MBeanServerFactory.findMBeanServer(null)) {
                if (server.isRegistered(runtime)) {
                    return;
                }
            }
            boolean early = System.nanoTime() - start < FAST_WATCH_NANOS;
            LockSupport.parkNanos(early ? FAST_INTERVAL_NANOS : SLOW_INTERVAL_NANOS);
        }
    }

    private static synchronized void registerPending() {
        TreeKillerBackend backend = pending;
        if (backend == null) {
            return;
        }
        pending = null;
        try {
            // The server exists: this returns it (waiting, if its creator is still filling it in).
            TreeKillerBean bean = TreeKillerBean.register(ManagementFactory.getPlatformMBeanServer(), backend);
            Runtime.getRuntime().addShutdownHook(new Thread(new Runnable() {
                @Override
                public void run() {
                    bean.unregister();
                }
            }, "treekill-jmx-unregister"));
            System.setProperty(STATE_PROPERTY, "registered");
            Log.info("MBean registered as " + TreeKillerBean.objectName());
        } catch (Throwable t) {
            System.setProperty(STATE_PROPERTY, "failed");
            Log.warn("cannot register the MBean", t);
        }
    }

    private static ObjectName name(String text) {
        try {
            return new ObjectName(text);
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }
}
