package dev.treekill.mbeans;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TrustedTempDirFactory;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache trust rule on real directories and files. These tests run as root, so the hostile cases are built
 * with chown to another uid and chmod; each refusal names the component and why, and nothing is created below it.
 * (The agent's UserCache and the library's BootNamedCopy have their own tests of what they do with a refusal.)
 */
class CacheTrustTest {
    private static final int ANOTHER_UID = 65534;

    @TempDir(factory = TrustedTempDirFactory.class)
    Path temp;

    @Test
    void aPathOfTrustedComponentsIsTrustedAndItsMissingOnesAreCreatedOwnerOnly() throws IOException {
        Path dir = temp.resolve("a").resolve("b");
        assertNull(CacheTrust.checkDirectory(dir, true));
        assertEquals("rwx------", mode(temp.resolve("a")));
        assertEquals("rwx------", mode(dir));
        assertNull(CacheTrust.checkDirectory(dir, false), "the same answer once it exists");
    }

    @Test
    void aMissingComponentIsNotCreatedUnlessAsked() {
        assertThrows(NoSuchFileException.class, () -> CacheTrust.checkDirectory(temp.resolve("none"), false));
        assertFalse(Files.exists(temp.resolve("none")));
    }

    @Test
    void anAncestorOfAnotherUserIsRefusedByName() throws IOException {
        Path home = Files.createDirectory(temp.resolve("home-of-another"));
        Files.setAttribute(home, "unix:uid", ANOTHER_UID, LinkOption.NOFOLLOW_LINKS);

        CacheTrust.Untrusted u = CacheTrust.checkDirectory(home.resolve(".cache").resolve("treekill"), true);

        assertNotNull(u, "root with another user's HOME");
        assertEquals(home, u.component());
        assertTrue(u.reason().contains("owned by uid " + ANOTHER_UID), u.toString());
        assertFalse(Files.exists(home.resolve(".cache")), "nothing created below a refused component");
    }

    @Test
    void anAncestorGroupOrOthersMayWriteIsRefusedEvenSticky() throws IOException {
        for (int mode : new int[] {0775, 0777, 01777, 0720}) {
            Path open = Files.createDirectory(temp.resolve("open-" + Integer.toOctalString(mode)));
            Files.setAttribute(open, "unix:mode", mode);

            CacheTrust.Untrusted u = CacheTrust.checkDirectory(open.resolve("treekill"), true);

            assertNotNull(u, Integer.toOctalString(mode));
            assertEquals(open, u.component());
            assertTrue(u.reason().contains("writable by group or others (mode " + Integer.toOctalString(mode) + ")"),
                    u.toString());
            assertFalse(Files.exists(open.resolve("treekill")));
        }
    }

    @Test
    void aSymbolicLinkOnThePathIsRefusedAndNotFollowed() throws IOException {
        Path real = Files.createDirectory(temp.resolve("real"));
        Path link = Files.createSymbolicLink(temp.resolve("link"), real);

        CacheTrust.Untrusted u = CacheTrust.checkDirectory(link.resolve("treekill"), true);

        assertNotNull(u);
        assertEquals(link, u.component());
        assertTrue(u.reason().startsWith("a symbolic link"), u.toString());
        assertFalse(Files.exists(real.resolve("treekill")), "nothing created through the link");
        assertEquals(link, CacheTrust.checkDirectory(link, false).component(), "the directory itself a link");
    }

    @Test
    void aFileWhereADirectoryShouldBeIsRefused() throws IOException {
        Path file = Files.createFile(temp.resolve("file"));
        CacheTrust.Untrusted u = CacheTrust.checkDirectory(file, true);
        assertEquals(file, u.component());
        assertEquals(file + " is not a directory", u.toString());
    }

    @Test
    void onlyAbsolutePathsWithoutDotsAreConsidered() throws IOException {
        assertNotNull(CacheTrust.checkDirectory(Path.of("relative", "treekill"), true));
        assertNotNull(CacheTrust.checkDirectory(temp.resolve("x").resolve("..").resolve("y"), true));
        assertFalse(Files.exists(Path.of("relative")));
        assertFalse(Files.exists(temp.resolve("x")));
    }

    @Test
    void tmpIsNotTrusted() throws IOException {
        CacheTrust.Untrusted u = CacheTrust.checkDirectory(Path.of("/tmp"), false);
        assertEquals(Path.of("/tmp"), u.component());
    }

    @Test
    void aTrustedFileIsARegularFileOfThisUserWithOneLinkThatOnlyItsOwnerWrites() throws IOException {
        Path file = Files.createFile(temp.resolve("f"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")));
        assertTrue(CacheTrust.isTrustedFile(file));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(CacheTrust.isTrustedFile(file), "readable by others is fine: not writable");

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw----"));
        assertFalse(CacheTrust.isTrustedFile(file), "group-writable");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

        Path link = Files.createSymbolicLink(temp.resolve("link"), file);
        assertFalse(CacheTrust.isTrustedFile(link), "a link is never followed");

        Path second = Files.createLink(temp.resolve("second-name"), file);
        assertFalse(CacheTrust.isTrustedFile(file), "someone may hold another name of it");
        Files.delete(second);
        assertTrue(CacheTrust.isTrustedFile(file));

        Files.setAttribute(file, "unix:uid", ANOTHER_UID, LinkOption.NOFOLLOW_LINKS);
        assertFalse(CacheTrust.isTrustedFile(file), "another user's");

        assertFalse(CacheTrust.isTrustedFile(temp.resolve("none")), "absent");
        assertFalse(CacheTrust.isTrustedFile(Files.createDirectory(temp.resolve("dir"))), "a directory");
    }

    @Test
    void theCacheIsUnderAnAbsoluteXdgCacheHomeElseUnderTheHome() {
        assertEquals(new File("/x/cache/treekill"), CacheTrust.directory("/x/cache"));
        File home = new File(System.getProperty("user.home"), ".cache/treekill");
        assertEquals(home, CacheTrust.directory(null));
        assertEquals(home, CacheTrust.directory("relative/cache"), "a relative XDG_CACHE_HOME is ignored (XDG spec)");
        assertEquals(home, CacheTrust.directory(""));
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }
}
