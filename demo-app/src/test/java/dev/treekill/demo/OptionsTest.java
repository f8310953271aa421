package dev.treekill.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class OptionsTest {

    @Test
    void defaultsToThreeWorkersAndOneShot() {
        Demo.Options options = Demo.Options.parse();

        assertEquals(3, options.workers);
        assertFalse(options.serve);
        assertFalse(options.help);
    }

    @Test
    void readsEveryOption() {
        Demo.Options options = Demo.Options.parse("--workers", "5", "--serve", "--help");

        assertEquals(5, options.workers);
        assertTrue(options.serve);
        assertTrue(options.help);
    }

    @Test
    void rejectsMissingOrBadWorkerCounts() {
        assertThrows(IllegalArgumentException.class, () -> Demo.Options.parse("--workers"));
        assertThrows(IllegalArgumentException.class, () -> Demo.Options.parse("--workers", "x"));
        assertThrows(IllegalArgumentException.class, () -> Demo.Options.parse("--workers", "-1"));
    }

    @Test
    void rejectsUnknownOptions() {
        assertThrows(IllegalArgumentException.class, () -> Demo.Options.parse("--bogus"));
    }
}
