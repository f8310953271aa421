package dev.treekill.agent.options;

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
        assertEquals(0, Durations.parseMillis("0"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ms", "s", "-5s", "1.5s", "10 s", "10h", "banana", "9999999999999s", "1e3"})
    void rejectsWhatIsNotADuration(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parseMillis(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }

    @Test
    void formatsBackToTheShortestUnit() {
        assertEquals("2m", Durations.format(120_000));
        assertEquals("10s", Durations.format(10_000));
        assertEquals("1500ms", Durations.format(1500));
        assertEquals("0ms", Durations.format(0));
    }
}
