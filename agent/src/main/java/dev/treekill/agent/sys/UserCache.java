package dev.treekill.agent.sys;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.util.Map;

/**
 * The agent's per-user cache directory, {@code $XDG_CACHE_HOME/treekill} (else {@code ~/.cache/treekill}), and
 * the rule every file in it lives by: it is used only from directories of this user that no one else may write
 * to, checked without following links, so no other user can put a file of theirs where the agent loads its own
 * (a native library, or patched JDK classes).
 */
public final class UserCache {
    /** rwx for the owner, nothing for group and others: the mode bits that must be clear. */
    private static final int GROUP_OR_OTHERS_WRITE = 0022;
    private static final String XDG_CACHE_HOME = "XDG_CACHE_HOME";

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

    /** Creates {@code dir} (and its parents) if needed; {@code dir} and {@code root} are made owner-only. */
    public static void create(File root, File dir) throws IOException {
        if (!dir.isDirectory() && !dir.mkdirs() && !dir.isDirectory()) {
            throw new IOException("cannot create " + dir);
        }
        ownerOnly(root);
        ownerOnly(dir);
    }

    /**
     * Whether {@code dir} is a directory (not a link) of this process's user that no one else may write to: then
     * no other user can swap a checked file for theirs before it is used. Reads the numeric owner and mode (no
     * user-name lookup).
     */
    public static boolean ownedByThisUserAlone(File dir) throws IOException {
        Map<String, Object> attributes = Files.readAttributes(dir.toPath(), "unix:uid,mode,isDirectory",
                LinkOption.NOFOLLOW_LINKS);
        Object self = Files.getAttribute(new File("/proc/self").toPath(), "unix:uid", LinkOption.NOFOLLOW_LINKS);
        return Boolean.TRUE.equals(attributes.get("isDirectory")) && self.equals(attributes.get("uid"))
                && ((Integer) attributes.get("mode") & GROUP_OR_OTHERS_WRITE) == 0;
    }

    /** rwx for the owner alone. */
    private static void ownerOnly(File f) {
        f.setReadable(false, false);
        f.setWritable(false, false);
        f.setExecutable(false, false);
        f.setReadable(true, true);
        f.setWritable(true, true);
        f.setExecutable(true, true);
    }
}
