package dev.treekill.mbeans;

import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.NotCompliantMBeanException;
import javax.management.Notification;
import javax.management.NotificationBroadcasterSupport;
import javax.management.ObjectName;
import javax.management.StandardEmitterMBean;

/**
 * The registered TreeKiller MXBean: a {@link TreeKillerBackend} (the implementation of {@link TreeKillerMXBean},
 * called as it is: it checks its own input) exposed with what JMX needs beside it: registration under
 * {@value TreeKillerMXBean#OBJECT_NAME}, the descriptions, parameter names and impacts generic JMX clients display
 * ({@link MBeanDocs}), and the {@value TreeKillerMXBean#REAP_TIMEOUT_NOTIFICATION} notification. Create it with
 * {@link #register}; remove it with {@link #unregister}.
 */
public final class TreeKillerBean extends StandardEmitterMBean {
    private static final ObjectName NAME = parse(TreeKillerMXBean.OBJECT_NAME);
    /** Idle time after which the notification thread ends, so an idle agent keeps no thread. */
    private static final long NOTIFY_THREAD_IDLE_SECONDS = 30;

    private final MBeanServer server;
    private final TreeKillerBackend backend;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicBoolean unregistered = new AtomicBoolean();

    private TreeKillerBean(MBeanServer server, TreeKillerBackend backend) throws NotCompliantMBeanException {
        super(backend, TreeKillerMXBean.class, true, newBroadcaster());
        this.server = server;
        this.backend = backend;
    }

    /** The ObjectName {@value TreeKillerMXBean#OBJECT_NAME}. */
    public static ObjectName objectName() {
        return NAME;
    }

    /**
     * Registers a bean for the backend under {@link #objectName()} and makes the backend report its
     * timed-out kills to it. One bean per backend: the backend has a single listener slot.
     *
     * @throws IllegalStateException if the server refuses the registration (e.g. the name is taken);
     *     the backend is then left untouched
     */
    public static TreeKillerBean register(MBeanServer server, TreeKillerBackend backend) {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(backend, "backend");
        try {
            TreeKillerBean bean = new TreeKillerBean(server, backend);
            server.registerMBean(bean, NAME);
            backend.setTimeoutListener(bean::reapTimedOut);
            return bean;
        } catch (JMException e) {
            throw new IllegalStateException("cannot register " + NAME + ": " + e, e);
        }
    }

    /**
     * Detaches the backend's timeout listener and removes the bean from its server. Safe to call
     * more than once and after a client already unregistered the bean; never throws, because it
     * runs on shutdown and failure paths where nothing better can be done.
     */
    public void unregister() {
        if (!unregistered.compareAndSet(false, true)) {
            return;
        }
        try {
            backend.setTimeoutListener(null);
        } catch (RuntimeException ignored) {
            // the backend is going away anyway; removing the bean below matters more
        }
        try {
            server.unregisterMBean(NAME);
        } catch (JMException | RuntimeException ignored) {
            // already unregistered (by a client or a previous failure): the goal is reached
        }
    }

    /** Called by the backend, possibly concurrently, for every kill whose wait timed out. */
    private void reapTimedOut(KillReport report) {
        long[] survivors = report.getSurvivors();
        String message = String.format(Locale.ROOT, "tree of pid %d: %d %s still alive after %d ms",
                report.getRootPid(), survivors.length, survivors.length == 1 ? "process" : "processes",
                Math.round(report.getElapsedMillis()));
        // The source is the ObjectName, not this object: remote clients receive the source serialized.
        Notification notification = new Notification(TreeKillerMXBean.REAP_TIMEOUT_NOTIFICATION, NAME,
                sequence.incrementAndGet(), System.currentTimeMillis(), message);
        notification.setUserData(survivors);
        sendNotification(notification);
    }

    /**
     * Delivers on a private daemon thread rather than the caller's: the caller is often the
     * application thread inside destroyForcibly(), which must not run (or wait for) listener code.
     */
    private static NotificationBroadcasterSupport newBroadcaster() {
        MBeanNotificationInfo info = new MBeanNotificationInfo(
                new String[] {TreeKillerMXBean.REAP_TIMEOUT_NOTIFICATION}, Notification.class.getName(),
                "A tree kill's wait hit its timeout. The message names the root pid; userData holds the pids "
                        + "still alive (long[]).");
        ThreadPoolExecutor executor = new ThreadPoolExecutor(0, 1, NOTIFY_THREAD_IDLE_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, "treekill-jmx-notifications");
                    thread.setDaemon(true);
                    return thread;
                });
        return new NotificationBroadcasterSupport(executor, info);
    }

    private static ObjectName parse(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Override
    protected String getDescription(MBeanInfo info) {
        return MBeanDocs.BEAN;
    }

    @Override
    protected String getDescription(MBeanAttributeInfo info) {
        return MBeanDocs.attribute(info.getName());
    }

    @Override
    protected String getDescription(MBeanOperationInfo info) {
        return MBeanDocs.operation(info.getName(), info.getSignature().length);
    }

    @Override
    protected String getDescription(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        return MBeanDocs.parameter(op.getName(), sequence);
    }

    @Override
    protected String getParameterName(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        return MBeanDocs.parameterName(op.getName(), sequence);
    }

    @Override
    protected int getImpact(MBeanOperationInfo info) {
        return MBeanDocs.impact(info.getName());
    }
}
