package dev.treekill.agent.proc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The environment block as /proc/[pid]/environ and the JDK's exec hold it: NAME=value\0..., one char per byte. */
class EnvironTest {
    private static final String COOKIE = "TREEKILL_COOKIE";

    @Test
    void valueOfFindsAnEntryAnywhere() {
        String env = "A=1\0TREEKILL_COOKIE=tk42-1\0B=2\0";
        assertEquals("tk42-1", Environ.valueOf(env, COOKIE));
        assertEquals("1", Environ.valueOf(env, "A"));
        assertEquals("2", Environ.valueOf(env, "B"));
        assertNull(Environ.valueOf(env, "C"));
    }

    @Test
    void theFirstEntryWinsAsInGetenv() {
        assertEquals("first", Environ.valueOf("TREEKILL_COOKIE=first\0X=y\0TREEKILL_COOKIE=second\0", COOKIE));
    }

    @Test
    void aNameThatOnlySharesAPrefixOrASuffixIsAnotherVariable() {
        String env = "TREEKILL_COOKIE_X=long\0XTREEKILL_COOKIE=prefixed\0TREEKILL_COOKIEX=glued\0";
        assertNull(Environ.valueOf(env, COOKIE));
        assertEquals("long", Environ.valueOf(env, "TREEKILL_COOKIE_X"));
        assertEquals("prefixed", Environ.valueOf(env, "XTREEKILL_COOKIE"));
        // ...and the real one after them is still found
        assertEquals("real", Environ.valueOf(env + "TREEKILL_COOKIE=real\0", COOKIE));
        // a name that appears only inside a value is not an entry either
        assertNull(Environ.valueOf("PATH=/bin:TREEKILL_COOKIE=fake\0", COOKIE));
        // a shorter name is not a prefix match of a longer one
        assertNull(Environ.valueOf("TREEKILL_COOKIE=v\0", "TREEKILL"));
    }

    @Test
    void aMissingTrailingNulEndsTheLastValueAtTheEndOfTheBlock() {
        assertEquals("tail", Environ.valueOf("A=1\0TREEKILL_COOKIE=tail", COOKIE));
        assertEquals("only", Environ.valueOf("TREEKILL_COOKIE=only", COOKIE));
        assertEquals(2, Environ.count("A=1\0TREEKILL_COOKIE=tail"));
        assertEquals("A=1\0", Environ.without("A=1\0TREEKILL_COOKIE=tail", COOKIE));
        assertEquals("TREEKILL_COOKIE=tail", Environ.without("TREEKILL_COOKIE=tail", "A"));
    }

    @Test
    void emptyValuesAndNameWithoutEquals() {
        assertEquals("", Environ.valueOf("TREEKILL_COOKIE=\0A=1\0", COOKIE));
        assertEquals("", Environ.valueOf("A=1\0TREEKILL_COOKIE=", COOKIE));
        // "TREEKILL_COOKIE" alone (no '=') is not an entry for it
        assertNull(Environ.valueOf("TREEKILL_COOKIE\0A=1\0", COOKIE));
        assertNull(Environ.valueOf("TREEKILL_COOKIE", COOKIE));
    }

    @Test
    void anEmptyEnvironmentHasNothing() {
        assertNull(Environ.valueOf("", COOKIE));
        assertEquals(0, Environ.count(""));
        assertEquals("", Environ.without("", COOKIE));
    }

    @Test
    void withoutRemovesEveryEntryOfThatNameAndOnlyThose() {
        String env = "TREEKILL_COOKIE=a\0TREEKILL_COOKIE_X=keep1\0B=2\0TREEKILL_COOKIE=b\0XTREEKILL_COOKIE=keep2\0"
                + "TREEKILL_COOKIE=c\0";
        String out = Environ.without(env, COOKIE);
        assertEquals("TREEKILL_COOKIE_X=keep1\0B=2\0XTREEKILL_COOKIE=keep2\0", out);
        assertNull(Environ.valueOf(out, COOKIE));
        assertEquals(3, Environ.count(out));
        // nothing to remove: the very same text
        assertEquals("A=1\0B=2\0", Environ.without("A=1\0B=2\0", COOKIE));
    }

    @Test
    void countCountsEntriesWithOrWithoutTheFinalNul() {
        assertEquals(1, Environ.count("A=1\0"));
        assertEquals(1, Environ.count("A=1"));
        assertEquals(3, Environ.count("A=1\0B=\0C=3\0"));
        assertEquals(3, Environ.count("A=1\0B=\0C=3"));
    }

    @Test
    void nonAsciiBytesSurviveARoundTripThroughIso88591() {
        byte[] value = {(byte) 0xc3, (byte) 0xa9, (byte) 0xff, (byte) 0x80, 0x01, (byte) 0xfe}; // UTF-8 é, then raw bytes
        byte[] other = {'N', (byte) 0xe4, '=', (byte) 0xf6, (byte) 0x9f};
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.writeBytes(other);
        b.write(0);
        b.writeBytes("TREEKILL_COOKIE=".getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(value);
        b.write(0);
        b.writeBytes("Z=z".getBytes(StandardCharsets.US_ASCII));
        b.write(0);
        byte[] block = b.toByteArray();

        String env = new String(block, StandardCharsets.ISO_8859_1);
        assertArrayEquals(value, Environ.valueOf(env, COOKIE).getBytes(StandardCharsets.ISO_8859_1));
        assertArrayEquals(new byte[] {(byte) 0xf6, (byte) 0x9f},
                Environ.valueOf(env, new String(new byte[] {'N', (byte) 0xe4}, StandardCharsets.ISO_8859_1))
                        .getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(3, Environ.count(env));

        byte[] without = Environ.without(env, COOKIE).getBytes(StandardCharsets.ISO_8859_1);
        java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
        expected.writeBytes(other);
        expected.write(0);
        expected.writeBytes("Z=z".getBytes(StandardCharsets.US_ASCII));
        expected.write(0);
        assertArrayEquals(expected.toByteArray(), without, "the other entries, byte for byte");
        // and removing a name that is absent gives back the very same bytes
        assertArrayEquals(block, Environ.without(env, "ABSENT").getBytes(StandardCharsets.ISO_8859_1));
    }
}
