package dev.treekill.agent.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TrustedTempDirFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What UserCache trusts, with real directories and files (these tests run as root, so chown works): every
 * doubtful path or file is a "no", and nothing is created below a refused directory.
 */
class UserCacheTest {
    private static final int ANOTHER_UID = 4242;
    private static final byte[] CONTENT = {1, 2, 3};

    @TempDir(factory = TrustedTempDirFactory.class)
    Path temp;

    private static void mode(Path p, String mode) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    }

    private static void chown(Path p, int uid) throws IOException {
        Files.setAttribute(p, "unix:uid", uid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    private Path goodFile() throws IOException {
        Path dir = UserCache.trustedDirectory(temp.resolve("cache").toFile(), true);
        UserCache.writeTrustedFile(dir, "f", "t", CONTENT);
        return dir.resolve("f");
    }

    @Test
    void missingDirectoriesAreCreatedOwnerOnlyAndAFileWrittenThereIsReadBack() throws IOException {
        Path dir = temp.resolve("a").resolve("b");
        assertEquals(dir, UserCache.trustedDirectory(dir.toFile(), true));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(temp.resolve("a"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        UserCache.writeTrustedFile(dir, "f", "t", CONTENT);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("f"))));
        assertArrayEquals(CONTENT, UserCache.readTrustedFile(dir.resolve("f"), 3));
        assertNull(UserCache.readTrustedFile(dir.resolve("f"), 2), "larger than allowed");
        assertNull(UserCache.readTrustedFile(dir.resolve("none"), 3), "absent");
        assertEquals(1, Files.list(dir).count(), "no temporary file left behind");
    }

    @Test
    void aSymbolicLinkAnywhereOnThePathIsRefused() throws IOException {
        Path real = Files.createDirectory(temp.resolve("real"));
        Path link = Files.createSymbolicLink(temp.resolve("link"), real);
        assertNull(UserCache.trustedDirectory(link.resolve("treekill").toFile(), true));
        assertNull(UserCache.trustedDirectory(link.toFile(), false), "the cache directory itself a link");
        assertFalse(Files.exists(real.resolve("treekill")), "nothing created through the link");
    }

    @Test
    void anAncestorOthersMayWriteToIsRefusedEvenStickyOrGroupOnly() throws IOException {
        for (String mode : new String[] {"rwxrwxr-x", "rwxrwxrwx", "rwx-w----"}) {
            Path open = Files.createDirectory(temp.resolve("open-" + mode));
            mode(open, mode);
            assertNull(UserCache.trustedDirectory(open.resolve("treekill").toFile(), true), mode);
            assertFalse(Files.exists(open.resolve("treekill")), "nothing created below " + mode);
        }
        Path sticky = Files.createDirectory(temp.resolve("sticky"));
        mode(sticky, "rwxrwxrwx");
        Files.setAttribute(sticky, "unix:mode", 01777);
        assertNull(UserCache.trustedDirectory(sticky.resolve("treekill").toFile(), true), "like /tmp");
        assertNull(UserCache.trustedDirectory(Path.of("/tmp/treekill-usercache-test").toFile(), false));
    }

    @Test
    void anAncestorOfAnotherUserIsRefused() throws IOException {
        Path home = Files.createDirectory(temp.resolve("home-of-another"));
        chown(home, ANOTHER_UID);
        assertNull(UserCache.trustedDirectory(home.resolve(".cache").resolve("treekill").toFile(), true),
                "root with another user's HOME");
        assertFalse(Files.exists(home.resolve(".cache")));
    }

    @Test
    void onlyAbsoluteNormalPathsAreConsidered() throws IOException {
        assertNull(UserCache.trustedDirectory(new java.io.File("relative/treekill"), true));
        assertNull(UserCache.trustedDirectory(temp.resolve("x").resolve("..").resolve("y").toFile(), true));
        assertFalse(Files.exists(temp.resolve("x")));
    }

    @Test
    void aFileOfAnotherUserIsNotRead() throws IOException {
        Path file = goodFile();
        chown(file, ANOTHER_UID);
        assertNull(UserCache.readTrustedFile(file, 3));
    }

    @Test
    void aHardLinkedFileIsNotRead() throws IOException {
        Path file = goodFile();
        Files.createLink(temp.resolve("second-name"), file);
        assertNull(UserCache.readTrustedFile(file, 3), "someone may hold another name of it");
    }

    @Test
    void aSymbolicLinkOrAFileOthersMayWriteIsNotRead() throws IOException {
        Path file = goodFile();
        Path link = Files.createSymbolicLink(file.resolveSibling("link"), file);
        assertNull(UserCache.readTrustedFile(link, 3));
        mode(file, "rw-rw-r--");
        assertNull(UserCache.readTrustedFile(file, 3));
        mode(file, "rw-r--r--");
        assertArrayEquals(CONTENT, UserCache.readTrustedFile(file, 3), "readable by others is fine: not writable");
    }

    @Test
    void aDirectoryInPlaceOfTheFileIsNotRead() throws IOException {
        Path dir = UserCache.trustedDirectory(temp.resolve("cache").toFile(), true);
        Files.createDirectory(dir.resolve("f"));
        assertTrue(Files.isDirectory(dir.resolve("f")));
        assertNull(UserCache.readTrustedFile(dir.resolve("f"), 3));
    }
}
