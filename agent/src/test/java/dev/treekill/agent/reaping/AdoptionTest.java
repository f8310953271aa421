package dev.treekill.agent.reaping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The one adoption decision: a confirmed subreaper wins; else only /proc's pid 1 adopts. */
class AdoptionTest {
    @Test
    void aConfirmedSubreaperAdoptsWhateverItsPid() {
        assertEquals(Adoption.SUBREAPER, Adoption.decide(4242, true));
        assertEquals(Adoption.SUBREAPER, Adoption.decide(1, true));
        assertEquals(Adoption.SUBREAPER, Adoption.decide(-1, true));
    }

    /**
     * A JVM that is init of its namespace but sees another namespace's /proc reads some other pid at /proc/self:
     * NONE (its /proc pids are not its kill(2) pids). Without /proc (-1): NONE.
     */
    @Test
    void onlyPidOneAsProcNamesItAdoptsWithoutASubreaper() {
        assertEquals(Adoption.PID_1, Adoption.decide(1, false));
        assertEquals(Adoption.NONE, Adoption.decide(4242, false));
        assertEquals(Adoption.NONE, Adoption.decide(-1, false));
        assertTrue(Adoption.PID_1.adopts());
        assertFalse(Adoption.NONE.adopts());
    }

    @Test
    void thisTestJvmIsNeitherInitNorASubreaper() {
        assertEquals(ProcessHandle.current().pid() == 1 ? Adoption.PID_1 : Adoption.NONE, Adoption.forThisJvm(false));
        assertEquals(Adoption.SUBREAPER, Adoption.forThisJvm(true));
    }
}
