package dev.treekill.agent.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.log.Log;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AgentOptionsTest {
    @Test
    void defaultsAreThoseOfTheContract() {
        AgentOptions o = AgentOptions.parse(null);
        assertEquals(30_000, o.timeoutMillis());
        assertEquals(10_000, o.warnMillis());
        assertEquals(AgentOptions.OnTimeout.WARN, o.onTimeout());
        assertEquals(AgentOptions.DestroyMode.TREE, o.destroy());
        assertTrue(o.jmx());
        assertEquals(AgentOptions.Scope.DESCENDANTS, o.scope());
        assertEquals(Log.Level.WARN, o.log());
        assertTrue(o.cookie());
        assertFalse(o.subreaper());
        assertEquals(0, o.graceMillis(), "grace is off");
        assertFalse(o.exitKill());
        assertEquals(o.toString(), AgentOptions.parse("").toString());
    }

    @Test
    void parsesEveryKey() {
        AgentOptions o = AgentOptions.parse(
                "timeout=5s,warn=500ms,onTimeout=throw,destroy=child,jmx=false,scope=user,log=debug");
        assertEquals(5000, o.timeoutMillis());
        assertEquals(500, o.warnMillis());
        assertEquals(AgentOptions.OnTimeout.THROW, o.onTimeout());
        assertEquals(AgentOptions.DestroyMode.CHILD, o.destroy());
        assertFalse(o.jmx());
        assertEquals(AgentOptions.Scope.USER, o.scope());
        assertEquals(Log.Level.DEBUG, o.log());
    }

    @Test
    void parsesTheEscapeeAndExitKeys() {
        AgentOptions o = AgentOptions.parse("cookie=false,subreaper=true,grace=2s,exitKill=true");
        assertFalse(o.cookie());
        assertTrue(o.subreaper());
        assertEquals(2000, o.graceMillis());
        assertTrue(o.exitKill());
        assertEquals(0, AgentOptions.parse("grace=off").graceMillis());
        assertEquals(o.toString(), AgentOptions.parse(o.toString()).toString());
        assertTrue(o.toString().contains("grace=2s"), o.toString());
        assertTrue(AgentOptions.parse(null).toString().contains("grace=off"));
    }

    @Test
    void warnDefaultsToHalfOfAShortTimeout() {
        assertEquals(2000, AgentOptions.parse("timeout=4s").warnMillis());
        assertEquals(10_000, AgentOptions.parse("timeout=2m").warnMillis());
        assertEquals(5_000, AgentOptions.defaultWarnMillis(10_000), "the command line's own kill, default --timeout");
        assertEquals(10_000, AgentOptions.defaultWarnMillis(60_000));
        assertEquals(3_000, AgentOptions.parse("timeout=4s,warn=3s").warnMillis(), "a given warn is used as it is");
    }

    @Test
    void durationRefusalsNameTheKeyAndTheReason() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("timeout=0s"));
        assertTrue(zero.getMessage().startsWith("bad value for timeout: timeout must be more than zero, was 0."),
                zero.getMessage());
        IllegalArgumentException typo = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("warn=10 s"));
        assertTrue(typo.getMessage().startsWith("bad value for warn: '10 s' is not a duration"), typo.getMessage());
    }

    @Test
    void toStringParsesBackToTheSameOptions() {
        AgentOptions o = AgentOptions.parse("timeout=2m,warn=1500,onTimeout=throw,log=off");
        assertEquals(o.toString(), AgentOptions.parse(o.toString()).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"bogus=1", "timeout=banana", "timeout=0", "warn=-1s", "onTimeout=explode", "destroy=all",
            "jmx=yes", "scope=everyone", "log=trace", "cookie=maybe", "subreaper=1", "grace=0", "grace=-1s",
            "grace=soon", "exitKill=yes", "timeout", "timeout=1s,timeout=2s", "=5s", "timeout=1s,,log=info"})
    void refusesBadInputNamingItAndListingTheValidKeys(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse(text));
        assertFalse(e.getMessage().contains("treekill"), () -> "no prefix: its surface adds its own\n" + e.getMessage());
        assertTrue(e.getMessage().contains("Valid options: timeout=<duration>, warn=<duration>, onTimeout=warn|throw"),
                e.getMessage());
        assertTrue(e.getMessage().contains("cookie=true|false, subreaper=true|false, grace=<duration>|off, exitKill=true|false"),
                e.getMessage());
    }

    @Test
    void destroyMixedNeedsAGraceAndSaysSo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("destroy=mixed"));
        assertTrue(e.getMessage().contains("destroy=mixed needs grace=<duration>"), e.getMessage());
        assertTrue(e.getMessage().contains("destroy=tree|child|mixed"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("grace=off,destroy=mixed"));
        AgentOptions o = AgentOptions.parse("grace=2s,destroy=mixed");
        assertEquals(AgentOptions.DestroyMode.MIXED, o.destroy());
        assertEquals(2000, o.graceMillis());
        assertEquals(o.toString(), AgentOptions.parse(o.toString()).toString());
    }

    @Test
    void unknownKeyIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("timout=5s"));
        assertTrue(e.getMessage().contains("unknown option 'timout'"), e.getMessage());
    }
}
