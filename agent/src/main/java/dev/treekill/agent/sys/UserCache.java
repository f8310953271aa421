package dev.treekill.agent.sys;

import dev.treekill.mbeans.CacheTrust;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The agent's per-user cache directory, {@code $XDG_CACHE_HOME/treekill} (else {@code ~/.cache/treekill}), read
 * and written by the rule of {@link CacheTrust} (the one rule the library's copy of the agent jar lives by too):
 * what it holds becomes code (patched java.base classes, a native library), so a directory is used only if every
 * component from {@code /} is a real directory of root or this euid, writable by its owner alone (created
 * {@code rwx------}), and a file only if it is a regular file of this euid, not writable by group or others, with
 * one link, read without following links. Every method answers "no" (null, false) rather than throwing on a
 * refusal: the caller then works without the cache.
 */
public final class UserCache {
    private static final String XDG_CACHE_HOME = "XDG_CACHE_HOME";
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private UserCache() {
    }

    /** {@code $XDG_CACHE_HOME/treekill}, else {@code ~/.cache/treekill}; null if neither is an absolute path. */
    public static File root() {
        return CacheTrust.directory(System.getenv(XDG_CACHE_HOME));
    }

    /**
     * The same, with {@code $XDG_CACHE_HOME} as this process was started with (/proc/self/environ): for code that
     * may run while {@code java.lang.ProcessEnvironment} itself loads, where {@code System.getenv} would fail.
     */
    public static File rootFromInitialEnvironment() {
        byte[] environ;
        try (FileInputStream in = new FileInputStream("/proc/self/environ")) {
            environ = in.readAllBytes();
        } catch (IOException e) {
            return CacheTrust.directory(null);
        }
        byte[] key = (XDG_CACHE_HOME + "=").getBytes(StandardCharsets.UTF_8);
        for (int start = 0, end; start < environ.length; start = end + 1) {
            end = start;
            while (end < environ.length && environ[end] != 0) {
                end++;
            }
            if (end - start >= key.length && startsWith(environ, start, key)) {
                return CacheTrust.directory(new String(environ, start + key.length, end - start - key.length,
                        StandardCharsets.UTF_8));
            }
        }
        return CacheTrust.directory(null);
    }

    private static boolean startsWith(byte[] bytes, int from, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[from + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code dir} if {@link CacheTrust#checkDirectory} trusts it, creating the missing components owner-only when
     * {@code create}; else null (also when it is missing and not to be created). A refusal is said at
     * {@code log=debug} by the caller, which knows what it gives up.
     */
    public static Path trustedDirectory(File dir, boolean create) throws IOException {
        try {
            return CacheTrust.checkDirectory(dir.toPath(), create) == null ? dir.toPath() : null;
        } catch (NoSuchFileException e) {
            return null; // not there yet, when not asked to create it
        }
    }

    /**
     * The content of {@code file} in a trusted directory, read without following a link, if it is a regular
     * file of this euid, not writable by group or others, with one link, of at most {@code maxBytes}; else null
     * (also when it does not exist or is a link).
     */
    public static byte[] readTrustedFile(Path file, long maxBytes) throws IOException {
        if (!CacheTrust.isTrustedFile(file)) {
            return null; // absent, a link, a directory, another user's, a second name of it
        }
        // Opened by name with java.io, not with NIO's O_NOFOLLOW channel: the directory is this user's alone, so only
        // this user could have put a link in the file's place since the check, and the check after the read sees it.
        // A JVM's first process start reads its patched classes here: NIO's channel and direct buffer classes, loaded
        // for this alone, cost that start about 2 ms.
        byte[] content;
        try (FileInputStream in = new FileInputStream(file.toFile())) {
            content = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        } catch (FileNotFoundException gone) {
            return null;
        }
        return content.length > maxBytes || !CacheTrust.isTrustedFile(file) ? null : content;
    }

    /**
     * Writes {@code content} as {@code dir/name} (owner-only) through a new private temporary file in the same
     * trusted directory and an atomic rename, so concurrent JVMs never read half a file. {@code uniqueSuffix}
     * names the temporary file; it is created exclusively, never followed if something is in its place.
     */
    public static void writeTrustedFile(Path dir, String name, String uniqueSuffix, byte[] content)
            throws IOException {
        Path temp = dir.resolve(name + "." + uniqueSuffix + ".tmp");
        try {
            try (SeekableByteChannel out = Files.newByteChannel(temp, Set.<OpenOption>of(
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), OWNER_ONLY_FILE)) {
                ByteBuffer bytes = ByteBuffer.wrap(content);
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
            }
            Files.move(temp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
