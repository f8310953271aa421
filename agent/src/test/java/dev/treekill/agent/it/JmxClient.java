package dev.treekill.agent.it;

import com.sun.tools.attach.VirtualMachine;
import dev.treekill.mbeans.TreeKillerMXBean;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import javax.management.JMX;
import javax.management.MBeanServerConnection;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * A real remote JMX client of a JVM on this machine, reached the way JConsole does it: the Attach API
 * starts the target's local management agent, then an RMI connector connects to its address.
 */
final class JmxClient implements AutoCloseable {
    static final ObjectName NAME = objectName();

    final String address;
    final JMXConnector connector;
    final MBeanServerConnection server;

    private JmxClient(String address, JMXConnector connector) throws IOException {
        this.address = address;
        this.connector = connector;
        this.server = connector.getMBeanServerConnection();
    }

    /** The JMX service URL of {@code pid}'s local management agent, started on demand through the Attach API. */
    static String localAddress(long pid) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
        try {
            return vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
    }

    /**
     * Connects to {@code pid} as a scripted client does: one look, at once, for the TreeKiller MBean, which must
     * be there (the agent registers it while the platform MBeanServer is being created).
     */
    static JmxClient connect(long pid) throws Exception {
        String address = localAddress(pid);
        JmxClient client = new JmxClient(address, JMXConnectorFactory.connect(new JMXServiceURL(address)));
        if (!client.server.isRegistered(NAME)) {
            client.close();
            throw new AssertionError(NAME + " is not registered in JVM " + pid + " at the first look after connecting");
        }
        return client;
    }

    /** A typed proxy, as a Java client of the documented interface uses it. */
    TreeKillerMXBean proxy() {
        return JMX.newMXBeanProxy(server, NAME, TreeKillerMXBean.class, true);
    }

    Object get(String attribute) throws Exception {
        return server.getAttribute(NAME, attribute);
    }

    /** A pid that names no process now (and most likely not for the next seconds: the highest free one). */
    static long freePid() throws IOException {
        // Not Files.readAllBytes: on some kernels its second, positioned read of a sysctl file returns nothing.
        long max = Long.parseLong(Files.readAllLines(Paths.get("/proc/sys/kernel/pid_max")).get(0).trim());
        for (long pid = max - 1; pid > 300; pid--) {
            Path proc = Paths.get("/proc", Long.toString(pid));
            if (!Files.exists(proc) && ProcessHandle.of(pid).isEmpty()) {
                return pid;
            }
        }
        throw new IllegalStateException("no free pid below " + max);
    }

    private static ObjectName objectName() {
        try {
            return new ObjectName(TreeKillerMXBean.OBJECT_NAME);
        } catch (MalformedObjectNameException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Override
    public void close() {
        try {
            connector.close();
        } catch (IOException ignored) {
            // the target may be gone already
        }
    }
}
