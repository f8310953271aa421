package dev.treekill.agent.sys;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The system properties as the agent's hidden JNA sees them: its reads see the JVM's properties under the
 * agent's own settings, its writes ({@code jna.loaded}, {@code jnidispatch.path}, {@code
 * jna.platform.library.path}) stay here. JNA reads and writes these globally; shared, they would make the
 * application's JNA (any version, loaded before or after ours) search other directories than it would
 * without the agent. {@link JnaPropertyRedirect} points the hidden JNA's calls to {@code System} and
 * {@code Boolean.getBoolean} here; the methods keep those calls' names and descriptors.
 */
public final class JnaProperties {
    /** Settings and writes of the hidden JNA; a null value is held as this, for a cleared property. */
    private static final String CLEARED = new String("<cleared>");
    private static final Map<String, String> OWN = new ConcurrentHashMap<>();

    private JnaProperties() {
    }

    /** Sets a property for the hidden JNA only (before it loads). */
    static void preset(String key, String value) {
        OWN.put(key, value);
    }

    /** What the hidden JNA has set, for tests and debugging. */
    static String own(String key) {
        String v = OWN.get(key);
        return v == CLEARED ? null : v;
    }

    public static String getProperty(String key) {
        String v = OWN.get(key);
        if (v == null) {
            return System.getProperty(key);
        }
        return v == CLEARED ? null : v;
    }

    public static String getProperty(String key, String def) {
        String v = getProperty(key);
        return v == null ? def : v;
    }

    public static String setProperty(String key, String value) {
        if (value == null) {
            throw new NullPointerException("value"); // as System.setProperty
        }
        String old = getProperty(key);
        OWN.put(key, value);
        return old;
    }

    public static String clearProperty(String key) {
        String old = getProperty(key);
        OWN.put(key, CLEARED);
        return old;
    }

    public static boolean getBoolean(String key) {
        return "true".equalsIgnoreCase(getProperty(key));
    }
}
