package dev.treekill.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class DemoResultTest {

    @Test
    void lineHasTheDocumentedShape() {
        String line = new DemoResult(8, 7, false, 3, false).line();

        assertEquals("treekill-demo: tree=8 survivors=7 port_free=false elapsed_ms=3 agent=off", line);
    }

    @Test
    void lineReadsBackFieldByField() {
        Map<String, String> fields = DemoLines.fields(new DemoResult(12, 0, true, 41, true).line());

        assertEquals(Map.of("tree", "12", "survivors", "0", "port_free", "true", "elapsed_ms", "41", "agent", "on"),
                fields);
    }

    @Test
    void foreignLineIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> DemoLines.fields("server exited"));
    }

    @Test
    void agentIsOnOnlyForATreekillJavaagent() {
        assertTrue(Demo.agentOn(List.of("-Xmx64m", "-javaagent:agent/target/treekill-agent.jar=timeout=5s")));
        assertFalse(Demo.agentOn(List.of("-javaagent:/opt/other-agent.jar")));
        assertFalse(Demo.agentOn(List.of("-Dtreekill=true")));
        assertFalse(Demo.agentOn(List.of()));
    }
}
