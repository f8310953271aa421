package dev.treekill.agent.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.starts.Cookies;
import dev.treekill.agent.starts.StartedProcesses;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The replace path with TREEKILL_COOKIE really set in the JVM (as under a parent JVM with the agent): each case runs
 * in a child JVM whose environment has it, since this one's cannot be changed, and prints what the hooks did.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StartHooksInheritedCookieTest extends StartHooksFixture {
    /** Runs {@code main} in a child JVM whose TREEKILL_COOKIE is {@code inherited}; its output lines by first word. */
    private Map<String, String> runChildJvm(Class<?> main, String inherited) throws Exception {
        Path classes = Paths.get(StartHooks.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path testClasses = Paths.get(StartHooksInheritedCookieTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ProcessBuilder pb = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classes + java.io.File.pathSeparator + testClasses, main.getName());
        pb.environment().put(VARIABLE, inherited);
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.environment().remove("_JAVA_OPTIONS");
        pb.redirectErrorStream(true);
        Process child = tagged.withTag(pb).start();
        processes.add(child);
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(30, TimeUnit.SECONDS), output);
        assertEquals(0, child.exitValue(), output);
        Map<String, String> lines = new java.util.HashMap<>();
        for (String line : output.split("\n")) {
            int eq = line.indexOf(' ');
            if (eq > 0) {
                lines.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        lines.put("output", output);
        return lines;
    }

    @Test
    void inAJvmThatInheritedACookieThatValueIsReplacedAndAnotherIsKept() throws Exception {
        Map<String, String> lines = runChildJvm(InheritedCookieMain.class, InheritedCookieMain.INHERITED);
        String output = lines.get("output");
        assertEquals(InheritedCookieMain.INHERITED, lines.get("getenv"), output);
        // inherited: replaced by a fresh cookie minted beneath it, still one entry, other entries in order
        String replaced = lines.get("replaced");
        assertNotNull(replaced, output);
        String beneath = java.util.regex.Pattern.quote(InheritedCookieMain.INHERITED + "/");
        assertTrue(replaced.matches("A=1\\|B=2\\|" + VARIABLE + "=" + beneath + "tk[0-9a-f]+-[0-9a-f]+-1\\|"), replaced);
        assertEquals("3", lines.get("replaced_envc"), output);
        // a value of the child's own: kept as it is, and no cookie pending for the start
        assertEquals("A=1|" + VARIABLE + "=chosen-by-the-application|B=2|", lines.get("kept"), output);
        assertEquals("2", lines.get("kept_envc"), "envc untouched: " + output);
        assertEquals("true", lines.get("kept_same_block"), output);
        // an inherited value listed twice: both go, one fresh cookie comes
        String twice = lines.get("twice");
        assertNotNull(twice, output);
        assertTrue(twice.matches("A=1\\|" + VARIABLE + "=" + beneath + "tk[0-9a-f]+-[0-9a-f]+-3\\|"), twice);
        assertEquals("2", lines.get("twice_envc"), output);
    }

    /**
     * The inherited value is compared as System.getenv decoded it: the block's bytes decoded with the platform's
     * charset (sun.jnu.encoding), so a non-ASCII inherited value is still recognised, and other bytes that only
     * look alike one char per byte are not.
     */
    @Test
    void aNonAsciiInheritedCookieIsRecognisedByItsBytesInThePlatformCharset() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding")),
                "needs a UTF-8 platform charset for a non-ASCII environment");
        Map<String, String> lines = runChildJvm(NonAsciiInheritedCookieMain.class, NonAsciiInheritedCookieMain.INHERITED);
        String output = lines.get("output");
        assertEquals("UTF-8", lines.get("jnu"), output);
        assertEquals("true", lines.get("getenv_matches"), output);
        String replaced = lines.get("replaced");
        assertNotNull(replaced, output);
        assertTrue(replaced.matches("A=1\\|" + VARIABLE + "=tk[0-9a-f]+-[0-9a-f]+-1\\|"), replaced);
        assertEquals("2", lines.get("replaced_envc"), output);
        assertEquals("true", lines.get("latin1_kept_same_block"), "the same text in other bytes is an opt-out: " + output);
    }

    /** Runs in a child JVM whose TREEKILL_COOKIE is {@link #INHERITED}, non-ASCII; prints what the hooks did. */
    static final class NonAsciiInheritedCookieMain {
        static final String INHERITED = "tkparent\u00e4-7";

        public static void main(String[] args) throws Exception {
            String variable = Cookies.VARIABLE;
            String jnu = System.getProperty("sun.jnu.encoding");
            System.out.println("jnu " + jnu);
            System.out.println("getenv_matches " + INHERITED.equals(System.getenv(variable)));
            StartHooks hooks = new StartHooks(new StartedProcesses(), true);

            // The block as the JDK builds it from the inherited environment: the very bytes, in the platform charset.
            hooks.starting();
            int[] envc = {2};
            byte[] out = hooks.environmentBlock(block(variable + "=", INHERITED.getBytes(jnu)), envc);
            hooks.startFailed();
            System.out.println("replaced " + new String(out, StandardCharsets.ISO_8859_1).replace('\0', '|'));
            System.out.println("replaced_envc " + envc[0]);

            // The same text, one byte per char: other bytes, another value.
            hooks.starting();
            byte[] latin1 = block(variable + "=", INHERITED.getBytes(StandardCharsets.ISO_8859_1));
            byte[] kept = hooks.environmentBlock(latin1, new int[] {2});
            hooks.startFailed();
            System.out.println("latin1_kept_same_block " + (kept == latin1));
        }

        /** A=1, then {@code prefix} and {@code value} as one entry. */
        private static byte[] block(String prefix, byte[] value) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes("A=1\0".getBytes(StandardCharsets.ISO_8859_1));
            b.writeBytes(prefix.getBytes(StandardCharsets.ISO_8859_1));
            b.writeBytes(value);
            b.write(0);
            return b.toByteArray();
        }
    }

    /** Runs in a child JVM whose TREEKILL_COOKIE is {@link #INHERITED}; prints what the hooks did. */
    static final class InheritedCookieMain {
        static final String INHERITED = "tkparent0000000000-7";

        public static void main(String[] args) {
            String variable = Cookies.VARIABLE;
            System.out.println("getenv " + System.getenv(variable));
            StartHooks hooks = new StartHooks(new StartedProcesses(), true);
            hooks.starting();
            int[] envc = {3};
            byte[] out = hooks.environmentBlock(childBlock("A=1", variable + "=" + INHERITED, "B=2"), envc);
            hooks.startFailed();
            System.out.println("replaced " + childText(out).replace('\0', '|'));
            System.out.println("replaced_envc " + envc[0]);

            hooks.starting();
            int[] envc2 = {2};
            byte[] in = childBlock("A=1", variable + "=chosen-by-the-application", "B=2");
            byte[] kept = hooks.environmentBlock(in, envc2);
            hooks.startFailed();
            System.out.println("kept " + childText(kept).replace('\0', '|'));
            System.out.println("kept_envc " + envc2[0]);
            System.out.println("kept_same_block " + (kept == in));

            hooks.starting();
            int[] envc3 = {3};
            byte[] twice = hooks.environmentBlock(childBlock(variable + "=" + INHERITED, "A=1", variable + "=" + INHERITED), envc3);
            hooks.startFailed();
            System.out.println("twice " + childText(twice).replace('\0', '|'));
            System.out.println("twice_envc " + envc3[0]);
        }

        /** Its own helpers: this class runs without JUnit, and must not load the test class. */
        private static byte[] childBlock(String... entries) {
            StringBuilder s = new StringBuilder();
            for (String e : entries) {
                s.append(e).append('\0');
            }
            return s.toString().getBytes(StandardCharsets.ISO_8859_1);
        }

        private static String childText(byte[] block) {
            return new String(block, StandardCharsets.ISO_8859_1);
        }
    }
}
