package dev.treekill.agent.sys;

import java.util.List;

/**
 * The environment variables from which the JVM or its launcher takes options besides the command line
 * (JAVA_TOOL_OPTIONS: the JVM itself; JDK_JAVA_OPTIONS: the java launcher; _JAVA_OPTIONS: HotSpot).
 * The guard clears them for the JVM it starts; the patch cache trusts no identity when one names an agent.
 */
public final class JvmOptionVariables {
    public static final List<String> NAMES = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");

    private JvmOptionVariables() {
    }

    /** Whether {@code entry} (a {@code NAME=value} environment entry) sets one of {@link #NAMES}. */
    public static boolean sets(String entry) {
        for (String name : NAMES) {
            if (entry.length() > name.length() && entry.startsWith(name) && entry.charAt(name.length()) == '=') {
                return true;
            }
        }
        return false;
    }
}
