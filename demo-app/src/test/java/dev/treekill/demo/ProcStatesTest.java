package dev.treekill.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ProcStatesTest {

    @Test
    void stateFollowsTheLastParenthesisEvenInOddCommandNames() {
        assertEquals('Z', ProcStates.stateOf("4242 (a) b (c)) Z 1 4242 4242 0 -1"));
        assertEquals('S', ProcStates.stateOf("17 (sleep) S 16 17 16 0 -1"));
    }

    @Test
    void thisJvmIsRunning() {
        assertTrue(ProcStates.isRunning(ProcessHandle.current()));
    }
}
