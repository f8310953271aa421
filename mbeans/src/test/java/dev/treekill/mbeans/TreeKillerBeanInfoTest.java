package dev.treekill.mbeans;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.mbeans.JmxFixture.Via;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.Notification;
import javax.management.openmbean.ArrayType;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What generic JMX clients see in the MBeanInfo, in-process and through the RMI connector. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TreeKillerBeanInfoTest {
    @RegisterExtension
    final JmxFixture jmx = new JmxFixture();

    private MBeanInfo info(Via via) throws Exception {
        return jmx.connection(via).getMBeanInfo(TreeKillerBean.objectName());
    }

    private static void assertDescribed(String description, String what) {
        assertTrue(description != null && !description.isBlank(), what + " has no description");
        // StandardMBean's placeholder text, which tells a JConsole user nothing
        assertFalse(description.contains("exposed for management"), what + ": " + description);
    }

    private static String signature(MBeanOperationInfo op) {
        return op.getName() + Arrays.stream(op.getSignature()).map(MBeanParameterInfo::getName)
                .collect(Collectors.joining(",", "(", ")"));
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void describesTheBeanEveryAttributeOperationAndParameter(Via via) throws Exception {
        MBeanInfo info = info(via);
        assertDescribed(info.getDescription(), "the bean");
        for (MBeanAttributeInfo attribute : info.getAttributes()) {
            assertDescribed(attribute.getDescription(), "attribute " + attribute.getName());
        }
        for (MBeanOperationInfo op : info.getOperations()) {
            assertDescribed(op.getDescription(), "operation " + signature(op));
            for (MBeanParameterInfo param : op.getSignature()) {
                assertDescribed(param.getDescription(), "parameter " + param.getName() + " of " + signature(op));
            }
        }
        assertEquals(0, info.getConstructors().length, "no constructors to leave undescribed");
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void exposesExactlyTheContractAttributesWithTheirTypesAndAccess(Via via) throws Exception {
        Map<String, MBeanAttributeInfo> attributes = Arrays.stream(info(via).getAttributes())
                .collect(Collectors.toMap(MBeanAttributeInfo::getName, Function.identity()));
        Map<String, String> types = new TreeMap<>();
        attributes.forEach((name, attribute) -> types.put(name, attribute.getType()));
        Map<String, String> expected = new TreeMap<>(Map.ofEntries(
                Map.entry("Enabled", "boolean"),
                Map.entry("ReapTimeoutMillis", "long"),
                Map.entry("WarnAfterMillis", "long"),
                Map.entry("Scope", "java.lang.String"),
                Map.entry("LiveDescendants", "int"),
                Map.entry("ZombieDescendants", "int"),
                Map.entry("KillsInProgress", "int"),
                Map.entry("TreesKilled", "long"),
                Map.entry("ProcessesKilled", "long"),
                Map.entry("ReapTimeouts", "long"),
                Map.entry("Errors", "long"),
                Map.entry("LastKill", "javax.management.openmbean.CompositeData")));
        assertEquals(expected, types);

        Set<String> writable = attributes.values().stream().filter(MBeanAttributeInfo::isWritable)
                .map(MBeanAttributeInfo::getName).collect(Collectors.toSet());
        assertEquals(Set.of("Enabled", "ReapTimeoutMillis", "WarnAfterMillis"), writable);
        assertTrue(attributes.values().stream().allMatch(MBeanAttributeInfo::isReadable));
        assertTrue(attributes.get("Enabled").isIs(), "Enabled is read with isEnabled()");
        assertKillReportType(attributes.get("LastKill").getDescriptor().getFieldValue("openType"));
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void namesParametersOfBothKillTreeOverloadsAndNoOtherOperations(Via via) throws Exception {
        Set<String> signatures = Arrays.stream(info(via).getOperations()).map(TreeKillerBeanInfoTest::signature)
                .collect(Collectors.toSet());
        assertEquals(Set.of("killTree(pid)", "killTree(pid,timeoutMillis)", "killDescendants(timeoutMillis)",
                "terminateTree(pid,graceMillis)", "describeTree(pid)", "resetCounters()"), signatures);
        for (MBeanOperationInfo op : info(via).getOperations()) {
            for (MBeanParameterInfo param : op.getSignature()) {
                assertEquals("long", param.getType(), signature(op));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void marksKillsAsActionAndQueriesAsInfo(Via via) throws Exception {
        Map<String, Integer> impacts = new TreeMap<>();
        for (MBeanOperationInfo op : info(via).getOperations()) {
            impacts.put(signature(op), op.getImpact());
        }
        assertEquals(new TreeMap<>(Map.of(
                "killTree(pid)", MBeanOperationInfo.ACTION,
                "killTree(pid,timeoutMillis)", MBeanOperationInfo.ACTION,
                "killDescendants(timeoutMillis)", MBeanOperationInfo.ACTION,
                "terminateTree(pid,graceMillis)", MBeanOperationInfo.ACTION,
                "resetCounters()", MBeanOperationInfo.ACTION,
                "describeTree(pid)", MBeanOperationInfo.INFO)), impacts);
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void returnsOpenTypesThatClientsWithoutOurClassesCanRead(Via via) throws Exception {
        Map<String, MBeanOperationInfo> ops = Arrays.stream(info(via).getOperations())
                .collect(Collectors.toMap(TreeKillerBeanInfoTest::signature, Function.identity()));
        assertEquals("javax.management.openmbean.CompositeData", ops.get("killTree(pid)").getReturnType());
        assertEquals("javax.management.openmbean.CompositeData", ops.get("killTree(pid,timeoutMillis)").getReturnType());
        assertEquals("javax.management.openmbean.CompositeData", ops.get("killDescendants(timeoutMillis)").getReturnType());
        assertEquals("javax.management.openmbean.CompositeData", ops.get("terminateTree(pid,graceMillis)").getReturnType());
        assertEquals("void", ops.get("resetCounters()").getReturnType());
        MBeanOperationInfo describe = ops.get("describeTree(pid)");
        assertEquals("[Ljavax.management.openmbean.CompositeData;", describe.getReturnType());

        ArrayType<?> rows = assertInstanceOf(ArrayType.class, describe.getDescriptor().getFieldValue("openType"));
        CompositeType row = assertInstanceOf(CompositeType.class, rows.getElementOpenType());
        assertItems(row, Map.of("pid", SimpleType.LONG, "ppid", SimpleType.LONG, "state", SimpleType.STRING,
                "command", SimpleType.STRING));
        assertKillReportType(ops.get("killTree(pid)").getDescriptor().getFieldValue("openType"));
        assertKillReportType(ops.get("terminateTree(pid,graceMillis)").getDescriptor().getFieldValue("openType"));
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void describesTerminateTreeAndItsGraceParameter(Via via) throws Exception {
        MBeanOperationInfo terminate = Arrays.stream(info(via).getOperations())
                .filter(op -> op.getName().equals("terminateTree")).findFirst().orElseThrow();
        assertEquals(MBeanOperationInfo.ACTION, terminate.getImpact());
        assertEquals("javax.management.openmbean.CompositeData", terminate.getReturnType());
        assertDescribed(terminate.getDescription(), "operation terminateTree");
        assertTrue(terminate.getDescription().contains("SIGTERM"), terminate.getDescription());
        MBeanParameterInfo[] params = terminate.getSignature();
        assertArrayEquals(new String[] {"pid", "graceMillis"},
                Arrays.stream(params).map(MBeanParameterInfo::getName).toArray(String[]::new));
        for (MBeanParameterInfo param : params) {
            assertEquals("long", param.getType(), param.getName());
            assertDescribed(param.getDescription(), "parameter " + param.getName() + " of terminateTree");
        }
        assertTrue(params[1].getDescription().contains(">= 0"), params[1].getDescription());
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void declaresTheReapTimeoutNotification(Via via) throws Exception {
        MBeanNotificationInfo[] notifications = info(via).getNotifications();
        assertEquals(1, notifications.length);
        assertArrayEquals(new String[] {"dev.treekill.reap.timeout"}, notifications[0].getNotifTypes());
        assertEquals(Notification.class.getName(), notifications[0].getName());
        assertDescribed(notifications[0].getDescription(), "the notification");
    }

    private static void assertKillReportType(Object openType) throws Exception {
        CompositeType type = assertInstanceOf(CompositeType.class, openType);
        assertItems(type, Map.of("rootPid", SimpleType.LONG, "signalled", SimpleType.INTEGER,
                "exited", SimpleType.INTEGER, "survivors", ArrayType.getPrimitiveArrayType(long[].class),
                "elapsedMillis", SimpleType.DOUBLE, "timedOut", SimpleType.BOOLEAN, "trigger", SimpleType.STRING));
    }

    private static void assertItems(CompositeType type, Map<String, OpenType<?>> expected) {
        Map<String, OpenType<?>> actual = new TreeMap<>();
        for (String item : type.keySet()) {
            actual.put(item, type.getType(item));
        }
        assertEquals(new TreeMap<>(expected), actual);
    }
}
