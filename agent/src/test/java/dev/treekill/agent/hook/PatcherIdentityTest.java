package dev.treekill.agent.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The identity of the patching code (which cached patches a JVM may use) is computed from the class files that
 * run: it must change when any of them does, and cover every class the rewriters and Hooks compile to.
 */
class PatcherIdentityTest {
    private static byte[] classFile(String name) {
        try (InputStream in = ClassLoader.getSystemResourceAsStream(name + ".class")) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theRunningCodeHasAnIdentityOfSixteenHexDigits() {
        String id = PatcherIdentity.ofRunningCode();
        assertNotNull(id, "every listed class file is readable");
        assertTrue(id.matches("[0-9a-f]{16}"), id);
        assertEquals(id, PatcherIdentity.of(PatcherIdentityTest::classFile), "the same bytes, the same identity");
    }

    @Test
    void theIdentityChangesWhenAnyListedClassChanges() {
        String id = PatcherIdentity.of(PatcherIdentityTest::classFile);
        for (String changed : PatcherIdentity.PATCHING_CODE) {
            Function<String, byte[]> oneBitFlipped = name -> {
                byte[] bytes = classFile(name);
                if (name.equals(changed)) {
                    bytes[bytes.length / 2] ^= 1;
                }
                return bytes;
            };
            assertNotEquals(id, PatcherIdentity.of(oneBitFlipped), changed + " changed");
            Function<String, byte[]> oneByteLonger = name -> {
                byte[] bytes = classFile(name);
                return name.equals(changed) ? java.util.Arrays.copyOf(bytes, bytes.length + 1) : bytes;
            };
            assertNotEquals(id, PatcherIdentity.of(oneByteLonger), changed + " grew");
        }
    }

    @Test
    void aMissingClassFileMeansNoIdentity() {
        String missing = PatcherIdentity.PATCHING_CODE.get(3);
        assertNull(PatcherIdentity.of(name -> name.equals(missing) ? null : classFile(name)));
    }

    /** A new nested class of a listed class (an anonymous visitor, say) would otherwise change nothing here. */
    @Test
    void everyNestedClassOfAListedClassIsListed() throws IOException {
        Path classes = Path.of("target", "classes");
        Set<String> expected = new TreeSet<>();
        for (String name : PatcherIdentity.PATCHING_CODE) {
            if (name.startsWith("dev/") && !name.contains("$")) {
                Path outer = classes.resolve(name + ".class");
                String prefix = outer.getFileName().toString().replace(".class", "$");
                try (Stream<Path> siblings = Files.list(outer.getParent())) {
                    expected.addAll(siblings.map(p -> p.getFileName().toString())
                            .filter(f -> f.startsWith(prefix) && f.endsWith(".class"))
                            .map(f -> name.substring(0, name.lastIndexOf('/') + 1) + f.replace(".class", ""))
                            .collect(Collectors.toList()));
                }
            }
        }
        assertTrue(expected.size() >= 10, "nested classes found under " + classes.toAbsolutePath() + ": " + expected);
        Set<String> listed = PatcherIdentity.PATCHING_CODE.stream().filter(n -> n.contains("$"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expected, listed);
    }
}
