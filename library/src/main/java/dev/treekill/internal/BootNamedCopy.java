package dev.treekill.internal;

import dev.treekill.mbeans.CacheTrust;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.jar.JarFile;

/**
 * The agent jar under the name its manifest's {@code Boot-Class-Path: treekill-agent.jar} expects. The JVM
 * resolves that entry beside the attached jar; a jar named as Maven stores it
 * ({@code treekill-agent-<version>.jar}) makes it print "treekill-agent.jar not added to bootstrap class loader
 * search". So a jar of another name is copied once to the per-user cache,
 * {@code <cache>/<version>-<sha-256 prefix>/treekill-agent.jar} ({@code <cache>} as {@link CacheTrust#directory}
 * says: {@code $XDG_CACHE_HOME/treekill} or {@code ~/.cache/treekill}), written to a private temporary file and
 * renamed into place, and checked against the source (size and SHA-256) before every reuse: another JVM of the
 * same user may be writing it at the same time, and a copy someone changed is replaced, never attached.
 *
 * <p>The copy goes on the boot class path of a JVM that often runs as root (CI), so it is made and used only
 * under {@link CacheTrust}'s rule, the agent's own: every component of the copy's directory, from {@code /}, a
 * real directory of root or this effective uid that only its owner can write (missing ones created
 * {@code rwx------}), and the copy a trusted file. Then no other user can swap a component between our check and
 * the JVM's reading of the jar. Anything else is refused with an {@link IOException} naming the component, why,
 * and what to do instead.
 */
final class BootNamedCopy {
    static final String BOOT_NAME = "treekill-agent.jar";
    private static final String XDG_CACHE_HOME = "XDG_CACHE_HOME";
    /** Bytes of the SHA-256 in the directory name (in hex): enough to keep two builds of one version apart. */
    private static final int DIGEST_PREFIX_BYTES = 8;
    /** Mode bits that let another user add a file to a directory: write for group or others. */
    private static final int GROUP_OR_OTHERS_WRITE = 0022;
    private static final int PERMISSION_BITS = 07777;
    /** What a user whose cache is refused can do instead; part of every refusal's message. */
    static final String REMEDY = "Set " + XDG_CACHE_HOME + " to a directory of your own that only you can write "
            + "(and every directory above it root's or yours, none writable by group or others), or use a jar named "
            + BOOT_NAME + " (-D" + AgentJar.PROPERTY + "=/path/to/" + BOOT_NAME + ", or -javaagent:/path/to/" + BOOT_NAME
            + " on the JVM's command line)";

    private BootNamedCopy() {
    }

    /** {@code jar} itself if it has the boot name; else its verified copy in the default cache. */
    static File of(File jar) throws IOException {
        if (jar.getName().equals(BOOT_NAME)) {
            return jar;
        }
        File cache = CacheTrust.directory(System.getenv(XDG_CACHE_HOME));
        if (cache == null) {
            throw new IOException("no per-user cache for a copy named " + BOOT_NAME + ": neither " + XDG_CACHE_HOME
                    + " nor user.home (" + System.getProperty("user.home") + ") is an absolute path. " + REMEDY);
        }
        return in(cache.toPath(), jar);
    }

