package dev.treekill.agent.hook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.log.Log;
import dev.treekill.testing.TrustedTempDirFactory;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-user cache of patched JDK classes: hit, miss, damage, and directories it must not trust. */
class PatchCacheTest {
    private static final String CLASS = ProcessClassPatcher.HANDLE_IMPL;

    @TempDir(factory = TrustedTempDirFactory.class)
    Path temp;

    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private Log.Level levelBefore;

    @BeforeEach
    void captureWarnings() {
        levelBefore = Log.level();
        Log.setLevel(Log.Level.WARN);
        Log.setOutput(new PrintStream(logged, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreLog() {
        Log.setOutput(System.err);
        Log.setLevel(levelBefore);
        assertEquals("", logged.toString(StandardCharsets.UTF_8), "a cache problem is never a warning");
    }

    private PatchCache cache(Path root, String patcherId) {
        return new PatchCache(root::toFile, () -> patcherId);
    }

    /** The patched bytes of a hit, null for a miss. */
    private static byte[] bytes(PatchCache.Patch hit) {
        return hit == null ? null : hit.bytes;
    }

    private static byte[] original() throws IOException {
        try (InputStream in = Object.class.getResourceAsStream("/" + CLASS + ".class")) {
            return in.readAllBytes();
        }
    }

    private Path onlyFile(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            Path[] all = files.toArray(Path[]::new);
            assertEquals(1, all.length, "one file per class and JDK, no temporary file left behind");
            return all[0];
        }
    }

    @Test
    void aStoredPatchIsFoundForTheSameOriginalAndPatcherInAnOwnerOnlyDirectory() throws IOException {
        Path root = temp.resolve("treekill");
        byte[] original = original();
        byte[] patched = ProcessClassRewriter.patch(CLASS, original).bytes;
        assertNull(bytes(cache(root, "one").find(CLASS, original)), "empty cache: a miss");
        cache(root, "one").store(CLASS, original, new PatchCache.Patch(patched, ""));
        assertArrayEquals(patched, bytes(cache(root, "one").find(CLASS, original)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("patched-classes"))));
        onlyFile(root.resolve("patched-classes"));
    }

    @Test
    void anotherJdkOrAnotherAgentMisses() throws IOException {
        byte[] original = original();
        cache(temp, "one").store(CLASS, original, new PatchCache.Patch(new byte[] {1, 2, 3}, ""));
        byte[] updatedJdk = original.clone();
        updatedJdk[updatedJdk.length - 1] ^= 1;
        assertNull(bytes(cache(temp, "one").find(CLASS, updatedJdk)), "other original bytes");
        assertNull(bytes(cache(temp, "two").find(CLASS, original)), "patched by other code");
        assertNull(bytes(cache(temp, "one").find(ProcessClassPatcher.PROCESS_IMPL, original)), "another class");
        assertArrayEquals(new byte[] {1, 2, 3}, bytes(cache(temp, "one").find(CLASS, original)));
        cache(temp, "two").store(CLASS, original, new PatchCache.Patch(new byte[] {4}, ""));
        assertArrayEquals(new byte[] {4}, bytes(cache(temp, "two").find(CLASS, original)), "the newer agent's patch replaces it");
    }

    @Test
    void aDamagedFileMissesAndIsWrittenAgain() throws IOException {
        byte[] original = original();
        byte[] patched = ProcessClassRewriter.patch(CLASS, original).bytes;
        cache(temp, "one").store(CLASS, original, new PatchCache.Patch(patched, ""));
        Path file = onlyFile(temp.resolve("patched-classes"));
        byte[] content = Files.readAllBytes(file);
        byte[] flipped = content.clone();
        flipped[flipped.length - 10] ^= 1;
        Files.write(file, flipped);
        assertNull(bytes(cache(temp, "one").find(CLASS, original)), "a flipped bit in the class");
        Files.write(file, java.util.Arrays.copyOf(content, content.length - 1));
        assertNull(bytes(cache(temp, "one").find(CLASS, original)), "a truncated file");
        Files.write(file, new byte[0]);
        assertNull(bytes(cache(temp, "one").find(CLASS, original)), "an empty file");
        Files.write(file, "garbage".getBytes(StandardCharsets.UTF_8));
        assertNull(bytes(cache(temp, "one").find(CLASS, original)), "another file altogether");
        cache(temp, "one").store(CLASS, original, new PatchCache.Patch(patched, ""));
        assertArrayEquals(patched, bytes(cache(temp, "one").find(CLASS, original)));
    }

    @Test
    void nothingIsUsedFromADirectoryOthersMayWriteTo() throws IOException {
        Path root = temp.resolve("treekill");
        byte[] original = original();
        cache(root, "one").store(CLASS, original, new PatchCache.Patch(new byte[] {1}, ""));
        Files.setPosixFilePermissions(root.resolve("patched-classes"), PosixFilePermissions.fromString("rwxrwxrwx"));
        assertNull(bytes(cache(root, "one").find(CLASS, original)), "anyone could have put it there");
        cache(root, "one").store(CLASS, original, new PatchCache.Patch(new byte[] {2}, ""));
        assertNull(bytes(cache(root, "one").find(CLASS, original)), "never chmod-ed back: still refused");
        Files.setPosixFilePermissions(root.resolve("patched-classes"), PosixFilePermissions.fromString("rwx------"));
        assertArrayEquals(new byte[] {1}, bytes(cache(root, "one").find(CLASS, original)), "nothing was written there");
        cache(root, "one").store(CLASS, original, new PatchCache.Patch(new byte[] {2}, ""));
        assertArrayEquals(new byte[] {2}, bytes(cache(root, "one").find(CLASS, original)), "owner-only again: used");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxrwx---"));
        assertNull(bytes(cache(root, "one").find(CLASS, original)), "the cache's own directory counts too");
    }

    @Test
    void anUnusableDirectoryIsAQuietMiss() throws IOException {
        File notADirectory = Files.createFile(temp.resolve("file")).toFile();
        PatchCache cache = new PatchCache(() -> new File(notADirectory, "treekill"), () -> "one");
        byte[] original = original();
        cache.store(CLASS, original, new PatchCache.Patch(new byte[] {1}, ""));
        assertNull(bytes(cache.find(CLASS, original)));
        PatchCache none = new PatchCache(() -> null, () -> "one");
        none.store(CLASS, original, new PatchCache.Patch(new byte[] {1}, ""));
        assertNull(bytes(none.find(CLASS, original)));
    }

    @Test
    void anUnwritableDirectoryIsAQuietMissAndPatchingGoesOn() throws IOException {
        // Not writable even for root, which these tests run as.
        PatchCache cache = new PatchCache(() -> new File("/proc/self/treekill-cache"), () -> "one");
        byte[] original = original();
        cache.store(CLASS, original, new PatchCache.Patch(new byte[] {1}, ""));
        assertNull(bytes(cache.find(CLASS, original)));
        byte[] patched = new ProcessClassPatcher(() -> { }, true, cache).transform(null, CLASS, null, null, original);
        assertArrayEquals(ProcessClassRewriter.patch(CLASS, original).bytes, patched, "patched as without a cache");
    }

    @Test
    void thePatcherServesTheCachedBytesAndCachesWhatItRewrites() throws IOException {
        byte[] original = original();
        PatchCache cache = cache(temp, "one");
        byte[] rewritten = new ProcessClassPatcher(() -> { }, true, cache).transform(null, CLASS, null, null, original);
        assertArrayEquals(ProcessClassRewriter.patch(CLASS, original).bytes, rewritten, "a miss: rewritten with ASM");
        assertArrayEquals(rewritten, bytes(cache.find(CLASS, original)), "and kept");
        cache.store(CLASS, original, new PatchCache.Patch(new byte[] {7, 7}, ""));
        assertArrayEquals(new byte[] {7, 7},
                new ProcessClassPatcher(() -> { }, true, cache).transform(null, CLASS, null, null, original),
                "a hit: the cached bytes as they are, no rewrite");
        assertArrayEquals(ProcessClassRewriter.patch(CLASS, original).bytes,
                new ProcessClassPatcher(() -> { }, true, cache).transform(null, CLASS, Object.class, null, original),
                "a retransformation (bytes the JVM rebuilt, different in every JVM) is rewritten, not looked up");
    }

    @Test
    void retransformedClassesAreNotCached() throws IOException {
        byte[] original = original();
        PatchCache cache = cache(temp, "one");
        new ProcessClassPatcher(() -> { }, true, cache).transform(null, CLASS, Object.class, null, original);
        assertNull(bytes(cache.find(CLASS, original)));
    }

    @Test
    void aHitRepeatsTheWarningTheRewriteGave() throws IOException {
        byte[] original = original();
        PatchCache cache = cache(temp, "one");
        cache.store(CLASS, original, new PatchCache.Patch(new byte[] {5}, "X has another shape on this JDK"));
        assertEquals("X has another shape on this JDK", cache.find(CLASS, original).warning);
        new ProcessClassPatcher(() -> { }, true, cache).transform(null, CLASS, null, null, original);
        assertTrue(logged.toString(StandardCharsets.UTF_8).contains("X has another shape on this JDK"),
                "every JVM warns, not only the one that rewrote");
        logged.reset();
    }

    @Test
    void aCacheBelowADirectoryOthersMayWriteToIsNeitherReadNorWritten() throws IOException {
        Path open = Files.createDirectory(temp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        byte[] original = original();
        cache(open, "one").store(CLASS, original, new PatchCache.Patch(new byte[] {1}, ""));
        assertFalse(Files.exists(open.resolve("patched-classes")), "nothing created there");
        Path linked = Files.createSymbolicLink(temp.resolve("linked"), Files.createDirectory(temp.resolve("real")));
        cache(linked, "one").store(CLASS, original, new PatchCache.Patch(new byte[] {1}, ""));
        assertFalse(Files.exists(temp.resolve("real").resolve("patched-classes")), "nothing created through a link");
        cache(temp, "one").store(CLASS, original, new PatchCache.Patch(new byte[] {1}, ""));
        Path file = onlyFile(temp.resolve("patched-classes"));
        Files.createLink(temp.resolve("hard-link"), file);
        assertNull(bytes(cache(temp, "one").find(CLASS, original)), "a hard-linked file");
        Files.delete(temp.resolve("hard-link"));
        Files.setAttribute(file, "unix:uid", 4242);
        assertNull(bytes(cache(temp, "one").find(CLASS, original)), "a file of another user");
    }

    @Test
    void noIdentityNoCache() throws IOException {
        byte[] original = original();
        PatchCache unknown = new PatchCache(temp::toFile, () -> null);
        unknown.store(CLASS, original, new PatchCache.Patch(new byte[] {1}, ""));
        assertFalse(Files.exists(temp.resolve("patched-classes")));
        assertNull(unknown.find(CLASS, original));
    }
}
