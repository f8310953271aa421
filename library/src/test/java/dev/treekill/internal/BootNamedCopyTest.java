package dev.treekill.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TrustedTempDirFactory;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The copy named treekill-agent.jar on real files. The cache lives by the agent's trust rule (CacheTrust), so the
 * temporary directory is an owner-only one under target/ (a cache below /tmp is refused); these tests run as root,
 * so the hostile cases are built with chown to another uid, chmod and symbolic links.
 */
class BootNamedCopyTest {
    private static final int ANOTHER_UID = 65534;

    @TempDir(factory = TrustedTempDirFactory.class)
    Path tmp;

    @Test
    void aJarNamedAsMavenStoresItIsCopiedOwnerOnlyUnderTheBootName() throws IOException {
        File jar = jar("treekill-agent-1.2.3.jar", "one");
        Path cache = tmp.resolve("cache");

        File copy = BootNamedCopy.in(cache, jar);

        assertEquals("treekill-agent.jar", copy.getName());
        assertArrayEquals(Files.readAllBytes(jar.toPath()), Files.readAllBytes(copy.toPath()));
        assertTrue(copy.getParentFile().getName().startsWith("1.2.3-"), copy.toString());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(copy.toPath().getParent())));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)));
        try (var left = Files.list(copy.toPath().getParent())) {
            assertEquals(1, left.count(), "no temporary file left beside the copy");
        }
    }

    @Test
    void aGoodCopyIsReusedAChangedOneReplaced() throws IOException {
        File jar = jar("treekill-agent-1.2.3.jar", "one");
        Path cache = tmp.resolve("cache");
        Path copy = BootNamedCopy.in(cache, jar).toPath();
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(copy, old);

        assertEquals(copy, BootNamedCopy.in(cache, jar).toPath());
        assertEquals(old, Files.getLastModifiedTime(copy), "reused, not rewritten");

        byte[] good = Files.readAllBytes(jar.toPath());
        byte[] tampered = good.clone();
        tampered[tampered.length / 2] ^= 1; // same size, other content
        Files.write(copy, tampered);
        assertEquals(copy, BootNamedCopy.in(cache, jar).toPath());
        assertArrayEquals(good, Files.readAllBytes(copy), "a changed copy is replaced, never attached");
    }

    @Test
    void anotherBuildOfTheSameVersionGetsADirectoryOfItsOwn() throws IOException {
        Path cache = tmp.resolve("cache");
        File a = BootNamedCopy.in(cache, jar("a/treekill-agent-1.2.3.jar", "one"));
        File b = BootNamedCopy.in(cache, jar("b/treekill-agent-1.2.3.jar", "two"));
        assertTrue(!a.getParentFile().equals(b.getParentFile()), a + " " + b);
    }

    @Test
    void aCacheOthersCanWriteIsRefused() throws IOException {
        Path cache = Files.createDirectory(tmp.resolve("cache"));
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxrwxrwx"));
        IOException e = assertThrows(IOException.class, () -> BootNamedCopy.in(cache, jar("treekill-agent-1.jar", "x")));
        assertRefused(e, cache, "writable by group or others (mode 777)");
    }

    @Test
    void aSymbolicLinkAsCacheIsRefused() throws IOException {
        Path real = Files.createDirectory(tmp.resolve("real"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Path link = Files.createSymbolicLink(tmp.resolve("cache"), real);
        IOException e = assertThrows(IOException.class, () -> BootNamedCopy.in(link, jar("treekill-agent-1.jar", "x")));
        assertRefused(e, link, "a symbolic link");
        try (var inside = Files.list(real)) {
            assertEquals(0, inside.count(), "nothing written through the link");
        }
    }

    /** Root with another user's HOME: that user could swap ~/.cache/treekill between our check and the attach. */
    @Test
    void anAncestorOfAnotherUserIsRefused() throws IOException {
        Path home = Files.createDirectory(tmp.resolve("home"));
        Path cache = Files.createDirectories(home.resolve(".cache"));
        Files.setAttribute(home, "unix:uid", ANOTHER_UID, LinkOption.NOFOLLOW_LINKS);
        Path treekill = cache.resolve("treekill");

        IOException e = assertThrows(IOException.class, () -> BootNamedCopy.in(treekill, jar("treekill-agent-1.jar", "x")));

        assertRefused(e, home, "owned by uid " + ANOTHER_UID);
        assertFalse(Files.exists(treekill), "nothing created below the refused ancestor");
    }

    @Test
    void aGroupWritableAncestorIsRefused() throws IOException {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwx---"));
        Path cache = Files.createDirectories(shared.resolve("me").resolve(".cache"), PosixFilePermissions
                .asFileAttribute(PosixFilePermissions.fromString("rwx------")));

        IOException e = assertThrows(IOException.class,
                () -> BootNamedCopy.in(cache.resolve("treekill"), jar("treekill-agent-1.jar", "x")));

        assertRefused(e, shared, "writable by group or others (mode 770)");
        assertFalse(Files.exists(cache.resolve("treekill")));
    }

    @Test
    void aSymbolicLinkAboveTheCacheIsRefused() throws IOException {
        Path real = Files.createDirectory(tmp.resolve("real-home"));
        Path home = Files.createSymbolicLink(tmp.resolve("home"), real);

        IOException e = assertThrows(IOException.class,
                () -> BootNamedCopy.in(home.resolve(".cache").resolve("treekill"), jar("treekill-agent-1.jar", "x")));

        assertRefused(e, home, "a symbolic link");
        assertFalse(Files.exists(real.resolve(".cache")), "nothing created through the link");
    }

    /** Bazel runfiles, Nix and Debian's /usr/share/java hand out the jar as a symbolic link: read through it. */
    @Test
    void aSourceJarThatIsASymbolicLinkIsCopiedAndReused() throws IOException {
        File real = jar("store/treekill-agent-1.2.3.jar", "one");
        Path link = Files.createSymbolicLink(Files.createDirectories(tmp.resolve("runfiles"))
                .resolve("treekill-agent-1.2.3.jar"), real.toPath());
        Path cache = tmp.resolve("cache");

        Path copy = BootNamedCopy.in(cache, link.toFile()).toPath();

        assertTrue(Files.isRegularFile(copy, LinkOption.NOFOLLOW_LINKS), "a file of our own, not a link");
        assertArrayEquals(Files.readAllBytes(real.toPath()), Files.readAllBytes(copy));
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(copy, old);
        assertEquals(copy, BootNamedCopy.in(cache, link.toFile()).toPath());
        assertEquals(old, Files.getLastModifiedTime(copy), "reused, not rewritten");
    }

    @Test
    void aLinkInPlaceOfTheCopyIsReplacedNotFollowed() throws IOException {
        File jar = jar("treekill-agent-1.2.3.jar", "one");
        Path cache = tmp.resolve("cache");
        Path copy = BootNamedCopy.in(cache, jar).toPath();
        Path elsewhere = Files.write(tmp.resolve("elsewhere.jar"), Files.readAllBytes(jar.toPath()));
        Files.delete(copy);
        Files.createSymbolicLink(copy, elsewhere);

        assertEquals(copy, BootNamedCopy.in(cache, jar).toPath());

        assertTrue(Files.isRegularFile(copy, LinkOption.NOFOLLOW_LINKS), "a file of our own again, not the link");
        assertArrayEquals(Files.readAllBytes(jar.toPath()), Files.readAllBytes(copy));
    }

    @Test
    void theCopyIsOwnerOnlyWhateverTheSourcesMode() throws IOException {
        File jar = jar("treekill-agent-1.2.3.jar", "one");
        Files.setAttribute(jar.toPath(), "unix:mode", 0666);
        Path copy = BootNamedCopy.in(tmp.resolve("cache"), jar).toPath();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(copy)));
    }

    @Test
    void aJarWithTheBootNameIsUsedAsItIs() throws IOException {
        File jar = jar("treekill-agent.jar", "one");
        assertSame(jar, BootNamedCopy.of(jar));
    }

    /**
     * The fallback attaches the jar as it is, and its Boot-Class-Path entry is resolved beside it: in a directory
     * others may add to (sticky or not), another user could plant a treekill-agent.jar there.
     */
    @Test
    void aJarInADirectoryOthersCanAddToIsNotAttachedAsItIs() throws IOException {
        for (String mode : new String[] {"1777", "777", "770", "755"}) {
            Path libs = Files.createDirectory(tmp.resolve("libs-" + mode));
            File jar = jar("libs-" + mode + "/treekill-agent-1.2.3.jar", "one");
            Files.setAttribute(libs, "unix:mode", Integer.parseInt(mode, 8));

            if (mode.equals("755")) {
                BootNamedCopy.checkNothingCanBePlantedBeside(jar); // only its owner can add to it: attached as it is
                continue;
            }
            IOException e = assertThrows(IOException.class, () -> BootNamedCopy.checkNothingCanBePlantedBeside(jar));
            String m = e.getMessage();
            assertTrue(m.contains("not attaching " + jar + " as it is"), m);
            assertTrue(m.contains("its directory " + libs + " is writable by group or others (mode " + mode + ")"), m);
            assertTrue(m.contains("Set XDG_CACHE_HOME to a directory of your own"), m);
            assertTrue(m.contains("-javaagent:/path/to/treekill-agent.jar"), m);
        }
    }

    /** A link in a private directory to a jar in a shared one: the JVM resolves the entry beside the real jar. */
    @Test
    void aLinkToAJarInADirectoryOthersCanAddToIsRefusedToo() throws IOException {
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        File real = jar("shared/treekill-agent-1.2.3.jar", "one");
        Files.setAttribute(shared, "unix:mode", 01777);
        Path link = Files.createSymbolicLink(Files.createDirectories(tmp.resolve("runfiles"))
                .resolve("treekill-agent-1.2.3.jar"), real.toPath());

        IOException e = assertThrows(IOException.class,
                () -> BootNamedCopy.checkNothingCanBePlantedBeside(link.toFile()));

        assertTrue(e.getMessage().contains("its directory " + shared + " is writable by group or others"), e.getMessage());
    }

    /** Its Boot-Class-Path entry is the jar itself; our tests and CI may run from a checkout under /tmp. */
    @Test
    void aJarWithTheBootNameIsNotCheckedForItsDirectory() throws IOException {
        Path libs = Files.createDirectory(tmp.resolve("libs"));
        File jar = jar("libs/treekill-agent.jar", "one");
        Files.setAttribute(libs, "unix:mode", 01777);
        BootNamedCopy.checkNothingCanBePlantedBeside(jar);
    }

    /** The refusal names the component, why, and what to do instead. */
    private static void assertRefused(IOException e, Path component, String why) {
        String m = e.getMessage();
        assertTrue(m.contains(component + " is " + why), m);
        assertTrue(m.contains("Set XDG_CACHE_HOME to a directory of your own"), m);
        assertTrue(m.contains("-Dtreekill.agentJar=/path/to/treekill-agent.jar"), m);
    }

    private File jar(String name, String content) throws IOException {
        Path path = tmp.resolve(name);
        Files.createDirectories(path.getParent());
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, "1.2.3");
        try (OutputStream out = Files.newOutputStream(path); JarOutputStream jar = new JarOutputStream(out, manifest)) {
            jar.putNextEntry(new ZipEntry("content.txt"));
            jar.write(content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            jar.closeEntry();
        }
        return path.toFile();
    }
}
