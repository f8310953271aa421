package dev.treekill.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TaggedProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Runs the demo as a separate JVM without the agent, the way a user would. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DemoRunTest {
    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @TempDir
    Path dir;

    @Test
    void withoutAgentTheTreeOutlivesDestroyForciblyAndTheDemoCleansUpAfterwards() throws Exception {
        Run run = run();

        assertEquals(0, run.exitCode, run::describe);
        Map<String, String> result = DemoLines.fields(run.lastStdoutLine());
        assertEquals("off", result.get("agent"), run::describe);
        assertEquals("8", result.get("tree"), run::describe);
        assertTrue(Integer.parseInt(result.get("survivors")) > 0, run::describe);
        assertEquals("false", result.get("port_free"), run::describe);
        assertTrue(run.stderr.contains("treekill-demo: cleaned up "), run::describe);
        List<Long> leftovers = tagged.survivors();
        assertEquals(List.of(), leftovers, () -> "left running: " + TaggedProcesses.describe(leftovers));
    }

    @Test
    void workersOptionSizesTheTree() throws Exception {
        Run run = run("--workers", "1");

        assertEquals(0, run.exitCode, run::describe);
        assertEquals("4", DemoLines.fields(run.lastStdoutLine()).get("tree"), run::describe);
    }

    @Test
    void unknownOptionPrintsUsageAndExitsWithTwo() throws Exception {
        Run run = run("--bogus");

        assertEquals(2, run.exitCode, run::describe);
        assertTrue(run.stderr.contains("unknown option: --bogus"), run::describe);
        assertTrue(run.stderr.contains("usage:"), run::describe);
        assertEquals("", run.stdout, run::describe);
    }

    @Test
    void helpPrintsUsageAndStartsNothing() throws Exception {
        Run run = run("--help");

        assertEquals(0, run.exitCode, run::describe);
        assertTrue(run.stdout.startsWith("usage:"), run::describe);
    }

    private Run run(String... args) throws IOException, InterruptedException {
        Path stdout = dir.resolve("stdout.txt");
        Path stderr = dir.resolve("stderr.txt");
        Process demo = DemoCommand.of(tagged, args).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        assertTrue(demo.waitFor(50, TimeUnit.SECONDS), "demo did not finish");
        return new Run(demo.exitValue(), Files.readString(stdout), Files.readString(stderr));
    }

    private static final class Run {
        final int exitCode;
        final String stdout;
        final String stderr;

        Run(int exitCode, String stdout, String stderr) {
            this.exitCode = exitCode;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        String lastStdoutLine() {
            List<String> lines = stdout.lines().collect(Collectors.toList());
            return lines.isEmpty() ? null : lines.get(lines.size() - 1);
        }

        String describe() {
            return "exit " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
        }
    }
}
