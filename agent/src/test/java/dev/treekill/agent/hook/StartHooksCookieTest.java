package dev.treekill.agent.hook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.proc.Environ;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The cookie a start's environment block gets through the agent's start hooks (what ProcessImpl.start does): exactly
 * one TREEKILL_COOKIE of its own, every other entry kept in order byte for byte; an inherited one or one this JVM
 * handed out is replaced, a deliberately set one is kept (an opt-out); with cookies off the block is untouched; and
 * every start is registered. (Which cookie a start records, none for an opt-out, the fresh one for a copied cookie
 * of this JVM, is checked where the record's fields are visible: the seam tests over StartsFixture.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StartHooksCookieTest extends StartHooksFixture {
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
}
