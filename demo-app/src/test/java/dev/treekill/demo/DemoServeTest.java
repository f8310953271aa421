package dev.treekill.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TaggedProcesses;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DemoServeTest {
    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @TempDir
    Path dir;

    @Test
    void serveKeepsTheTreeUntilStoppedThenTakesItDown() throws Exception {
        Path stderr = dir.resolve("stderr.txt");
        Process demo = DemoCommand.of(tagged, "--serve").redirectError(stderr.toFile()).start();
        BufferedReader stdout = new BufferedReader(
                new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8));

        String line = stdout.readLine();
        assertNotNull(line, () -> "no serving line; stderr:\n" + read(stderr));
        Map<String, String> serving = DemoLines.fields(line);
        long jvmPid = Long.parseLong(serving.get("pid"));
        ProcessHandle root = ProcessHandle.of(Long.parseLong(serving.get("tree_root"))).orElseThrow();
        assertTrue(serving.containsKey("serving"), line);
        assertEquals(demo.pid(), jvmPid, line);
        assertTrue(ProcStates.isRunning(root), line);
        assertEquals(Optional.of(jvmPid), root.parent().map(ProcessHandle::pid), line);
        assertEquals("8", serving.get("tree"), line);
        List<Long> taggedPids = tagged.survivors();
        assertTrue(taggedPids.containsAll(List.of(jvmPid, root.pid())), () -> "tag not seen: " + taggedPids);

        demo.destroy(); // SIGTERM: the demo's shutdown hook must take the whole tree down
        assertTrue(demo.waitFor(30, TimeUnit.SECONDS), "demo did not stop");
        List<Long> leftovers = tagged.survivors();
        assertEquals(List.of(), leftovers, () -> "left running: " + TaggedProcesses.describe(leftovers));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
