package dev.treekill.mbeans;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.rmi.server.RMIServerSocketFactory;
import java.util.Map;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.MBeanServerConnection;
import javax.management.MBeanServerFactory;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXConnectorServerFactory;
import javax.management.remote.JMXServiceURL;
import javax.management.remote.rmi.RMIConnectorServer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A FakeBackend's bean on a fresh MBeanServer, reachable both in-process and through a real RMI
 * connector on loopback (the path JConsole and VisualVM take, with serialization of every value); started before
 * each test and closed after it, as {@code @RegisterExtension final JmxFixture jmx = new JmxFixture();}.
 */
final class JmxFixture implements BeforeEachCallback, AfterEachCallback {
    /** How a test reaches the bean. */
    enum Via { LOCAL, REMOTE }

    static {
        // The RMI stub embedded in the connector address must name loopback, whatever the host name resolves to.
        System.setProperty("java.rmi.server.hostname", "127.0.0.1");
    }

    final FakeBackend backend = new FakeBackend();
    final MBeanServer server = MBeanServerFactory.newMBeanServer();
    final TreeKillerBean bean = TreeKillerBean.register(server, backend);
    private JMXConnectorServer connectorServer;
    private JMXConnector connector;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        RMIServerSocketFactory loopbackOnly = port -> new ServerSocket(port, 0, InetAddress.getLoopbackAddress());
        connectorServer = JMXConnectorServerFactory.newJMXConnectorServer(new JMXServiceURL("service:jmx:rmi://127.0.0.1/"),
                Map.of(RMIConnectorServer.RMI_SERVER_SOCKET_FACTORY_ATTRIBUTE, loopbackOnly), server);
        connectorServer.start();
        try {
            // No RMI registry needed: without a JNDI path the address carries the serialized stub.
            connector = JMXConnectorFactory.connect(connectorServer.getAddress());
        } catch (IOException e) {
            connectorServer.stop();
            throw e;
        }
    }

    MBeanServerConnection connection(Via via) throws IOException {
        return via == Via.LOCAL ? server : connector.getMBeanServerConnection();
    }

    TreeKillerMXBean proxy(Via via) throws IOException {
        return JMX.newMXBeanProxy(connection(via), TreeKillerBean.objectName(), TreeKillerMXBean.class);
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        try {
            if (connector != null) {
                connector.close();
            }
        } finally {
            try {
                if (connectorServer != null) { // null where beforeEach failed before it
                    connectorServer.stop();
                }
            } finally {
                bean.unregister();
            }
        }
    }
}
