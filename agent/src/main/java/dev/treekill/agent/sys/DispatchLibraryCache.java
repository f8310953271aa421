package dev.treekill.agent.sys;

import dev.treekill.agent.log.Log;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.zip.CRC32;

/**
 * JNA's native library (libjnidispatch.so), unpacked once per user and per library build into
 * {@code $XDG_CACHE_HOME/treekill/jnidispatch-<crc32>-<bytes>/} (else {@code ~/.cache/treekill/...}), so that the
 * hidden JNA loads it from there ({@code jna.boot.library.path} in its private property view) instead of
 * unpacking it to a fresh temporary file in every JVM: that costs about a quarter of JNA's first load
 * (File.createTempFile seeds a SecureRandom, and 130 KB are inflated and written). The file is used only when
 * its size and CRC-32 are those of the jar's entry; otherwise it is written again (a private temporary name,
 * then an atomic rename, so concurrent JVMs never see half a file), and only if the file and every directory above
 * it pass {@link UserCache}'s checks (no link, this user's or root's, writable by its owner alone). Where none of this works (no writable
 * home, another architecture) nothing is set and JNA unpacks as before; so it does too when loading the
 * cached file fails (e.g. another class loader of this JVM holds it).
 */
final class DispatchLibraryCache {
    static final String BOOT_PATH_PROPERTY = "jna.boot.library.path";
    private static final String FILE_NAME = "libjnidispatch.so";

    private DispatchLibraryCache() {
    }

    /** The directory holding a verified copy of the hidden JNA's native library, or null. */
    static String prepare(ClassLoader files) {
        return prepare(files, UserCache.root());
    }

    /** The same under {@code root} (null: none). */
    static String prepare(ClassLoader files, File root) {
        String platform = jnaPlatform();
        if (platform == null) {
            return null;
        }
        try {
            URL url = files.getResource(HiddenLoader.PREFIX + "com/sun/jna/" + platform + "/" + FILE_NAME);
            if (url == null || root == null) {
                return null;
            }
            Fingerprint expected = fingerprint(url);
            Path dir = UserCache.trustedDirectory(new File(root, "jnidispatch-" + Long.toHexString(expected.crc)
                    + "-" + expected.size), true);
            if (dir == null) {
                Log.debug("JNA's native library is unpacked per JVM: " + root + " is not this user's alone");
                return null;
            }
            if (!expected.matches(dir.resolve(FILE_NAME))) {
                write(url, dir);
                if (!expected.matches(dir.resolve(FILE_NAME))) {
                    return null;
                }
            }
            return dir.toString();
        } catch (IOException | RuntimeException e) {
            Log.debug("JNA's native library is unpacked per JVM: " + e);
            return null;
        }
    }

    /** JNA's resource prefix (Platform.RESOURCE_PREFIX) for the architectures whose library the agent carries. */
    private static String jnaPlatform() {
        String arch = System.getProperty("os.arch", "");
        if (arch.equals("amd64") || arch.equals("x86_64")) {
            return "linux-x86-64";
        }
        return arch.equals("aarch64") ? "linux-aarch64" : null;
    }

    /** Size and CRC-32 of the jar entry, read from the jar's directory (nothing inflated) where it is a jar. */
    private static Fingerprint fingerprint(URL url) throws IOException {
        URLConnection connection = url.openConnection();
        if (connection instanceof JarURLConnection) {
            JarEntry entry = ((JarURLConnection) connection).getJarEntry();
            if (entry.getCrc() >= 0 && entry.getSize() >= 0) {
                return new Fingerprint(entry.getCrc(), entry.getSize());
            }
        }
        try (InputStream in = connection.getInputStream()) {
            byte[] bytes = in.readAllBytes();
            return new Fingerprint(crc(bytes, bytes.length), bytes.length);
        }
    }

    private static void write(URL url, Path dir) throws IOException {
        byte[] bytes;
        try (InputStream in = url.openStream()) {
            bytes = in.readAllBytes();
        }
        UserCache.writeTrustedFile(dir, FILE_NAME, ProcessHandle.current().pid() + "." + System.nanoTime(), bytes);
    }

    private static long crc(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return crc.getValue();
    }

    /** What the cached file must be: the jar entry's size and CRC-32. */
    private static final class Fingerprint {
        final long crc;
        final long size;

        Fingerprint(long crc, long size) {
            this.crc = crc;
            this.size = size;
        }

        /** Whether {@code lib} is a trusted file (see UserCache) of this size and CRC-32, read whole. */
        boolean matches(Path lib) throws IOException {
            byte[] bytes = UserCache.readTrustedFile(lib, Math.min(size, Integer.MAX_VALUE - 8));
            return bytes != null && bytes.length == size && crc(bytes, bytes.length) == crc;
        }
    }
}
