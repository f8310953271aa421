package dev.treekill.mbeans;

import java.io.File;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * The one rule for treekill's per-user cache: where it is and which of its paths may be trusted. What the cache
 * holds becomes code (the agent's patched java.base classes and JNA's native library, the library's copy of the
 * agent jar that it attaches to the boot class path), and root may run with another user's {@code HOME} or
 * {@code XDG_CACHE_HOME} ({@code sudo} keeping them, CI images): a path that user can change between our check
 * and the JVM's use of it would hand them root's JVM. Used by the agent's {@code sys.UserCache} and the
 * library's {@code BootNamedCopy}. It lives here, beside {@link Durations}, because this module is the one both
 * share (the agent shades it in; the library uses it as a jar).
 *
 * <p>Where: {@code $XDG_CACHE_HOME/treekill} when that variable is an absolute path, else
 * {@code <user.home>/.cache/treekill}; none when that is not absolute either.
 *
 * <p>A trusted directory: every component of its absolute, normalized path, from {@code /} to itself, is a real
 * directory (never a symbolic link, which is not followed) owned by root or by this process's effective uid, and
 * writable by its owner alone (no write bit for group or others, sticky or not: {@code /tmp} is refused). No other
 * user can then rename, replace or add anything on that path. Missing components are created owner-only
 * ({@code rwx------}) and never chmod-ed afterwards. A trusted file: in a trusted directory, looked at without
 * following a link, a regular file of this effective uid (not root's unless that is this uid), with no write bit
 * for group or others and a single link (nobody holds a second name of it).
 *
 * <p>The effective uid is the owner of {@code /proc/self} (the kernel gives a process's /proc directory its euid);
 * without /proc nothing is trusted. No lambdas: the agent may run this while its premain path is timed.
 */
public final class CacheTrust {
    /** The mode bits that must be clear on every trusted directory and file: write for group or others. */
    private static final int GROUP_OR_OTHERS_WRITE = 0022;
    private static final int PERMISSION_BITS = 07777;
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY_DIR =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private CacheTrust() {
    }

    /**
     * The cache directory, {@code $XDG_CACHE_HOME/treekill} if {@code xdgCacheHome} (that variable's value, or
     * null) is an absolute path, else {@code <user.home>/.cache/treekill}; null if neither is absolute. Not
     * checked: see {@link #checkDirectory}.
     */
    public static File directory(String xdgCacheHome) {
        File cache = xdgCacheHome != null && xdgCacheHome.startsWith("/") ? new File(xdgCacheHome)
                : new File(System.getProperty("user.home", ""), ".cache");
        return cache.isAbsolute() ? new File(cache, "treekill") : null;
    }

    /**
     * Null if {@code dir} is a trusted directory (see the class comment), creating its missing components
     * owner-only first when {@code create}; else the first component that is not trusted and why. Each component
     * is checked before the next is created or entered, so nothing is ever created below a refused one.
     *
     * @throws NoSuchFileException when a component is missing and {@code create} is false
     * @throws IOException when a component's attributes cannot be read or it cannot be created
     */
    public static Untrusted checkDirectory(Path dir, boolean create) throws IOException {
        if (!dir.isAbsolute() || !dir.normalize().equals(dir)) {
            return new Untrusted(dir, "not an absolute path without . or .. components");
        }
        int euid = effectiveUid();
        Path current = dir.getRoot();
        Untrusted refused = checkComponent(current, euid);
        for (int i = 0; refused == null && i < dir.getNameCount(); i++) {
            current = current.resolve(dir.getName(i));
            if (create) {
                try {
                    Files.createDirectory(current, OWNER_ONLY_DIR);
                } catch (FileAlreadyExistsException e) {
                    // there already (or made by another JVM just now): checked below like any other component
                }
            }
            refused = checkComponent(current, euid);
        }
        return refused;
    }

    /**
     * Whether {@code file} (in a directory {@link #checkDirectory} trusted) is a trusted file: not a link, a
     * regular file of this effective uid with a single link and no write bit for group or others. False when it
     * does not exist.
     */
    public static boolean isTrustedFile(Path file) throws IOException {
        Map<String, Object> a;
        try {
            a = attributes(file);
        } catch (NoSuchFileException e) {
            return false;
        }
        return Boolean.TRUE.equals(a.get("isRegularFile")) && (Integer) a.get("nlink") == 1
                && (Integer) a.get("uid") == effectiveUid() && ((Integer) a.get("mode") & GROUP_OR_OTHERS_WRITE) == 0;
    }

    /**
     * This process's effective uid: the owner of its own /proc directory (the link /proc/self followed), which
     * the kernel sets to the euid of a dumpable process; no user-name lookup.
     *
     * @throws IOException where there is no /proc (then nothing is trusted)
     */
    public static int effectiveUid() throws IOException {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (NoSuchFileException e) {
            throw new IOException("no /proc/self to learn this process's effective uid from", e);
        }
    }

    private static Untrusted checkComponent(Path dir, int euid) throws IOException {
        Map<String, Object> a = attributes(dir);
        int uid = (Integer) a.get("uid");
        int mode = (Integer) a.get("mode");
        if (Boolean.TRUE.equals(a.get("isSymbolicLink"))) {
            return new Untrusted(dir, "a symbolic link (never followed: whoever owns the directory it sits in "
                    + "can point it elsewhere)");
        }
        if (!Boolean.TRUE.equals(a.get("isDirectory"))) {
            return new Untrusted(dir, "not a directory");
        }
        if (uid != 0 && uid != euid) {
            return new Untrusted(dir, "owned by uid " + uid + ", neither root nor this process's effective uid "
                    + euid + " (another user's HOME or XDG_CACHE_HOME?)");
        }
        if ((mode & GROUP_OR_OTHERS_WRITE) != 0) {
            return new Untrusted(dir, "writable by group or others (mode " + Integer.toOctalString(mode & PERMISSION_BITS)
                    + ")");
        }
        return null;
    }

    private static Map<String, Object> attributes(Path path) throws IOException {
        return Files.readAttributes(path, "unix:uid,mode,nlink,isDirectory,isRegularFile,isSymbolicLink",
                LinkOption.NOFOLLOW_LINKS);
    }

    /** A path component the rule refuses, and why: "{@code <component> is <reason>}". */
    public static final class Untrusted {
        private final Path component;
        private final String reason;

        Untrusted(Path component, String reason) {
            this.component = component;
            this.reason = reason;
        }

        /** The component refused: the directory itself or one of its ancestors. */
        public Path component() {
            return component;
        }

        /** Why, in words: a symbolic link, not a directory, another owner, writable by group or others. */
        public String reason() {
            return reason;
        }

        @Override
        public String toString() {
            return component + " is " + reason;
        }
    }
}
