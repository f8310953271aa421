package dev.treekill.agent.hook;

import dev.treekill.agent.log.Log;
import dev.treekill.agent.sys.UserCache;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.util.zip.Adler32;
import java.util.function.Supplier;
import java.util.zip.CRC32;

/**
 * Patched JDK classes, kept per user in {@code <UserCache>/patched-classes/} so that a JVM's first process start
 * does not run ASM (10-15 ms, interpreted) when an earlier JVM on the same JDK already did. One file per class
 * and JDK build, {@code <class>-<crc32>-<adler32>.patch}: a header, then the patched class bytes.
 *
 * <p>A cached class is used only when everything in its header matches: the format, the agent's
 * {@code patcherId} (a digest of the patching code, fixed at build time: a changed agent misses), the class name,
 * the length, CRC-32 and Adler-32 of the JDK's original bytes (an updated JDK misses), and the length and
 * CRC-32 of the patched bytes (a damaged file misses). Files are written under a private temporary name and
 * renamed, so concurrent JVMs never read half a file, and used only from directories of this user that no one
 * else may write to ({@link UserCache}): the bytes become part of java.base. Every failure (no home, a read-only
 * or foreign directory, a corrupt file) means a miss, said at debug level only; the class is then patched as
 * if there were no cache.
 */
public final class PatchCache {
    private static final int MAGIC = 0x544b5043; // "TKPC"
    private static final int FORMAT = 1;
    /** A file larger than this holds no class we patch (they are 5-30 KB): it is not even read. */
    private static final long MAX_FILE_BYTES = 1 << 20;

    /** Where the cache is, resolved on first use (premain must not read the environment: see forThisUser). */
    private final Supplier<File> rootLookup;
    private final String patcherId;
    private volatile boolean resolved;
    private File root;
    private File dir;

    /**
     * A cache under the directory {@code rootLookup} names on first use (null: none, every lookup misses), for
     * patches made by {@code patcherId}.
     */
    public PatchCache(Supplier<File> rootLookup, String patcherId) {
        this.rootLookup = rootLookup;
        this.patcherId = patcherId;
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
        }, PatcherIdentity.ID);
    }

    /** Resolves the directories once; transforms of different classes may race here, and compute the same. */
    private File dir() {
        if (!resolved) {
            File r = rootLookup.get();
            root = r;
            dir = r == null ? null : new File(r, "patched-classes");
            resolved = true;
        }
        return dir;
    }

    /** The patched bytes stored for {@code original}, or null (a miss, for whatever reason). */
    public byte[] find(String className, byte[] original) {
        File dir = dir();
        if (dir == null) {
            return null;
        }
        Original key = new Original(className, original);
        File file = new File(dir, key.fileName());
        try {
            if (!file.isFile() || file.length() > MAX_FILE_BYTES || !UserCache.ownedByThisUserAlone(root)
                    || !UserCache.ownedByThisUserAlone(dir)) {
                return null;
            }
            byte[] content;
            try (FileInputStream in = new FileInputStream(file)) {
                content = in.readAllBytes();
            }
            byte[] patched = parse(content, key);
            if (patched == null) {
                Log.debug("cached patch " + file + " does not match: patching " + className + " again");
            }
            return patched;
        } catch (IOException | RuntimeException e) {
            Log.debug("cannot read cached patch " + file + ": " + e);
            return null;
        }
    }

    /** Keeps {@code patched}, made from {@code original}, for later JVMs; quietly does nothing where it cannot. */
    public void store(String className, byte[] original, byte[] patched) {
        File dir = dir();
        if (dir == null) {
            return;
        }
        Original key = new Original(className, original);
        File file = new File(dir, key.fileName());
        // Unique enough: JVMs that collide write a file whose checksums fail, which only means a miss. No
        // ProcessHandle here: it may be the very class being patched.
        File temp = new File(dir, file.getName() + "." + System.nanoTime() + "." + System.identityHashCode(key)
                + ".tmp");
        try {
            UserCache.create(root, dir);
            if (!UserCache.ownedByThisUserAlone(root) || !UserCache.ownedByThisUserAlone(dir)) {
                return;
            }
            try (FileOutputStream out = new FileOutputStream(temp)) {
                out.write(format(key, patched));
            }
            if (!temp.renameTo(file)) {
                throw new IOException("cannot rename " + temp + " to " + file);
            }
        } catch (IOException | RuntimeException e) {
            temp.delete();
            Log.debug("cannot cache the patch of " + className + ": " + e);
        }
    }

    private byte[] format(Original key, byte[] patched) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(patched.length + 256);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(MAGIC);
        out.writeInt(FORMAT);
        out.writeUTF(patcherId);
        out.writeUTF(key.className);
        out.writeInt(key.length);
        out.writeLong(key.crc32);
        out.writeLong(key.adler32);
        out.writeInt(patched.length);
        out.writeLong(crc32(patched));
        out.write(patched);
        out.flush();
        return bytes.toByteArray();
    }

    /** The patched bytes in {@code content} if its header matches in every field, else null. */
    private byte[] parse(byte[] content, Original key) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(content));
        if (in.readInt() != MAGIC || in.readInt() != FORMAT || !patcherId.equals(in.readUTF())
                || !key.className.equals(in.readUTF()) || in.readInt() != key.length
                || in.readLong() != key.crc32 || in.readLong() != key.adler32) {
            return null;
        }
        int length = in.readInt();
        long crc = in.readLong();
        if (length < 0 || in.available() != length) {
            return null;
        }
        byte[] patched = new byte[length];
        in.readFully(patched);
        return crc32(patched) == crc ? patched : null;
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
