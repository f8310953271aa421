package dev.treekill;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.internal.Agent;
import org.junit.jupiter.api.Test;

/**
 * Agent options are checked by the agent's own parser (from the treekill-agent jar on the class path) before
 * any attach: a typo is an IllegalArgumentException naming it, and no agent gets installed.
 */
class AgentOptionsCheckTest {
    @Test
    void aTypoIsRefusedBeforeAttachingNamingTheKeyAndTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TreeKill.install("log=info,bogusKey=1"));
        assertTrue(e.getMessage().contains("unknown option 'bogusKey'"), e.getMessage());
        assertTrue(e.getMessage().contains("Valid options: timeout=<duration>"), e.getMessage());
        assertFalse(TreeKill.isActive(), "nothing attached");
    }

    @Test
    void aBadValueIsRefusedToo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Agent.checkOptions("log=loud"));
        assertTrue(e.getMessage().contains("log"), e.getMessage());
        assertFalse(TreeKill.isActive(), "nothing attached");
    }

    @Test
    void goodOptionsAndNonePass() {
        Agent.checkOptions("log=info,timeout=10s");
        Agent.checkOptions("");
        Agent.checkOptions(null);
        assertFalse(TreeKill.isActive(), "checking attaches nothing");
    }
}
