package dev.treekill.agent.hook;

import dev.treekill.agent.log.Log;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import java.util.zip.Adler32;
import java.util.zip.CRC32;

/**
 * Which patching code a cached patch came from (see {@link PatchCache}): computed in this JVM, at the first cache
 * lookup, from the class files that actually run and decide what a patched JDK class contains and calls, so a
 * patch cached by another build of the agent is never used (it could call a Hooks method that no longer exists).
 * Nothing is kept by hand: PatcherIdentityTest checks that the list covers every nested class of the listed ones.
 */
final class PatcherIdentity {
    /** Class files (resource names without ".class") of the patching code and what patched classes call. */
    static final List<String> PATCHING_CODE = List.of(
            "dev/treekill/agent/hook/ProcessClassRewriter",
            "dev/treekill/agent/hook/ProcessClassRewriter$1",
            "dev/treekill/agent/hook/ProcessClassRewriter$2",
            "dev/treekill/agent/hook/ProcessClassRewriter$3",
            "dev/treekill/agent/hook/ProcessClassRewriter$3$1",
            "dev/treekill/agent/hook/ProcessClassRewriter$ForkInjector",
            "dev/treekill/agent/hook/ProcessClassRewriter$HookInjector",
            "dev/treekill/agent/hook/ProcessClassRewriter$StartInjector",
            "dev/treekill/agent/hook/ProcessClassRewriter$CookieInjector",
            "dev/treekill/agent/hook/Hooks",
            "dev/treekill/agent/hook/Hooks$Handler",
            "dev/treekill/agent/hook/Hooks$Starts",
            "dev/treekill/agent/hook/ProcessClassPatcher",
            "dev/treekill/agent/jmx/PlatformServerRewriter",
            "dev/treekill/agent/jmx/PlatformServerRewriter$1",
            "dev/treekill/agent/jmx/PlatformServerRewriter$1$1",
            "dev/treekill/agent/jmx/PlatformRegistration",
            "dev/treekill/agent/jmx/PlatformRegistration$1",
            "dev/treekill/agent/jmx/PlatformServerPatcher",
            // The build relocates this string with the classes (net.bytebuddy.jar.asm -> agent.internal.asm).
            "net/bytebuddy/jar/asm/ClassReader",
            "net/bytebuddy/jar/asm/ClassWriter");

    private PatcherIdentity() {
    }

    /**
     * The identity of the patching code this JVM runs, read as resources through the system class loader (which
     * asks the boot class path, where the agent's classes are, first); null if a class file cannot be read.
     * Not logged: at log=debug every JVM would print it (ColdKillIT allows only kill reports).
     */
    static String ofRunningCode() {
        return of(new Function<String, byte[]>() {
            @Override
            public byte[] apply(String name) {
                try (InputStream in = ClassLoader.getSystemResourceAsStream(name + ".class")) {
                    return in == null ? null : in.readAllBytes();
                } catch (IOException e) {
                    return null;
                }
            }
        });
    }

    /**
     * Adler-32 and CRC-32 (16 hex digits) over each class of {@link #PATCHING_CODE}, in order: its name, its
     * length, its bytes, as {@code classFile} gives them; null if it gives null for any.
     */
    static String of(Function<String, byte[]> classFile) {
        // Both native in the JDK (CRC32C is Java code, slow in the interpreter, where this runs).
        Adler32 adler32 = new Adler32();
        CRC32 crc32 = new CRC32();
        for (String name : PATCHING_CODE) {
            byte[] bytes = classFile.apply(name);
            if (bytes == null) {
                Log.debug("no class file " + name + ": patches are not cached");
                return null;
            }
            byte[] header = (name + "\n" + bytes.length + "\n").getBytes(StandardCharsets.UTF_8);
            adler32.update(header, 0, header.length);
            adler32.update(bytes, 0, bytes.length);
            crc32.update(header, 0, header.length);
            crc32.update(bytes, 0, bytes.length);
        }
        return hex8(adler32.getValue()) + hex8(crc32.getValue());
    }

    /** Eight hex digits (no Formatter: this may run while java.base classes are still loading). */
    private static String hex8(long value) {
        String hex = Long.toHexString(value);
        return "00000000".substring(hex.length()) + hex;
    }
}
