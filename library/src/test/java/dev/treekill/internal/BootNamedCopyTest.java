package dev.treekill.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootNamedCopyTest {
    @TempDir
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
        assertTrue(e.getMessage().contains("open to other users"), e.getMessage());
    }

    @Test
    void aSymbolicLinkAsCacheIsRefused() throws IOException {
        Path real = Files.createDirectory(tmp.resolve("real"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Path link = Files.createSymbolicLink(tmp.resolve("cache"), real);
        IOException e = assertThrows(IOException.class, () -> BootNamedCopy.in(link, jar("treekill-agent-1.jar", "x")));
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
    }

    @Test
    void aJarWithTheBootNameIsUsedAsItIs() throws IOException {
        File jar = jar("treekill-agent.jar", "one");
        assertSame(jar, BootNamedCopy.of(jar));
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
