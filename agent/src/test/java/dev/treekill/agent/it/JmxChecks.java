package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import javax.management.RuntimeMBeanException;
import org.junit.jupiter.api.function.Executable;

/** What the JMX ITs check of a remote call: refusals as a client gets them, signatures, texts. */
final class JmxChecks {
    /** timeoutMillis for a kill that must finish: generous, the machine is shared. */
    static final long LONG_WAIT = 10_000;
    /** The signatures of the raw operations: (pid, millis) and (pid). */
    static final String[] LONG_LONG = {"long", "long"};
    static final String[] LONG = {"long"};

    private JmxChecks() {
    }

    /** Through the typed proxy the client gets the MBean's own IllegalArgumentException, message intact. */
    static void refusedByProxy(Executable call, String why) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, () -> "not refused: " + why);
        assertEquals(why, e.getMessage());
    }

    /** A raw MBeanServerConnection call gets it wrapped, as JMX specifies: RuntimeMBeanException. */
    static void refusedRaw(Executable call, String why) {
        RuntimeMBeanException e = assertThrows(RuntimeMBeanException.class, call, () -> "not refused: " + why);
        assertRefusal(e.getTargetException(), why);
    }

    static void assertRefusal(Throwable t, String why) {
        IllegalArgumentException e = assertInstanceOf(IllegalArgumentException.class, t);
        assertEquals(why, e.getMessage());
    }

    static void assertNotBlank(String text, String what) {
        assertTrue(text != null && !text.isBlank(), () -> what + " is blank");
    }
}
