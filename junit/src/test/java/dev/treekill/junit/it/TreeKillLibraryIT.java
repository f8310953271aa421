package dev.treekill.junit.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The library call in a launcher's JVM: without -javaagent it installs the agent; with it, it uses it. */
@Timeout(300)
class TreeKillLibraryIT {
    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @Test
    void installsTheAgentAndKillsTrees() throws Exception {
        ForkedSuite.Output out = new ForkedSuite(tagged).main(LibraryMain.class);

        assertTrue(out.stdout.contains("ACTIVE_BEFORE false"), out.toString());
        assertTrue(out.stdout.contains("ORIGIN attached from "), out.toString());
        assertKilledAndRefused(out);
    }

    @Test
    void usesTheAgentAlreadyThere() throws Exception {
        ForkedSuite.Output out = new ForkedSuite(tagged).jvmArg("-javaagent:" + agentJar()).main(LibraryMain.class);

        assertTrue(out.stdout.contains("ACTIVE_BEFORE true"), out.toString());
        assertTrue(out.stdout.contains("ORIGIN -javaagent"), out.toString());
        assertKilledAndRefused(out);
    }

    private void assertKilledAndRefused(ForkedSuite.Output out) {
        assertTrue(out.stdout.contains("ACTIVE_AFTER true"), out.toString());
        assertTrue(out.stdout.contains("KILLED signalled=3 exited=3 survivors=0 timedOut=false trigger=library"), out.toString());
        assertTrue(out.stdout.contains("LEFT 0 of 3"), out.toString());
        assertTrue(out.stdout.contains("PID1 refused: "), out.toString());
        assertTrue(out.stdout.contains("SELF refused: "), out.toString());
        assertTrue(out.stdout.contains("DESTROYED LEFT 0 of 3"), "after install, destroyForcibly() kills the tree\n" + out);
        assertTrue(tagged.survivors().isEmpty(), out.toString());
    }

    /** The agent jar from the module's class path (treekill-library depends on it). */
    private static String agentJar() throws Exception {
        String cp = Files.readString(Paths.get(System.getProperty("treekill.itClasspath"))).trim();
        return Arrays.stream(cp.split(File.pathSeparator)).filter(e -> new File(e).getName().startsWith("treekill-agent"))
                .findFirst().orElseThrow(() -> new AssertionError("no treekill-agent jar in " + cp));
    }
}
