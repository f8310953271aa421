package dev.treekill.agent.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The engine's deadline takes its range from the one duration rule (mbeans Durations), and its warning from it. */
class DeadlineTest {
    @Test
    void aTimeoutNotMoreThanZeroIsRefusedByTheOneRule() {
        assertEquals("timeout must be more than zero, was 0",
                assertThrows(IllegalArgumentException.class, () -> Deadline.of(0, 0)).getMessage());
        assertEquals("timeout must be more than zero, was -5",
                assertThrows(IllegalArgumentException.class, () -> Deadline.of(-5, 1)).getMessage());
    }

    @Test
    void aWarningAtOrAfterTheTimeoutOrNotMoreThanZeroIsNeverGiven() {
        long start = 1_000;
        assertEquals(start + TimeUnit.MILLISECONDS.toNanos(40), Deadline.of(100, 40).warnAtNanos(start));
        for (long warn : new long[] {0, -1, 100, 200}) {
            Deadline d = Deadline.of(100, warn);
            assertEquals(d.endNanos(start), d.warnAtNanos(start), "warn " + warn);
        }
    }
}
