package dev.treekill.internal;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Set;
import java.util.jar.JarFile;

/**
 * The agent jar under the name its manifest's {@code Boot-Class-Path: treekill-agent.jar} expects. The JVM
 * resolves that entry beside the attached jar; a jar named as Maven stores it
 * ({@code treekill-agent-<version>.jar}) makes it print "treekill-agent.jar not added to bootstrap class loader
 * search". So a jar of another name is copied once to a per-user cache,
 * {@code <cache>/treekill/<version>-<sha-256 prefix>/treekill-agent.jar} ({@code $XDG_CACHE_HOME} or
 * {@code ~/.cache}; directories owner-only), written to a temporary file and renamed into place, and checked
 * against the source (size and SHA-256) before every reuse: another JVM of the same user may be writing it at
 * the same time, and a copy someone changed is replaced, never attached.
 */
final class BootNamedCopy {
    static final String BOOT_NAME = "treekill-agent.jar";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private BootNamedCopy() {
    }

    /** {@code jar} itself if it has the boot name; else its verified copy in the default cache. */
    static File of(File jar) throws IOException {
        return jar.getName().equals(BOOT_NAME) ? jar : in(defaultCacheRoot(), jar);
    }

    /** The verified copy of {@code jar} under {@code cacheRoot} (created owner-only if missing). */
    static File in(Path cacheRoot, File jar) throws IOException {
        byte[] digest = sha256(jar.toPath());
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            hex.append(String.format("%02x", digest[i]));
        }
        Path dir = ownerOnlyDirectory(ownerOnlyDirectory(cacheRoot).resolve(version(jar) + "-" + hex));
        Path copy = dir.resolve(BOOT_NAME);
        if (sameContent(copy, jar.toPath(), digest)) {
            return copy.toFile();
        }
        Path tmp = Files.createTempFile(dir, "treekill-agent", ".tmp"); // 0600
        try {
            Files.copy(jar.toPath(), tmp, StandardCopyOption.REPLACE_EXISTING);
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

    static Path defaultCacheRoot() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isEmpty() ? Paths.get(xdg) : Paths.get(System.getProperty("user.home"), ".cache");
        return base.resolve("treekill");
    }

    /**
     * Creates {@code dir} owner-only, or accepts it as it is if it is a real directory (no symbolic link) of
     * this user with no access for group or others; anything else is refused: a jar put on the boot class path
     * must not come from a directory another user can write.
     */
    private static Path ownerOnlyDirectory(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createDirectories(dir.getParent());
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another JVM made it: checked below like any existing one
            }
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(dir + " is not a directory (or is a symbolic link)");
        }
        String owner = Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName();
        if (!owner.equals(System.getProperty("user.name"))) {
            throw new IOException(dir + " belongs to " + owner + ", not to " + System.getProperty("user.name"));
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        if (!OWNER_ONLY.containsAll(perms)) {
            throw new IOException(dir + " is open to other users (" + PosixFilePermissions.toString(perms) + ")");
        }
        return dir;
    }

    private static boolean sameContent(Path copy, Path source, byte[] digest) throws IOException {
        return Files.isRegularFile(copy, LinkOption.NOFOLLOW_LINKS) && Files.size(copy) == Files.size(source)
                && MessageDigest.isEqual(sha256(copy), digest);
    }

    /** The manifest's Implementation-Version, "unknown" without one; only a readable part of the directory name. */
    private static String version(File jar) throws IOException {
        try (JarFile j = new JarFile(jar)) {
            String v = j.getManifest() == null ? null : j.getManifest().getMainAttributes().getValue("Implementation-Version");
            return v == null || !v.matches("[A-Za-z0-9._-]+") ? "unknown" : v;
        }
    }

    private static byte[] sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
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
