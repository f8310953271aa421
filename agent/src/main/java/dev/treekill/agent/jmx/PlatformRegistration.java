package dev.treekill.agent.jmx;

import dev.treekill.agent.log.Log;
import dev.treekill.mbeans.TreeKillerBackend;
import dev.treekill.mbeans.TreeKillerBean;
import java.lang.management.ManagementFactory;

/**
 * Registers the MBean in the platform MBeanServer without creating it: creating it costs ~100 ms and
 * initialises java.util.logging, which breaks applications that install their own LogManager later.
 * So the MBean is registered when somebody else creates the platform server: JConsole or the CLI
 * attaching, -Dcom.sun.management.jmxremote, or the application itself.
 */
public final class PlatformRegistration {
    public static final String BUILDER_PROPERTY = "javax.management.builder.initial";
    public static final String BUILDER_CLASS = "dev.treekill.agent.jmx.RegisteringBuilder";
    private static volatile TreeKillerBackend pending;

    private PlatformRegistration() {
    }

    /** Registers when the platform MBeanServer gets created, or {@code now} (on a thread of its own). */
    public static void register(TreeKillerBackend backend, boolean now) {
        pending = backend;
        if (now) {
            registerSoon();
        } else if (System.getProperty(BUILDER_PROPERTY) == null) {
            System.setProperty(BUILDER_PROPERTY, BUILDER_CLASS); // a name, so the class loads only if JMX starts
        } else {
            Log.info(BUILDER_PROPERTY + " is set by the application: registering the MBean now");
            registerSoon();
        }
        if (System.getProperty("com.sun.management.jmxremote") != null
                || System.getProperty("com.sun.management.jmxremote.port") != null) {
            registerSoon(); // the JVM's own JMX agent may have created the platform server before us
        }
    }

    /** On a thread of its own: the creating thread holds ManagementFactory's lock until the server is complete. */
    static void registerSoon() {
        Thread t = new Thread(PlatformRegistration::register, "treekill-jmx");
        t.setDaemon(true);
        t.start();
    }

    private static synchronized void register() {
        TreeKillerBackend backend = pending;
        if (backend == null) {
            return;
        }
        pending = null;
        try {
            TreeKillerBean bean = TreeKillerBean.register(ManagementFactory.getPlatformMBeanServer(), backend);
            Runtime.getRuntime().addShutdownHook(new Thread(bean::unregister, "treekill-jmx-unregister"));
            Log.info("MBean registered as " + TreeKillerBean.objectName());
        } catch (Throwable t) {
            Log.warn("cannot register the MBean", t);
        }
    }
}