    /**
     * The verified copy of {@code jar} under {@code cacheRoot} (created owner-only if missing).
     *
     * @throws IOException when {@code cacheRoot} or the copy's directory is not trusted (naming the component,
     *         why, and what to do), or the copy cannot be made or does not match {@code jar} after writing
     */
    static File in(Path cacheRoot, File jar) throws IOException {
        byte[] digest = sha256(jar.toPath()); // through a link: Bazel runfiles, Nix, /usr/share/java hand out links
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < DIGEST_PREFIX_BYTES; i++) {
            hex.append(String.format("%02x", digest[i]));
        }
        Path dir = cacheRoot.resolve(version(jar) + "-" + hex);
        CacheTrust.Untrusted untrusted = CacheTrust.checkDirectory(dir, true);
        if (untrusted != null) {
            throw new IOException("not copying the agent jar to " + dir + " for the boot class path: "
                    + untrusted + "; only a directory whose every component from / is a real directory of root or "
                    + "of this user (uid " + CacheTrust.effectiveUid() + "), writable by its owner alone, is "
                    + "trusted with code. " + REMEDY);
        }
        Path copy = dir.resolve(BOOT_NAME);
        if (sameContent(copy, jar.toPath(), digest)) {
            return copy.toFile();
        }
        Path tmp = Files.createTempFile(dir, "treekill-agent", ".tmp"); // 0600, created exclusively
        try {
            // Into the file made 0600, not Files.copy to a path (that would give the copy the source's mode).
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)) {
                Files.copy(jar.toPath(), out);
            }
            try {
                Files.move(tmp, copy, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, copy, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        if (!sameContent(copy, jar.toPath(), digest)) {
            throw new IOException(copy + " does not match " + jar + " after copying (changed while we wrote it?)");
        }
        return copy.toFile();
    }

    /**
     * Refuses attaching {@code jar} as it is (the fallback when no copy may be made) when another user could put a
     * {@code treekill-agent.jar} beside it: its manifest's {@code Boot-Class-Path} entry is resolved in the jar's
     * directory, so a planted jar of that name would go on the boot class path of a JVM that often runs as root. So
     * the directory the jar is named in, and that of its real path if a link leads elsewhere, must have no write bit
     * for group or others (sticky or not: {@code /tmp} is refused). A jar named {@code treekill-agent.jar} is not
     * checked: its entry is the jar itself.
     *
     * @throws IOException naming the directory, its mode, and what to do instead; or when its mode cannot be read
     */
    static void checkNothingCanBePlantedBeside(File jar) throws IOException {
        if (jar.getName().equals(BOOT_NAME)) {
            return;
        }
        Set<Path> dirs = new LinkedHashSet<>();
        dirs.add(jar.getAbsoluteFile().toPath().getParent());
        dirs.add(jar.toPath().toRealPath().getParent());
        for (Path dir : dirs) {
            int mode = (Integer) Files.getAttribute(dir, "unix:mode");
            if ((mode & GROUP_OR_OTHERS_WRITE) != 0) {
                throw new IOException("not attaching " + jar + " as it is either: its directory " + dir + " is "
                        + "writable by group or others (mode " + Integer.toOctalString(mode & PERMISSION_BITS)
                        + "), so another user could put a " + BOOT_NAME + " there that the JVM would add to the boot "
                        + "class path (the jar's Boot-Class-Path names it). " + REMEDY);
            }
        }
    }

    /** Whether {@code copy} is a trusted file (see CacheTrust) of the source's size and SHA-256, read unfollowed. */
    private static boolean sameContent(Path copy, Path source, byte[] digest) throws IOException {
        return CacheTrust.isTrustedFile(copy) && Files.size(copy) == Files.size(source)
                && MessageDigest.isEqual(sha256(copy, LinkOption.NOFOLLOW_LINKS), digest);
    }

    /** The manifest's Implementation-Version, "unknown" without one; only a readable part of the directory name. */
    private static String version(File jar) throws IOException {
        try (JarFile j = new JarFile(jar)) {
            String v = j.getManifest() == null ? null : j.getManifest().getMainAttributes().getValue("Implementation-Version");
            return v == null || !v.matches("[A-Za-z0-9._-]+") ? "unknown" : v;
        }
    }

    /**
     * The file's SHA-256. {@code options}: none for the source jar (read through its link, like the copy that is
     * made of it), {@link LinkOption#NOFOLLOW_LINKS} for the cache's copy (a link there is never trusted).
     */
    private static byte[] sha256(Path file, LinkOption... options) throws IOException {
        try (InputStream in = Files.newInputStream(file, options)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                md.update(buffer, 0, n);
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
