package dev.treekill.junit.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TaggedProcesses;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The library call in a launcher's JVM: without -javaagent it installs the agent; with it, it uses it. */
@Timeout(300)
class TreeKillLibraryIT {
    private static final int ANOTHER_UID = 65534;

    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @Test
    void installsTheAgentAndKillsTrees() throws Exception {
        ForkedSuite.Output out = new ForkedSuite(tagged).main(LibraryMain.class);

        assertTrue(out.stdout.contains("ACTIVE_BEFORE false"), out.toString());
        assertTrue(out.stdout.contains("ORIGIN attached from "), out.toString());
        assertKilledAndRefused(out);
    }

    /**
     * A user's build finds the agent as Maven stores it, treekill-agent-<version>.jar, where the manifest's
     * Boot-Class-Path expects treekill-agent.jar: the attach uses a copy of that name from the cache.
     */
    @Test
    void aJarNamedAsInTheMavenRepositoryIsAttachedAsTreekillAgentJar(@TempDir Path repo) throws Exception {
        Path mavenNamed = Files.copy(Paths.get(agentJar()), repo.resolve("treekill-agent-0.1.0-SNAPSHOT.jar"));
        ForkedSuite.Output out = new ForkedSuite(tagged).jvmArg("-Dtreekill.agentJar=" + mavenNamed)
                .main(LibraryMain.class);

        assertTrue(out.stdout.contains("ORIGIN attached from " + mavenNamed), out.toString());
        assertFalse(out.stderr.contains("not added to bootstrap class loader search"), out.toString());
        assertFalse(out.stderr.contains("WARNING: treekill-agent.jar"), out.toString());
        try (var copies = Files.walk(ForkedSuite.cache().resolve("treekill"))) {
            assertTrue(copies.anyMatch(p -> p.getFileName().toString().equals("treekill-agent.jar")
                    && p.toFile().length() == mavenNamed.toFile().length()), "the copy is in the cache\n" + out);
        }
        assertKilledAndRefused(out);
        System.out.println("REMAINING STDERR of the attach from a Maven-named jar (" + Runtime.version() + "):\n" + out.stderr);
    }

    /**
     * Root with another user's cache (sudo keeping HOME, a CI image): that user could swap the copy's directory
     * between our check and the attach, so no copy is made or used there. The jar is attached as it is (the
     * agent works; the JVM warns about the boot class path) and the user is told why, on stderr without an SLF4J
     * binding.
     */
    @Test
    void aCacheOfAnotherUserIsRefusedTheJarAttachedAsItIsAndTheUserToldWhy(@TempDir Path repo) throws Exception {
        Path mavenNamed = Files.copy(Paths.get(agentJar()), repo.resolve("treekill-agent-0.1.0-SNAPSHOT.jar"));
        Path othersCache = Files.createDirectories(ForkedSuite.cache().resolveSibling("it-cache-of-another-user"));
        Files.setAttribute(othersCache, "unix:uid", ANOTHER_UID, LinkOption.NOFOLLOW_LINKS);
        Files.setPosixFilePermissions(othersCache, PosixFilePermissions.fromString("rwxr-xr-x"));

        ForkedSuite.Output out = new ForkedSuite(tagged).jvmArg("-Dtreekill.agentJar=" + mavenNamed)
                .env("XDG_CACHE_HOME", othersCache.toString()).main(LibraryMain.class);

        assertTrue(out.stdout.contains("ORIGIN attached from " + mavenNamed), out.toString());
        assertTrue(out.stderr.contains("[treekill] attaching " + mavenNamed + " as it is"), out.toString());
        assertTrue(out.stderr.contains(othersCache + " is owned by uid " + ANOTHER_UID), out.toString());
        assertTrue(out.stderr.contains("Set XDG_CACHE_HOME to a directory of your own"), out.toString());
        assertFalse(Files.exists(othersCache.resolve("treekill")), "nothing written to the other user's cache");
        assertKilledAndRefused(out);
    }

    /**
     * The same refused cache, and the jar in a directory anyone may add to (sticky, like /tmp): another user could
     * plant a treekill-agent.jar beside it that its Boot-Class-Path entry would pick up, so nothing is attached.
     */
    @Test
    void aJarInADirectoryOthersCanAddToIsNotAttachedAsItIs(@TempDir Path repo) throws Exception {
        Path libs = Files.createDirectory(repo.resolve("libs"));
        Path mavenNamed = Files.copy(Paths.get(agentJar()), libs.resolve("treekill-agent-0.1.0-SNAPSHOT.jar"));
        Files.setAttribute(libs, "unix:mode", 01777);
        Path othersCache = Files.createDirectories(ForkedSuite.cache().resolveSibling("it-cache-of-another-user"));
        Files.setAttribute(othersCache, "unix:uid", ANOTHER_UID, LinkOption.NOFOLLOW_LINKS);
        Files.setPosixFilePermissions(othersCache, PosixFilePermissions.fromString("rwxr-xr-x"));

        ForkedSuite.Output out = new ForkedSuite(tagged).jvmArg("-Dtreekill.agentJar=" + mavenNamed)
                .env("XDG_CACHE_HOME", othersCache.toString()).main(LibraryMain.class);

        assertTrue(out.stderr.contains("AgentUnavailableException"), out.toString());
        assertTrue(out.stderr.contains("not attaching " + mavenNamed + " as it is either: its directory " + libs
                + " is writable by group or others (mode 1777)"), out.toString());
        assertTrue(out.stderr.contains(othersCache + " is owned by uid " + ANOTHER_UID), out.toString());
        assertTrue(out.stderr.contains("Set XDG_CACHE_HOME to a directory of your own"), out.toString());
        assertTrue(out.stderr.contains("-javaagent:/path/to/treekill-agent.jar"), out.toString());
        assertFalse(out.stdout.contains("ACTIVE_AFTER"), out.toString());
        assertFalse(out.stderr.contains("[treekill] attaching "), "no attach announced\n" + out);
        assertTrue(tagged.survivors().isEmpty(), out.toString());
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
