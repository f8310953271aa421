package dev.treekill.agent.cli;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.AgentLoadException;
import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import dev.treekill.mbeans.TreeKillerMXBean;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import javax.management.JMX;
import javax.management.MBeanServerConnection;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/** A JVM on this machine reached through the Attach API: no JMX port, no authentication setup. */
final class JvmConnection implements AutoCloseable {
    private final JMXConnector connector;
    private final MBeanServerConnection server;

    private JvmConnection(JMXConnector connector) throws IOException {
        this.connector = connector;
        this.server = connector.getMBeanServerConnection();
    }

    /** Loads this jar as an agent into {@code pid}; returns that JVM's java.specification.version. */
    static String loadAgent(long pid, String options) throws ConnectException {
        VirtualMachine vm = attach(pid);
        try {
            String version = vm.getSystemProperties().getProperty("java.specification.version", "0");
            vm.loadAgent(ownJar(), options);
            return version;
        } catch (AgentInitializationException e) {
            throw new ConnectException("the agent refused to start in JVM " + pid + " (bad options or already loaded"
                    + " with others? see that JVM's stderr): " + e.getMessage(), e);
        } catch (AgentLoadException | IOException e) {
            throw new ConnectException("cannot load the agent into JVM " + pid + ": " + e.getMessage(), e);
        } finally {
            detach(vm);
        }
    }

    /**
     * Connects to the local management agent of {@code pid} (started on demand) and checks, once, that the
     * MBean is there: an agent with jmx=true registers it while the platform MBeanServer is created.
     */
    static JvmConnection open(long pid) throws ConnectException {
        VirtualMachine vm = attach(pid);
        String address;
        try {
            address = vm.startLocalManagementAgent();
        } catch (IOException e) {
            throw new ConnectException("cannot start the management agent of JVM " + pid + ": " + e.getMessage(), e);
        } finally {
            detach(vm);
        }
        try {
            JvmConnection c = new JvmConnection(JMXConnectorFactory.connect(new JMXServiceURL(address)));
            if (!c.server.isRegistered(name())) {
                c.close();
                throw new ConnectException("JVM " + pid + " has no " + TreeKillerMXBean.OBJECT_NAME
                        + " MBean: is the agent loaded (try 'attach " + pid + "') and jmx=true?", null);
            }
            return c;
        } catch (IOException e) {
            throw new ConnectException("cannot connect to JVM " + pid + " over JMX: " + e.getMessage(), e);
        }
    }

    TreeKillerMXBean treeKiller() {
        return JMX.newMXBeanProxy(server, name(), TreeKillerMXBean.class, true);
    }

    private static ObjectName name() {
        try {
            return new ObjectName(TreeKillerMXBean.OBJECT_NAME);
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
    }

    private static VirtualMachine attach(long pid) throws ConnectException {
        String notAJvm = JvmCheck.ofThisMachine().whyNotAJvm(pid);
        if (notAJvm != null) { // told at once, not after the Attach API's wait for a socket that never comes
            throw new ConnectException("cannot attach: " + notAJvm, null);
        }
        try {
            return VirtualMachine.attach(Long.toString(pid));
        } catch (AttachNotSupportedException | IOException e) {
            throw new ConnectException("cannot attach to JVM " + pid + " (no such JVM, another user's, or"
                    + " started with -XX:+DisableAttachMechanism): " + e.getMessage(), e);
        }
    }

    private static void detach(VirtualMachine vm) {
        try {
            vm.detach();
        } catch (IOException ignored) {
            // the target may have exited; nothing to release on our side
        }
    }

    private static String ownJar() throws ConnectException {
        try {
            return new File(JvmConnection.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            throw new ConnectException("cannot locate treekill-agent.jar", e);
        }
    }

    @Override
    public void close() {
        try {
            connector.close();
        } catch (IOException ignored) {
            // closing a connection to a JVM that went away
        }
    }

    static final class ConnectException extends Exception {
        private static final long serialVersionUID = 1L;

        ConnectException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
