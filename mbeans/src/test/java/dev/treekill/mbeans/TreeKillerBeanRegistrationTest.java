package dev.treekill.mbeans;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import javax.management.InstanceAlreadyExistsException;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** register/unregister as the agent uses them. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TreeKillerBeanRegistrationTest {
    private final MBeanServer server = MBeanServerFactory.newMBeanServer();
    private final FakeBackend backend = new FakeBackend();

    @Test
    void registersUnderTheContractNameAndWiresTheTimeoutListener() throws Exception {
        TreeKillerBean bean = TreeKillerBean.register(server, backend);
        ObjectName name = new ObjectName("dev.treekill:type=TreeKiller");
        assertEquals(name, TreeKillerBean.objectName());
        assertEquals(TreeKillerMXBean.OBJECT_NAME, name.toString());
        assertTrue(server.isRegistered(name));
        assertTrue(server.isInstanceOf(name, TreeKillerMXBean.class.getName()));
        assertEquals("true", server.getMBeanInfo(name).getDescriptor().getFieldValue("mxbean"));
        assertNotNull(backend.listener());
        bean.unregister();
    }

    @Test
    void aSecondRegistrationFailsAndLeavesTheFirstBeanWired() {
        TreeKillerBean first = TreeKillerBean.register(server, backend);
        FakeBackend other = new FakeBackend();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> TreeKillerBean.register(server, other));
        assertSame(InstanceAlreadyExistsException.class, e.getCause().getClass());
        assertNull(other.listener(), "a failed registration leaves the backend untouched");
        assertNotNull(backend.listener());
        assertTrue(server.isRegistered(TreeKillerBean.objectName()));
        first.unregister();
    }

    @Test
    void unregisterIsIdempotentDetachesTheListenerAndAllowsANewRegistration() {
        TreeKillerBean bean = TreeKillerBean.register(server, backend);
        bean.unregister();
        assertFalse(server.isRegistered(TreeKillerBean.objectName()));
        assertNull(backend.listener());
        bean.unregister();

        TreeKillerBean again = TreeKillerBean.register(server, backend);
        assertTrue(server.isRegistered(TreeKillerBean.objectName()));
        again.unregister();
    }

    @Test
    void unregisterAfterAClientRemovedTheBeanDoesNotThrow() throws Exception {
        TreeKillerBean bean = TreeKillerBean.register(server, backend);
        server.unregisterMBean(TreeKillerBean.objectName());
        bean.unregister();
        assertNull(backend.listener());
    }
}
