package dev.treekill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** killTree's timeout: the one rule's range and message, checked before anything is attached. */
class TimeoutRuleTest {
    @Test
    void zeroAndNegativeTimeoutsAreRefusedWithTheOneRulesMessage() {
        assertEquals("timeout must be more than zero, was 0",
                assertThrows(IllegalArgumentException.class, () -> TreeKill.positiveMillis(Duration.ZERO)).getMessage());
        assertEquals("timeout must be more than zero, was -1500",
                assertThrows(IllegalArgumentException.class, () -> TreeKill.positiveMillis(Duration.ofMillis(-1500))).getMessage());
        assertEquals("timeout must be more than zero, was " + Long.MIN_VALUE, assertThrows(IllegalArgumentException.class,
                () -> TreeKill.positiveMillis(Duration.ofSeconds(Long.MIN_VALUE))).getMessage());
    }

    @Test
    void aPositiveTimeoutUnderOneMillisecondWaitsOne() {
        assertEquals(1, TreeKill.positiveMillis(Duration.ofNanos(1)));
        assertEquals(30_000, TreeKill.positiveMillis(Duration.ofSeconds(30)));
    }
}
