package dev.treekill.agent.exit;

import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/** While the JVM runs, shutdown has not begun, and asking leaves no hook behind (asking twice works). */
class ShutdownProbeTest {
    @Test
    void shutdownHasNotBegunWhileTheJvmRuns() {
        ShutdownProbe probe = new ShutdownProbe();
        assertFalse(probe.begun());
        assertFalse(probe.begun());
    }
}
