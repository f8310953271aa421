package dev.treekill.agent.sys;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
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
import java.util.Map;
import java.util.Set;

/**
 * The agent's per-user cache directory, {@code $XDG_CACHE_HOME/treekill} (else {@code ~/.cache/treekill}), and
 * the rule every file in it lives by, since what it holds becomes code (patched java.base classes, a native
 * library). Trusted: a path whose every component, from {@code /} to the cache directory, is a real directory
 * (never a symbolic link) owned by root or by this process's effective uid and writable by its owner alone.
 * Refused: anything else, including a sticky world-writable ancestor such as /tmp and a home of another user
 * (root with someone else's HOME). Missing directories are created owner-only ({@code rwx------}) and never
 * chmod-ed afterwards. A cached file is read without following links, and only if it is a regular file of this
 * euid, not writable by group or others, with one link. Every method answers "no" (null, false) rather than
 * throwing on a refusal: the caller then works without the cache.
 */
public final class UserCache {
    /** The mode bits that must be clear on every trusted directory and file: write for group or others. */
    private static final int GROUP_OR_OTHERS_WRITE = 0022;
    private static final String XDG_CACHE_HOME = "XDG_CACHE_HOME";
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY_DIR =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private UserCache() {
    }

    /** {@code $XDG_CACHE_HOME/treekill}, else {@code ~/.cache/treekill}; null if neither is an absolute path. */
    public static File root() {
        return root(System.getenv(XDG_CACHE_HOME));
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
            return root(null);
        }
        byte[] key = (XDG_CACHE_HOME + "=").getBytes(StandardCharsets.UTF_8);
        for (int start = 0, end; start < environ.length; start = end + 1) {
            end = start;
            while (end < environ.length && environ[end] != 0) {
                end++;
            }
            if (end - start >= key.length && startsWith(environ, start, key)) {
                return root(new String(environ, start + key.length, end - start - key.length, StandardCharsets.UTF_8));
            }
        }
        return root(null);
    }

    private static File root(String xdgCacheHome) {
        File cache = xdgCacheHome != null && xdgCacheHome.startsWith("/") ? new File(xdgCacheHome)
                : new File(System.getProperty("user.home", ""), ".cache");
        return cache.isAbsolute() ? new File(cache, "treekill") : null;
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
     * {@code dir} if every component from {@code /} to it is trusted (see the class comment), creating the
     * missing ones owner-only when {@code create}; else null. Checks a component before it creates or enters the
     * next, so a refused ancestor is never written under.
     */
    public static Path trustedDirectory(File dir, boolean create) throws IOException {
        try {
            return checkedPath(dir.toPath(), create);
        } catch (NoSuchFileException e) {
            return null; // not there yet, when not asked to create it
        }
    }

    private static Path checkedPath(Path path, boolean create) throws IOException {
        if (!path.isAbsolute() || !path.normalize().equals(path)) {
            return null;
        }
        int euid = effectiveUid();
        Path current = path.getRoot();
        if (!trusted(current, euid, true)) {
            return null;
        }
        for (Path name : path) {
            current = current.resolve(name);
            if (create) {
                try {
                    Files.createDirectory(current, OWNER_ONLY_DIR);
                } catch (FileAlreadyExistsException e) {
                    // checked below like any other component
                }
            }
            if (!trusted(current, euid, true)) {
                return null;
            }
        }
        return path;
    }

    /**
     * The content of {@code file} in a trusted directory, read without following a link, if it is a regular
     * file of this euid, not writable by group or others, with one link, of at most {@code maxBytes}; else null
     * (also when it does not exist or is a link).
     */
    public static byte[] readTrustedFile(Path file, long maxBytes) throws IOException {
        int euid = effectiveUid();
        try {
            if (!trusted(file, euid, false)) {
                return null; // a link, a directory, another user's, a second name of it
            }
        } catch (NoSuchFileException e) {
            return null;
        }
        try (SeekableByteChannel in = Files.newByteChannel(file, Set.<OpenOption>of(StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS))) {
            // Checked again once open: the directory is this user's alone, so the file opened is the file checked.
            if (!trusted(file, euid, false) || in.size() > maxBytes) {
                return null;
            }
            ByteBuffer bytes = ByteBuffer.allocate((int) in.size());
            while (bytes.hasRemaining() && in.read(bytes) > 0) {
                // until full or at the end
            }
            return bytes.hasRemaining() ? null : bytes.array();
        }
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

    /**
     * Whether {@code path} (not followed if a link) is a directory ({@code directory}) or a regular file with one
     * link, owned by this euid (or, for a directory, by root) and not writable by group or others.
     */
    private static boolean trusted(Path path, int euid, boolean directory) throws IOException {
        Map<String, Object> a = Files.readAttributes(path, "unix:uid,mode,nlink,isDirectory,isRegularFile",
                LinkOption.NOFOLLOW_LINKS);
        int uid = (Integer) a.get("uid");
        boolean kind = directory ? Boolean.TRUE.equals(a.get("isDirectory"))
                : Boolean.TRUE.equals(a.get("isRegularFile")) && (Integer) a.get("nlink") == 1;
        boolean owner = uid == euid || (directory && uid == 0);
        return kind && owner && ((Integer) a.get("mode") & GROUP_OR_OTHERS_WRITE) == 0;
    }

    /**
     * This process's effective uid: the owner of its own /proc directory (the link /proc/self followed), which
     * the kernel sets to the euid of a dumpable process; no user-name lookup.
     */
    private static int effectiveUid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }
}
