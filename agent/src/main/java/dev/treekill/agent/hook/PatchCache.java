package dev.treekill.agent.hook;

import dev.treekill.agent.log.Log;
import dev.treekill.agent.sys.UserCache;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.zip.Adler32;
import java.util.function.Supplier;
import java.util.zip.CRC32;

/**
 * Patched JDK classes, kept per user in {@code <UserCache>/patched-classes/} so that a JVM's first process start
 * does not run ASM (10-15 ms, interpreted) when an earlier JVM on the same JDK already did. One file per class
 * and JDK build, {@code <class>-<crc32>-<adler32>.patch}: a header, then the patched class bytes.
 *
 * <p>A cached class is used only when everything in its header matches: the format, the agent's
 * {@code patcherId} ({@link PatcherIdentity}: path, size, modification time and inode of the agent jar that
 * {@code -javaagent:} names on this JVM's command line, so a rebuilt agent misses; no such argument, no cache),
 * the class name, the length, CRC-32 and Adler-32 of the JDK's original bytes (an updated JDK misses), and the
 * length and CRC-32 of the patched bytes (a damaged file misses). The header also keeps the warning the rewriter
 * gave, so every JVM warns alike, hit or miss. Files are written under a private temporary name and renamed, so
 * concurrent JVMs never read half a file, and read or written only where
 * {@link UserCache} trusts the whole path and the file: the bytes become part of java.base. Every failure (no
 * home, a read-only or foreign directory, a link, a corrupt file, no identity) means a miss, said at debug level
 * only; the class is then patched as if there were no cache.
 */
public final class PatchCache {
    private static final int MAGIC = 0x544b5043; // "TKPC"
    private static final int FORMAT = 2;
    /** A file larger than this holds no class we patch (they are 5-30 KB): it is not even read. */
    private static final long MAX_FILE_BYTES = 1 << 20;

    /** Where the cache is, resolved on first use (premain must not read the environment: see forThisUser). */
    private final Supplier<File> rootLookup;
    /** The identity of the patching code, computed on first use (null: unknown, no cache). */
    private final Supplier<String> patcherIdLookup;
    private volatile boolean resolved;
    private File dir;
    private String patcherId;
    /**
     * {@link #dir} once found trusted: a trusted directory stays so (only root or this user could change any of its
     * components), and checking it again costs each later class of the first start its chain of attribute reads.
     */
    private volatile Path trusted;

    /**
     * A cache under the directory {@code rootLookup} names on first use (null: none, every lookup misses), for
     * patches made by the code {@code patcherIdLookup} names on first use (null: unknown, every lookup misses).
     */
    public PatchCache(Supplier<File> rootLookup, Supplier<String> patcherIdLookup) {
        this.rootLookup = rootLookup;
        this.patcherIdLookup = patcherIdLookup;
    }

    /**
     * The cache in this user's cache directory, for patches made by this build of the agent. The directory comes
     * from the environment the JVM was started with, not from System.getenv: the first class patched may be
     * ProcessEnvironment itself, loading on behalf of System.getenv.
     */
    public static PatchCache forThisUser() {
        return new PatchCache(new Supplier<File>() {
            @Override
            public File get() {
                return UserCache.rootFromInitialEnvironment();
            }
        }, new Supplier<String>() {
            @Override
            public String get() {
                return PatcherIdentity.ofRunningJvm();
            }
        });
    }

    /** A patched class and the warning its rewriting gave ("" for none), to repeat whenever it is used. */
    public static final class Patch {
        public final byte[] bytes;
        public final String warning;

        public Patch(byte[] bytes, String warning) {
            this.bytes = bytes;
            this.warning = warning;
        }
    }

    /**
     * Resolves the directory and the identity once (null directory: no cache); transforms of different classes
     * may race here, and compute the same.
     */
    private File dir() {
        if (!resolved) {
            File r = rootLookup.get();
            String id = r == null ? null : patcherIdLookup.get();
            dir = r == null || id == null ? null : new File(r, "patched-classes");
            patcherId = id;
            resolved = true;
        }
        return dir;
    }

