package dev.treekill.agent.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TrustedTempDirFactory;
import java.io.File;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-user copy of the hidden JNA's native library: written once, checked on every use, private to its owner. */
class DispatchLibraryCacheTest {
    private static final ClassLoader FILES = DispatchLibraryCacheTest.class.getClassLoader();

    @TempDir(factory = TrustedTempDirFactory.class)
    Path temp;

    @Test
    void unpacksOnceAByteExactCopyInADirectoryOnlyItsOwnerMayUse() throws Exception {
        Path root = temp.resolve("treekill");
        String dir = DispatchLibraryCache.prepare(FILES, root.toFile());
        assertNotNull(dir);
        Path lib = Path.of(dir, "libjnidispatch.so");
        assertArrayEquals(jarCopy(), Files.readAllBytes(lib));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(dir))));
        long written = Files.getLastModifiedTime(lib).toMillis();
        Files.setLastModifiedTime(lib, java.nio.file.attribute.FileTime.fromMillis(written - 60_000));
        assertEquals(dir, DispatchLibraryCache.prepare(FILES, root.toFile()), "the same directory next time");
        assertEquals(written - 60_000, Files.getLastModifiedTime(lib).toMillis(), "and the file is not written again");
        try (var listing = Files.list(Path.of(dir))) {
            assertEquals(1, listing.count(), "no temporary file left behind");
        }
    }

    @Test
    void aCopyThatDiffersFromTheJarsIsReplaced() throws Exception {
        String dir = DispatchLibraryCache.prepare(FILES, temp.toFile());
        Path lib = Path.of(dir, "libjnidispatch.so");
        byte[] tampered = jarCopy();
        tampered[tampered.length / 2] ^= 1; // same size, another CRC
        Files.write(lib, tampered);
        assertEquals(dir, DispatchLibraryCache.prepare(FILES, temp.toFile()));
        assertArrayEquals(jarCopy(), Files.readAllBytes(lib));
    }

    @Test
    void noCacheInADirectoryOthersMayWriteTo() throws Exception {
        Path root = temp.resolve("treekill");
        String dir = DispatchLibraryCache.prepare(FILES, root.toFile());
        Files.setPosixFilePermissions(Path.of(dir), PosixFilePermissions.fromString("rwxrwxrwx"));
        assertNull(DispatchLibraryCache.prepare(FILES, root.toFile()), "a good copy, but anyone may replace it");
        Files.delete(Path.of(dir, "libjnidispatch.so"));
        assertNull(DispatchLibraryCache.prepare(FILES, root.toFile()), "never chmod-ed back: still refused");
        assertFalse(Files.exists(Path.of(dir, "libjnidispatch.so")), "and nothing written there");
        Files.setPosixFilePermissions(Path.of(dir), PosixFilePermissions.fromString("rwx------"));
        assertEquals(dir, DispatchLibraryCache.prepare(FILES, root.toFile()), "owner-only again: written again");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxrwx---"));
        assertNull(DispatchLibraryCache.prepare(FILES, root.toFile()), "the cache's own directory counts too");
    }

    @Test
    void noCacheWhereTheDirectoryCannotBeMade() throws Exception {
        File notADirectory = Files.createFile(temp.resolve("file")).toFile();
        assertNull(DispatchLibraryCache.prepare(FILES, new File(notADirectory, "treekill")));
        assertNull(DispatchLibraryCache.prepare(FILES, null));
    }

    @Test
    void theHiddenJnaLoadsTheCachedCopy() {
        NativeAccess.syscalls();
        String loaded = JnaProperties.own("jnidispatch.path");
        String bootPath = JnaProperties.own(DispatchLibraryCache.BOOT_PATH_PROPERTY);
        assertTrue(bootPath == null || new File(bootPath, "libjnidispatch.so").getPath().equals(loaded),
                "loaded " + loaded + " with boot path " + bootPath);
        assertNull(System.getProperty(DispatchLibraryCache.BOOT_PATH_PROPERTY), "set for the hidden JNA alone");
    }

    private static byte[] jarCopy() throws Exception {
        String arch = System.getProperty("os.arch").equals("aarch64") ? "linux-aarch64" : "linux-x86-64";
        try (InputStream in = FILES.getResourceAsStream(HiddenLoader.PREFIX + "com/sun/jna/" + arch + "/libjnidispatch.so")) {
            assertNotNull(in, "the build hides JNA's native library");
            return in.readAllBytes();
        }
    }
}
