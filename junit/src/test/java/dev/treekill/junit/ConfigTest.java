package dev.treekill.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigTest {
    @Test
    void durationsInTheAgentsFormat() {
        assertEquals(500, Config.millis("500ms"));
        assertEquals(10_000, Config.millis("10s"));
        assertEquals(120_000, Config.millis("2m"));
        assertEquals(250, Config.millis(" 250 "));
    }

    /** What treekill-junit's own parser took before it shared the agent's rule: units in any case, blanks before them. */
    @Test
    void theSpellingsJunitConfigFilesAlwaysAllowed() {
        assertEquals(10_000, Config.millis("10 s"));
        assertEquals(10_000, Config.millis("10S"));
        assertEquals(120_000, Config.millis("2M"));
        assertEquals(500, Config.millis("500 MS"));
        assertEquals(500, Config.millis("500Ms"));
        assertEquals(3_000, Config.millis(" 3\ts "));
    }

    /** Past the lenient front, the agent's one rule refuses the rest (blanks inside the number, other units). */
    @ParameterizedTest
    @ValueSource(strings = {"0", "0s", "0 S", "-1", "ten", "10h", "10 H", "", "99999999999999999999", "1 0s", "10 s s", "s"})
    void badDurationsAreRefusedWithTheFormat(String value) {
        ExtensionConfigurationException e = assertThrows(ExtensionConfigurationException.class, () -> Config.millis(value));
        assertTrue(e.getMessage().startsWith("treekill.timeout=" + value + " is not a duration"), e.getMessage());
        assertTrue(e.getMessage().contains("500ms, 10s, 2m"), e.getMessage());
    }

    @Test
    void leakModes() {
        assertEquals(Config.Leaks.WARN, Config.leaks("warn"));
        assertEquals(Config.Leaks.FAIL, Config.leaks("FAIL"));
        assertEquals(Config.Leaks.OFF, Config.leaks(" off"));
        ExtensionConfigurationException e = assertThrows(ExtensionConfigurationException.class, () -> Config.leaks("loud"));
        assertEquals("treekill.leaks=loud is not one of warn, fail, off", e.getMessage());
    }

    @Test
    void agentOptionsAreCheckedByTheAgentsParser() {
        assertEquals("log=info,timeout=10s", Config.agentOptions("log=info,timeout=10s"));
        ExtensionConfigurationException e = assertThrows(ExtensionConfigurationException.class,
                () -> Config.agentOptions("log=info,bogusKey=1"));
        assertTrue(e.getMessage().startsWith("treekill.agentOptions=log=info,bogusKey=1 is not valid: "
                + "unknown option 'bogusKey'. Valid options: timeout=<duration>,"), e.getMessage());
    }
}
