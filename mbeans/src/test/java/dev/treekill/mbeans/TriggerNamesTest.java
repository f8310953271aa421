package dev.treekill.mbeans;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * KillReport's TRIGGER_* constants are the one list of trigger names: the README's KillReport paragraph and the
 * LastKill description name exactly those. (The agent's Trigger enum is held to the same list by its own test.)
 */
class TriggerNamesTest {
    /** A trigger name in backticks that opens an item of the README's list: after "(" or a comma and blanks (a line may break there). */
    private static final Pattern README_ITEM = Pattern.compile("(?:\\(|,\\s+)`([A-Za-z-]+)`");

    static Set<String> constants() throws IllegalAccessException {
        Set<String> names = new LinkedHashSet<>();
        for (Field f : KillReport.class.getFields()) {
            if (f.getName().startsWith("TRIGGER_") && Modifier.isStatic(f.getModifiers())) {
                names.add((String) f.get(null));
            }
        }
        return names;
    }

    @Test
    void theReadmeListsExactlyTheTriggerConstants() throws Exception {
        Path readme = Paths.get("").toAbsolutePath().getParent().resolve("README.md");
        assertTrue(Files.isRegularFile(readme), readme + " (the build runs in the module directory)");
        String text = new String(Files.readAllBytes(readme), StandardCharsets.UTF_8);
        int start = text.indexOf("and `trigger` (");
        int end = text.indexOf("When a wait times out", start);
        assertTrue(start >= 0 && end > start, "the README's KillReport paragraph moved: update this test");
        Set<String> listed = new LinkedHashSet<>();
        Matcher m = README_ITEM.matcher(text.substring(start, end));
        while (m.find()) {
            listed.add(m.group(1));
        }
        assertEquals(8, constants().size(), constants().toString());
        assertEquals(constants(), listed);
    }

    @Test
    void theLastKillDescriptionNamesEveryTrigger() throws Exception {
        String description = MBeanDocs.attribute("LastKill");
        for (String trigger : constants()) {
            assertTrue(description.contains(trigger), trigger + " missing from: " + description);
        }
    }

    @Test
    void theConstantsAreDistinct() throws IllegalAccessException {
        int fields = 0;
        for (Field f : KillReport.class.getFields()) {
            fields += f.getName().startsWith("TRIGGER_") ? 1 : 0;
        }
        assertEquals(fields, constants().size());
    }
}
