package dev.treekill.mbeans;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
    @Test
    void parsesEveryUnitAndPlainMillis() {
        assertEquals(500, Durations.parseMillis("500ms"));
        assertEquals(10_000, Durations.parseMillis("10s"));
        assertEquals(120_000, Durations.parseMillis("2m"));
        assertEquals(250, Durations.parseMillis("250"));
        assertEquals(250, Durations.parseMillis(" 250 "));
        assertEquals(0, Durations.parseMillis("0"));
        assertEquals(999_999_999_999L * 60_000, Durations.parseMillis("999999999999m"), "12 digits never overflow");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ms", "s", "-5s", "+5s", "1.5s", "10 s", "10S", "10h", "banana", "9999999999999s", "1e3",
            "١٠s"})
    void rejectsWhatIsNotADuration(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parseMillis(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("500ms, 10s, 2m"), e.getMessage());
    }

    @Test
    void nullIsNotADuration() {
        assertThrows(IllegalArgumentException.class, () -> Durations.parseMillis(null));
    }

    @Test
    void formatsBackToTheShortestUnit() {
        assertEquals("2m", Durations.format(120_000));
        assertEquals("10s", Durations.format(10_000));
        assertEquals("1500ms", Durations.format(1500));
        assertEquals("0ms", Durations.format(0));
        assertEquals(90_000, Durations.parseMillis(Durations.format(90_000)));
    }

    @Test
    void positiveRefusesZeroAndLessNamingTheValue() {
        assertEquals(1, Durations.positive("timeoutMillis", 1));
        assertEquals("timeoutMillis must be more than zero, was 0",
                assertThrows(IllegalArgumentException.class, () -> Durations.positive("timeoutMillis", 0)).getMessage());
        assertEquals("warn must be more than zero, was -5",
                assertThrows(IllegalArgumentException.class, () -> Durations.positive("warn", -5)).getMessage());
    }

    @Test
    void notNegativeTakesZeroAndRefusesLess() {
        assertEquals(0, Durations.notNegative("graceMillis", 0));
        assertEquals("graceMillis must not be negative, was -1",
                assertThrows(IllegalArgumentException.class, () -> Durations.notNegative("graceMillis", -1)).getMessage());
    }
}