    /** {@code dir} if trusted (see {@link #trusted}), else null; not created. */
    private Path trustedDirectory(File dir) throws IOException {
        Path t = trusted;
        if (t == null) {
            t = UserCache.trustedDirectory(dir, false);
            trusted = t;
        }
        return t;
    }

    /** The patch stored for {@code original}, or null (a miss, for whatever reason). */
    public Patch find(String className, byte[] original) {
        File dir = dir();
        if (dir == null) {
            return null;
        }
        Original key = new Original(className, original);
        try {
            Path trusted = trustedDirectory(dir);
            byte[] content = trusted == null ? null
                    : UserCache.readTrustedFile(trusted.resolve(key.fileName()), MAX_FILE_BYTES);
            if (content == null) {
                return null;
            }
            Patch patch = parse(content, key);
            if (patch == null) {
                Log.debug("cached patch of " + className + " in " + dir + " does not match: patching it again");
            }
            return patch;
        } catch (IOException | RuntimeException e) {
            Log.debug("cannot read the cached patch of " + className + " in " + dir + ": " + e);
            return null;
        }
    }

    /** Keeps {@code patch}, made from {@code original}, for later JVMs; quietly does nothing where it cannot. */
    public void store(String className, byte[] original, Patch patch) {
        File dir = dir();
        if (dir == null) {
            return;
        }
        Original key = new Original(className, original);
        try {
            Path created = UserCache.trustedDirectory(dir, true);
            if (created == null) {
                Log.debug("not caching the patch of " + className + ": " + dir + " is not this user's alone");
                return;
            }
            // Unique enough: JVMs that collide fail to create the file, which only means no store. No
            // ProcessHandle here: it may be the very class being patched.
            UserCache.writeTrustedFile(created, key.fileName(), System.nanoTime() + "." + System.identityHashCode(key),
                    format(key, patch));
        } catch (IOException | RuntimeException e) {
            Log.debug("cannot cache the patch of " + className + ": " + e);
        }
    }

    private byte[] format(Original key, Patch patch) throws IOException {
        byte[] patched = patch.bytes;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(patched.length + 256);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(MAGIC);
        out.writeInt(FORMAT);
        out.writeUTF(patcherId);
        out.writeUTF(key.className);
        out.writeInt(key.length);
        out.writeLong(key.crc32);
        out.writeLong(key.adler32);
        out.writeUTF(patch.warning);
        out.writeInt(patched.length);
        out.writeLong(crc32(patched));
        out.write(patched);
        out.flush();
        return bytes.toByteArray();
    }

    /** The patch in {@code content} if its header matches in every field, else null. */
    private Patch parse(byte[] content, Original key) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(content));
        if (in.readInt() != MAGIC || in.readInt() != FORMAT || !patcherId.equals(in.readUTF())
                || !key.className.equals(in.readUTF()) || in.readInt() != key.length
                || in.readLong() != key.crc32 || in.readLong() != key.adler32) {
            return null;
        }
        String warning = in.readUTF();
        int length = in.readInt();
        long crc = in.readLong();
        if (length < 0 || in.available() != length) {
            return null;
        }
        byte[] patched = new byte[length];
        in.readFully(patched);
        return crc32(patched) == crc ? new Patch(patched, warning) : null;
    }

    private static long crc32(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length);
        return crc.getValue();
    }

    /** What a cached patch must have been made from: a class, and the JDK's bytes of it (length, two checksums). */
    private static final class Original {
        final String className;
        final int length;
        final long crc32;
        final long adler32;

        Original(String className, byte[] bytes) {
            this.className = className;
            this.length = bytes.length;
            this.crc32 = crc32(bytes);
            Adler32 adler = new Adler32();
            adler.update(bytes, 0, bytes.length);
            this.adler32 = adler.getValue();
        }

        /** {@code <class>-<crc32>-<adler32>.patch}: one file per class and JDK build. */
        String fileName() {
            return className.replace('/', '.') + "-" + Long.toHexString(crc32) + "-" + Long.toHexString(adler32)
                    + ".patch";
        }
    }
}
