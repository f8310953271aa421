package dev.treekill.mbeans;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.mbeans.JmxFixture.Via;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.management.Attribute;
import javax.management.AttributeNotFoundException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Bad input gets a clear error that survives the trip to a remote client: the implementation's
 * IllegalArgumentException (here the contract's checks as FakeBackend makes them, before anything is
 * recorded) reaches a proxy as itself and a raw client as the root cause. That the agent's implementation
 * makes those checks before its engine is JmxBackendTest's.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TreeKillerBeanRefusalTest {
    private static final ObjectName NAME = TreeKillerBean.objectName();

    @RegisterExtension
    final JmxFixture jmx = new JmxFixture();

    /**
     * A raw client (jmxterm, Jolokia, JConsole) gets the IllegalArgumentException wrapped by JMX;
     * its message must be somewhere in the chain and the root cause must be the original.
     */
    private static void assertRawRefusal(String reason, Executable call) {
        Throwable thrown = assertThrows(Exception.class, call);
        StringBuilder messages = new StringBuilder();
        Throwable root = thrown;
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            messages.append(t).append('\n');
            root = t;
        }
        assertTrue(messages.toString().contains(reason), messages::toString);
        assertEquals(reason, assertInstanceOf(IllegalArgumentException.class, root).getMessage());
    }

    private static void assertProxyRefusal(String reason, Executable call) {
        assertEquals(reason, assertThrows(IllegalArgumentException.class, call).getMessage());
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void theBackendsReasonForARefusedPidReachesTheClient(Via via) throws Exception {
        TreeKillerMXBean proxy = jmx.proxy(via);
        MBeanServerConnection connection = jmx.connection(via);
        assertProxyRefusal(FakeBackend.REFUSAL, () -> proxy.killTree(1, 5_000));
        assertProxyRefusal(FakeBackend.REFUSAL, () -> proxy.killTree(1));
        assertProxyRefusal(FakeBackend.REFUSAL, () -> proxy.terminateTree(1, 1_000));
        assertRawRefusal(FakeBackend.REFUSAL,
                () -> connection.invoke(NAME, "terminateTree", new Object[] {1L, 0L}, new String[] {"long", "long"}));
        assertRawRefusal(FakeBackend.REFUSAL,
                () -> connection.invoke(NAME, "killTree", new Object[] {1L, 5_000L}, new String[] {"long", "long"}));
        assertRawRefusal(FakeBackend.REFUSAL.replace("pid 1", "pid 0"),
                () -> connection.invoke(NAME, "describeTree", new Object[] {0L}, new String[] {"long"}));
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void nonPositiveTimeoutsAreRefusedWithTheContractsReason(Via via) throws Exception {
        TreeKillerMXBean proxy = jmx.proxy(via);
        MBeanServerConnection connection = jmx.connection(via);
        assertProxyRefusal("timeoutMillis must be more than zero, was 0", () -> proxy.killTree(4242, 0));
        assertProxyRefusal("timeoutMillis must be more than zero, was -5", () -> proxy.killDescendants(-5));
        assertRawRefusal("timeoutMillis must be more than zero, was -1",
                () -> connection.invoke(NAME, "killTree", new Object[] {4242L, -1L}, new String[] {"long", "long"}));
        assertRawRefusal("timeoutMillis must be more than zero, was 0",
                () -> connection.invoke(NAME, "killDescendants", new Object[] {0L}, new String[] {"long"}));
        assertEquals(List.of(), jmx.backend.calls, "nothing reached the backend");
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void negativeGraceIsRefusedWithTheContractsReason(Via via) throws Exception {
        TreeKillerMXBean proxy = jmx.proxy(via);
        MBeanServerConnection connection = jmx.connection(via);
        assertProxyRefusal("graceMillis must not be negative, was -1", () -> proxy.terminateTree(4242, -1));
        assertRawRefusal("graceMillis must not be negative, was -500",
                () -> connection.invoke(NAME, "terminateTree", new Object[] {4242L, -500L}, new String[] {"long", "long"}));
        assertEquals(List.of(), jmx.backend.calls, "nothing reached the backend");
        assertNull(proxy.getLastKill(), "nothing was killed");
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void nonPositiveReapTimeoutAndWarnDelayAreRefused(Via via) throws Exception {
        TreeKillerMXBean proxy = jmx.proxy(via);
        MBeanServerConnection connection = jmx.connection(via);
        assertProxyRefusal("reapTimeoutMillis must be more than zero, was 0", () -> proxy.setReapTimeoutMillis(0));
        assertRawRefusal("reapTimeoutMillis must be more than zero, was -1",
                () -> connection.setAttribute(NAME, new Attribute("ReapTimeoutMillis", -1L)));
        assertProxyRefusal("warnAfterMillis must be more than zero, was -3", () -> proxy.setWarnAfterMillis(-3));
        assertRawRefusal("warnAfterMillis must be more than zero, was 0",
                () -> connection.setAttribute(NAME, new Attribute("WarnAfterMillis", 0L)));
        assertEquals(List.of(), jmx.backend.calls, "nothing reached the backend");
        assertEquals(30_000L, connection.getAttribute(NAME, "ReapTimeoutMillis"));
        assertEquals(10_000L, connection.getAttribute(NAME, "WarnAfterMillis"));
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void scopeCannotBeSetThroughJmx(Via via) throws Exception {
        MBeanServerConnection connection = jmx.connection(via);
        assertThrows(AttributeNotFoundException.class,
                () -> connection.setAttribute(NAME, new Attribute("Scope", "user")));
        assertEquals("descendants", connection.getAttribute(NAME, "Scope"));
    }
}
