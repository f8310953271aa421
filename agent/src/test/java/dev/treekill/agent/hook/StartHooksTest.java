package dev.treekill.agent.hook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.proc.Environ;
import dev.treekill.agent.starts.Cookies;
import dev.treekill.agent.starts.Started;
import dev.treekill.agent.starts.StartedProcesses;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What ProcessImpl.start does through the agent's start hooks: the child's environment block gets exactly one
 * TREEKILL_COOKIE of its own, an inherited one or one this JVM handed out is replaced, a deliberately set one is
 * kept (an opt-out), and every start is registered. (Which cookie a start records, none for an opt-out, the fresh
 * one for a copied cookie of this JVM, is checked where the record's fields are visible: EscapeesSeamTest in
 * dev.treekill.agent.linux.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StartHooksTest {
    private static final String VARIABLE = Cookies.VARIABLE;

    private final StartedProcesses started = new StartedProcesses();
    private final StartHooks hooks = new StartHooks(started, true);
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void reapProcesses() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A real child, as ProcessImpl.start would return it; alive until the test ends (then killed and reaped). */
    private Process realProcess() throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        processes.add(p);
        return p;
    }

    private static byte[] block(String... entries) {
        StringBuilder s = new StringBuilder();
        for (String e : entries) {
            s.append(e).append('\0');
        }
        return s.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String text(byte[] block) {
        return new String(block, StandardCharsets.ISO_8859_1);
    }

    /** The entries of a block, in order. */
    private static List<String> entries(byte[] block) {
        List<String> out = new ArrayList<>();
        String t = text(block);
        int i = 0;
        while (i < t.length()) {
            int end = t.indexOf('\0', i);
            out.add(t.substring(i, end < 0 ? t.length() : end));
            i = end < 0 ? t.length() : end + 1;
        }
        return out;
    }

    private static long cookieEntries(byte[] block) {
        return entries(block).stream().filter(e -> e.startsWith(VARIABLE + "=")).count();
    }

    /** starting(), environmentBlock, forking(), started(): one whole start; returns the block the child got. */
    private byte[] start(byte[] block, int[] envc) throws Exception {
        hooks.starting();
        byte[] out = hooks.environmentBlock(block, envc);
        hooks.forking();
        hooks.started(realProcess());
        return out;
    }

    @Test
    void aBlockWithoutACookieGetsExactlyOneAndTheCountFollows() throws Exception {
        byte[] in = block("PATH=/usr/bin:/bin", "HOME=/root", "LANG=C.UTF-8");
        int[] envc = {3};
        hooks.starting();
        byte[] out = hooks.environmentBlock(in, envc);
        hooks.forking();
        Process p = realProcess();
        hooks.started(p);

        assertEquals(1, cookieEntries(out), text(out));
        String cookie = Environ.valueOf(text(out), VARIABLE);
        assertNotNull(cookie);
        assertTrue(cookie.matches("tk[0-9a-f]+-[0-9a-f]+-[0-9]+"), cookie);
        assertTrue(cookie.startsWith("tk" + Long.toHexString(ProcessHandle.current().pid()) + "-"),
                "unique among the JVMs of this machine by their pid: " + cookie);
        assertEquals(4, envc[0], "envc counts the added entry");
        assertEquals(Environ.count(text(out)), envc[0]);
        assertTrue(text(out).endsWith("\0"), "every entry NUL-terminated, as the JDK builds the block");
        assertNotNull(started.of(p), "the start is registered");
        assertSame(started.of(p), started.ofPid(p.pid()), "found by pid while the JDK has not reaped it");
    }

    /**
     * The exitKill guard's start (its launcher, on the thread treekill-guard-start, which inherits a test's scope
     * under the JUnit extension) is the agent's own: recorded, so the orphan reaper leaves it to the JDK, but no
     * start listener hears of it, so no test's leak check owns it; and its cookie, an opt-out it keeps, is
     * beneath none of this JVM's, so no leak check's cookie search finds the guard either.
     */
    @Test
    void theAgentsOwnStartIsRecordedButNoStartListenerHearsOfIt() throws Exception {
        List<Process> heard = new ArrayList<>();
        started.listeners().add(heard::add);
        byte[] app = start(block("PATH=/bin"), new int[] {1});
        String appCookie = Environ.valueOf(text(app), VARIABLE);
        assertEquals(1, heard.size(), "the application's start is heard");

        AtomicReference<Process> guardsLauncher = new AtomicReference<>();
        byte[] guard = started.asAgentsOwn(() -> {
            hooks.starting();
            byte[] out = hooks.environmentBlock(block("PATH=/bin", VARIABLE + "=treekill-guard"), new int[] {2});
            hooks.forking();
            guardsLauncher.set(realProcess());
            hooks.started(guardsLauncher.get());
            return out;
        });
        assertEquals("treekill-guard", Environ.valueOf(text(guard), VARIABLE), "the guard keeps its opt-out cookie");
        assertEquals(1, heard.size(), () -> "the agent's own start reached a listener: " + heard);
        assertNotNull(started.of(guardsLauncher.get()), "recorded all the same: the JDK reaps it, not the orphan reaper");
        assertFalse(started.listeners().startingAgentsOwn(), "the mark ends with the start");
        assertFalse(started.cookies().isOurs("treekill-guard"));
        assertFalse(dev.treekill.agent.starts.Cookies.isBeneath("treekill-guard", appCookie),
                "a leak check's cookie search for the application's start does not find the guard");

        start(block("PATH=/bin"), new int[] {1});
        assertEquals(2, heard.size(), "the next start of the application's is heard again");
    }

    @Test
    void anEmptyEnvironmentGetsJustTheCookie() throws Exception {
        int[] envc = {0};
        byte[] out = start(new byte[0], envc);
        assertEquals(1, envc[0]);
        assertTrue(text(out).matches(VARIABLE + "=tk[0-9a-f]+-[0-9a-f]+-[0-9]+\0"), text(out));
    }

    @Test
    void theOtherEntriesKeepTheirOrderAndEveryByte() throws Exception {
        byte[] weird = {'N', (byte) 0xe4, '=', (byte) 0xc3, (byte) 0xa9, (byte) 0xff, 0x01, ' ', '=', 'x'};
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(block("Z_FIRST=1", "A_SECOND=two words", "EMPTY="));
        b.writeBytes(weird);
        b.write(0);
        b.writeBytes(block("TREEKILL_COOKIE_X=not-it", "XTREEKILL_COOKIE=not-it-either", "LAST=\t"));
        byte[] in = b.toByteArray();
        byte[] original = in.clone();
        int[] envc = {7};

        byte[] out = start(in, envc);

        assertArrayEquals(original, in, "the JDK's block itself is not changed");
        assertEquals(8, envc[0]);
        // The original bytes come first, unchanged, then the cookie entry.
        byte[] prefix = java.util.Arrays.copyOf(out, in.length);
        assertArrayEquals(in, prefix, "every entry kept in order, byte for byte");
        String added = text(out).substring(in.length);
        assertTrue(added.matches(VARIABLE + "=tk[0-9a-f]+-[0-9a-f]+-[0-9]+\0"), added);
    }

    @Test
    void aCookieInheritedFromTheJvmIsReplaced() throws Exception {
        // In this JVM TREEKILL_COOKIE is normally unset: then "inherited" is a block without one.
        String own = System.getenv(VARIABLE);
        byte[] in = own == null ? block("A=1", "B=2") : block("A=1", VARIABLE + "=" + own, "B=2");
        int[] envc = {own == null ? 2 : 3};
        byte[] out = start(in, envc);
        assertEquals(1, cookieEntries(out), text(out));
        String cookie = Environ.valueOf(text(out), VARIABLE);
        assertNotEquals(own, cookie, "a cookie of this JVM's own, not the inherited one");
        assertEquals(List.of("A=1", "B=2", VARIABLE + "=" + cookie), entries(out));
        assertEquals(3, envc[0]);
    }

    /**
     * The replace path with TREEKILL_COOKIE really set in the JVM (as under a parent JVM with the agent): run in
     * a child JVM whose environment has it, since this one's cannot be changed.
     */
    /** Runs {@code main} in a child JVM whose TREEKILL_COOKIE is {@code inherited}; its output lines by first word. */
    private Map<String, String> runChildJvm(Class<?> main, String inherited) throws Exception {
        Path classes = Paths.get(StartHooks.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path testClasses = Paths.get(StartHooksTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ProcessBuilder pb = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classes + java.io.File.pathSeparator + testClasses, main.getName());
        pb.environment().put(VARIABLE, inherited);
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.environment().remove("_JAVA_OPTIONS");
        pb.redirectErrorStream(true);
        Process child = pb.start();
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

    @Test
    void aValueSetByTheApplicationIsAnOptOutAndKept() throws Exception {
        String own = System.getenv(VARIABLE);
        String chosen = "set-by-the-application" + (own == null ? "" : "-not-" + own);
        byte[] in = block("A=1", VARIABLE + "=" + chosen, "B=2");
        byte[] original = in.clone();
        int[] envc = {3};
        hooks.starting();
        byte[] out = hooks.environmentBlock(in, envc);
        Process p = realProcess();
        hooks.started(p);
        assertArrayEquals(original, out, "the block as the application built it");
        assertEquals(chosen, Environ.valueOf(text(out), VARIABLE));
        assertEquals(3, envc[0]);
        assertNotNull(started.of(p), "registered all the same: the orphan reaper must know it");
    }

    @Test
    void aCookieOfThisJvmInTheBlockIsReplacedByAFreshOne() throws Exception {
        // Copied from another child's environment, say: not a choice of the application's, not an opt-out.
        String handedOut = started.cookies().mint();
        byte[] in = block("A=1", VARIABLE + "=" + handedOut, "B=2");
        int[] envc = {3};
        hooks.starting();
        byte[] out = hooks.environmentBlock(in, envc);
        Process p = realProcess();
        hooks.started(p);

        assertEquals(1, cookieEntries(out), text(out));
        String cookie = Environ.valueOf(text(out), VARIABLE);
        assertNotNull(cookie);
        assertNotEquals(handedOut, cookie, "a fresh cookie, not the copied one");
        assertTrue(started.cookies().isOurs(cookie), cookie);
        assertEquals(List.of("A=1", "B=2", VARIABLE + "=" + cookie), entries(out));
        assertEquals(3, envc[0]);
        assertNotNull(started.of(p), "the start is registered");
    }

    @Test
    void anEmptyValueSetByTheApplicationIsAnOptOutToo() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv(VARIABLE) == null || !System.getenv(VARIABLE).isEmpty());
        byte[] in = block(VARIABLE + "=");
        int[] envc = {1};
        byte[] out = start(in, envc);
        assertEquals(List.of(VARIABLE + "="), entries(out));
        assertEquals(1, envc[0]);
    }

    @Test
    void everyStartGetsItsOwnCookie() throws Exception {
        byte[] first = start(block("A=1"), new int[] {1});
        byte[] second = start(block("A=1"), new int[] {1});
        String c1 = Environ.valueOf(text(first), VARIABLE);
        String c2 = Environ.valueOf(text(second), VARIABLE);
        assertNotNull(c1);
        assertNotNull(c2);
        assertNotEquals(c1, c2);
        // same JVM prefix, different sequence numbers
        assertEquals(c1.substring(0, c1.lastIndexOf('-')), c2.substring(0, c2.lastIndexOf('-')));
        assertNotEquals(c1, started.cookies().mint());
    }

    @Test
    void startsOnOtherThreadsGetTheirOwnCookieAndDoNotSeeThisOne() throws Exception {
        hooks.starting();
        AtomicReference<Object> untouched = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                // No starting() on this thread: nothing pending here, the block passes untouched.
                byte[] in = block("A=1");
                untouched.set(hooks.environmentBlock(in, new int[] {1}) == in);
            } catch (Throwable e) {
                untouched.set(e);
            }
        });
        t.start();
        t.join(10_000);
        assertEquals(Boolean.TRUE, untouched.get(), "a thread without a start of its own adds nothing");
        byte[] mine = hooks.environmentBlock(block("A=1"), new int[] {1});
        hooks.started(realProcess());
        assertEquals(1, cookieEntries(mine));
    }

    @Test
    void startFailedClearsThePendingCookie() throws Exception {
        hooks.starting();
        hooks.startFailed();
        byte[] in = block("A=1");
        int[] envc = {1};
        assertSame(in, hooks.environmentBlock(in, envc), "no start pending: the block as given");
        assertEquals(1, envc[0]);
        // and the next start works as usual
        byte[] out = start(block("A=1"), new int[] {1});
        assertEquals(1, cookieEntries(out));
    }

    @Test
    void anOptOutClearsThePendingCookieForTheRestOfThatStart() throws Exception {
        hooks.starting();
        byte[] optedOut = block(VARIABLE + "=mine-" + System.nanoTime());
        assertSame(optedOut, hooks.environmentBlock(optedOut, new int[] {1}));
        // Were the block asked for again in the same start, nothing would be added either.
        byte[] again = block("A=1");
        assertSame(again, hooks.environmentBlock(again, new int[] {1}));
        hooks.started(realProcess());
    }

    @Test
    void withCookiesOffTheBlockIsUntouchedButTheStartIsRegistered() throws Exception {
        StartHooks off = new StartHooks(started, false);
        byte[] in = block("A=1", "B=2");
        int[] envc = {2};
        off.starting();
        assertSame(in, off.environmentBlock(in, envc));
        assertEquals(2, envc[0]);
        Process p = realProcess();
        off.started(p);
        assertNotNull(started.of(p));
    }

    /** A record is unreaped while /proc shows its very process: once the JDK reaped the real Process, it is not. */
    @Test
    void aRealProcessLeavesThePidLookupOnceTheJdkReapedIt() throws Exception {
        StartedProcesses started = new StartedProcesses(dev.treekill.agent.proc.ProcSource.system(), StartedProcesses.Tracking.FROM_FIRST_START);
        StartHooks hooks = new StartHooks(started, true);
        hooks.starting();
        hooks.environmentBlock(block("A=1"), new int[] {1});
        hooks.forking();
        Process p = realProcess();
        hooks.started(p);
        Started record = started.of(p);
        assertNotNull(record);
        assertSame(record, started.ofPid(p.pid()), "unreaped: found by pid");
        p.destroyForcibly();
        p.waitFor(); // the JDK reaped it: /proc no longer shows that process
        assertNull(started.ofPid(p.pid()), "reaped: its pid may name a stranger now");
        assertSame(record, started.of(p), "the application's Process still finds its record");
    }

    @Test
    void aStartThatForkedAndFailedLeavesTheNextStartOnThisThreadWhole() throws Exception {
        hooks.starting();
        hooks.environmentBlock(block("A=1"), new int[] {1});
        hooks.forking();
        hooks.startFailed(); // the JDK threw after its fork, and reaped what it had forked
        byte[] out = start(block("A=1"), new int[] {1});
        assertEquals(1, cookieEntries(out));
        Process p = processes.get(processes.size() - 1);
        assertNotNull(started.of(p));
        assertSame(started.of(p), started.ofPid(p.pid()));
    }

    /** started() without forking() first (number 0: nothing in flight to end) registers the Process all the same. */
    @Test
    void aStartWithoutForkingIsStillRegistered() throws Exception {
        hooks.starting();
        byte[] out = hooks.environmentBlock(block("A=1"), new int[] {1});
        Process p = realProcess();
        hooks.started(p);
        assertEquals(1, cookieEntries(out));
        assertSame(started.of(p), started.ofPid(p.pid()));
    }

    /** What the library bridge builds on: each start is told on the starting thread, once its record exists. */
    @Test
    void startListenersHearEachStartOnTheStartingThreadAfterItsRecord() throws Exception {
        List<String> heard = new ArrayList<>();
        java.util.function.Consumer<Process> listener = p -> heard.add(Thread.currentThread().getName() + " "
                + (started.of(p) != null) + " " + p.pid());
        started.listeners().add(listener);
        Process p = realProcess();
        hooks.starting();
        hooks.forking();
        hooks.started(p);
        started.listeners().remove(listener);
        hooks.starting();
        hooks.forking();
        hooks.started(realProcess());

        assertEquals(List.of(Thread.currentThread().getName() + " true " + p.pid()), heard);
    }
}
