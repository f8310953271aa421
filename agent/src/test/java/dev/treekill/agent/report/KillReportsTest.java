package dev.treekill.agent.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.treekill.agent.engine.KillResult;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.mbeans.KillReport;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class KillReportsTest {
    @Test
    void everyFieldOfTheResultIsReportedWithTheTriggersPublicName() {
        KillReport report = KillReports.of(new KillResult(42, 5, 4, new long[] {44}, 12.5, true, Trigger.JVM_DEATH));
        assertEquals(new KillReport(42, 5, 4, new long[] {44}, 12.5, true, "jvm-death"), report);
        assertArrayEquals(new long[] {44}, report.getSurvivors());
    }

    /** The engine's triggers are KillReport's list, which a test in treekill-mbeans holds to the README. */
    @Test
    void theTriggerEnumHasExactlyTheNamesOfKillReportsConstants() throws IllegalAccessException {
        Set<String> constants = new TreeSet<>();
        for (Field f : KillReport.class.getFields()) {
            if (f.getName().startsWith("TRIGGER_") && Modifier.isStatic(f.getModifiers())) {
                constants.add((String) f.get(null));
                assertEquals(f.get(null), Trigger.valueOf(f.getName().substring("TRIGGER_".length())).wireName(),
                        "the enum constant named like " + f.getName());
            }
        }
        Set<String> wireNames = new TreeSet<>();
        for (Trigger t : Trigger.values()) {
            wireNames.add(t.wireName());
        }
        assertEquals(constants, wireNames);
    }

    @Test
    void theSurvivorsSentenceIsTheOneOfTheExceptions() {
        KillResult result = new KillResult(42, 3, 2, new long[] {44}, 30_000.4, true, Trigger.DESTROY_FORCIBLY);
        assertEquals("1 processes of the tree of pid 42 still alive after 30000 ms: [44]",
                KillReports.of(result).describeSurvivors(30_000));
    }
}
