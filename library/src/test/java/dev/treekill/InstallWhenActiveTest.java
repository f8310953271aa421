package dev.treekill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.treekill.testing.TaggedProcesses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code install(options)} once the agent is active: a typo is still an IllegalArgumentException (checked by the
 * active agent's parser), good options are ignored. In a JVM of its own (an install cannot be undone), on this
 * test's class path, which holds the agent jar once the agent module is packaged.
 */
@Timeout(120)
class InstallWhenActiveTest {
    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @TempDir
    Path dir;

    @Test
    void aTypoIsRefusedByTheActiveAgentsParserAndGoodOptionsAreIgnored() throws Exception {
        String classPath = System.getProperty("java.class.path");
        assumeTrue(List.of(classPath.split(java.io.File.pathSeparator)).stream()
                .anyMatch(entry -> entry.matches(".*treekill-agent[^/]*\\.jar")),
                "the agent is on the class path as its jar only once it is packaged (mvn verify): " + classPath);
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        Process jvm = tagged.withTag(new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath, TypoAfterInstallMain.class.getName()))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        boolean exited = jvm.waitFor(90, TimeUnit.SECONDS);
        if (!exited) {
            jvm.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String report = "stdout:\n" + read(out) + "stderr:\n" + read(err);
        assertTrue(exited, () -> "the JVM did not finish in 90 s\n" + report);
        assertEquals(0, jvm.exitValue(), report);
        List<String> lines = Files.readAllLines(out);
        assertEquals("ACTIVE true", lines.get(0), report);
        assertEquals(3, lines.size(), report);
        assertTrue(lines.get(1).startsWith("TYPO refused: bad treekill agent options 'bogusKey=1': unknown option "
                + "'bogusKey'. Valid options: timeout=<duration>,"), () -> "one prefix, the library's\n" + report);
        assertEquals("GOOD ignored", lines.get(2), report);
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
    }
}
