package dev.treekill.demo;

import java.util.LinkedHashMap;
import java.util.Map;

/** Reads the demo's {@code treekill-demo: key=value ...} lines the way a script would. */
final class DemoLines {
    private static final String PREFIX = "treekill-demo: ";

    private DemoLines() {
    }

    static Map<String, String> fields(String line) {
        if (line == null || !line.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a treekill-demo line: " + line);
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String word : line.substring(PREFIX.length()).split(" ")) {
            String[] keyAndValue = word.split("=", 2);
            fields.put(keyAndValue[0], keyAndValue.length == 2 ? keyAndValue[1] : "");
        }
        return fields;
    }
}
