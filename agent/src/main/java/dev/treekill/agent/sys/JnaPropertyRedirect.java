package dev.treekill.agent.sys;

import java.nio.charset.StandardCharsets;

/**
 * Rewrites a class of the hidden JNA so that its system-property calls ({@code System.getProperty},
 * {@code setProperty}, {@code clearProperty}, {@code Boolean.getBoolean}) go to {@link JnaProperties}
 * instead. Only the constant pool changes: each such method reference gets JnaProperties as its class
 * (two constants appended), keeping its name and descriptor, so no instruction, stack or frame changes.
 * Not ASM: in a fresh JVM, re-encoding the JNA classes the agent loads costs ~45 ms of CPU with it, on the
 * warm-up path of the first kill; one pass over each constant pool costs ~2 ms. Calls it does not cover ({@code System.getProperties()},
 * {@code Integer.getInteger}, {@code Long.getLong}; JNA 5.17 makes none) are looked for by a test over the
 * packaged JNA, which also reads the rewritten classes back with ASM.
 */
final class JnaPropertyRedirect {
    private static final String SYSTEM = "java/lang/System";
    private static final String BOOLEAN = "java/lang/Boolean";
    private static final byte[] TARGET = ascii(JnaProperties.class.getName().replace('.', '/'));
    private static final byte[] SYSTEM_BYTES = ascii(SYSTEM);
    private static final byte[] BOOLEAN_BYTES = ascii(BOOLEAN);
    private static final int UTF8 = 1;
    private static final int CLASS = 7;
    private static final int METHODREF = 10;
    /** Where the constant pool starts: after magic, minor and major version, and the pool's count. */
    private static final int POOL_START = 10;
    private static final int MAX_POOL_COUNT = 0xffff;

    private JnaPropertyRedirect() {
    }

    /**
     * The class with its property calls redirected, or {@code bytes} itself when it makes none.
     *
     * @throws IllegalArgumentException on a constant pool this does not know (a class file from a future JDK)
     */
    static byte[] rewrite(byte[] bytes) {
        int count = u2(bytes, POOL_START - 2);
        int[] offsets = new int[count]; // of each constant's tag; 0 for the unusable slot after a long or double
        int end = POOL_START;
        for (int i = 1; i < count; i++) {
            offsets[i] = end;
            int tag = bytes[end] & 0xff;
            end += constantSize(tag, bytes, end);
            if (tag == 5 || tag == 6) {
                i++; // a long or a double takes two slots
            }
        }
        boolean[] redirect = new boolean[count];
        boolean any = false;
        for (int i = 1; i < count; i++) {
            int at = offsets[i];
            if (at != 0 && (bytes[at] & 0xff) == METHODREF) {
                int owner = offsets[u2(bytes, offsets[u2(bytes, at + 1)] + 1)];
                if (utf8Is(bytes, owner, SYSTEM_BYTES) || utf8Is(bytes, owner, BOOLEAN_BYTES)) {
                    String name = utf8(bytes, offsets[u2(bytes, offsets[u2(bytes, at + 3)] + 1)]);
                    redirect[i] = isPropertyCall(utf8(bytes, owner), name);
                    any |= redirect[i];
                }
            }
        }
        if (!any) {
            return bytes;
        }
        if (count + 2 > MAX_POOL_COUNT) {
            throw new IllegalArgumentException("constant pool full");
        }
        byte[] added = new byte[3 + TARGET.length + 3]; // Utf8 at index count, Class at count + 1
        added[0] = UTF8;
        putU2(added, 1, TARGET.length);
        System.arraycopy(TARGET, 0, added, 3, TARGET.length);
        added[3 + TARGET.length] = CLASS;
        putU2(added, 4 + TARGET.length, count);
        byte[] out = new byte[bytes.length + added.length];
        System.arraycopy(bytes, 0, out, 0, end);
        System.arraycopy(added, 0, out, end, added.length);
        System.arraycopy(bytes, end, out, end + added.length, bytes.length - end);
        putU2(out, POOL_START - 2, count + 2);
        for (int i = 1; i < count; i++) {
            if (redirect[i]) {
                putU2(out, offsets[i] + 1, count + 1);
            }
        }
        return out;
    }

    /** The calls redirected: the ones whose owner and name {@link JnaProperties} mirrors. */
    static boolean isPropertyCall(String owner, String method) {
        return SYSTEM.equals(owner) && (method.equals("getProperty") || method.equals("setProperty")
                || method.equals("clearProperty"))
                || BOOLEAN.equals(owner) && method.equals("getBoolean");
    }

    /** Bytes of the constant at {@code at}, tag included (JVMS 4.4). */
    private static int constantSize(int tag, byte[] bytes, int at) {
        switch (tag) {
            case UTF8:
                return 3 + u2(bytes, at + 1);
            case 5: // Long
            case 6: // Double
                return 9;
            case 3: // Integer
            case 4: // Float
            case 9: // Fieldref
            case METHODREF:
            case 11: // InterfaceMethodref
            case 12: // NameAndType
            case 17: // Dynamic
            case 18: // InvokeDynamic
                return 5;
            case 15: // MethodHandle
                return 4;
            case CLASS:
            case 8: // String
            case 16: // MethodType
            case 19: // Module
            case 20: // Package
                return 3;
            default:
                throw new IllegalArgumentException("unknown constant pool tag " + tag + " at byte " + at);
        }
    }

    /** The Utf8 constant at {@code at}; the names compared are ASCII, where modified UTF-8 is too. */
    private static String utf8(byte[] bytes, int at) {
        return new String(bytes, at + 3, u2(bytes, at + 1), StandardCharsets.ISO_8859_1);
    }

    private static boolean utf8Is(byte[] bytes, int at, byte[] expected) {
        if (u2(bytes, at + 1) != expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (bytes[at + 3 + i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    private static int u2(byte[] bytes, int at) {
        return (bytes[at] & 0xff) << 8 | (bytes[at + 1] & 0xff);
    }

    private static void putU2(byte[] bytes, int at, int value) {
        bytes[at] = (byte) (value >>> 8);
        bytes[at + 1] = (byte) value;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
