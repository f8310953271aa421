package dev.treekill.agent.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The identity of the agent (which cached patches a JVM may use) is a fingerprint of the jar that
 * {@code -javaagent:} names on the command line: it must change whenever the jar is rebuilt, and be absent when
 * no jar is named.
 */
class PatcherIdentityTest {
    private static final String JAVA_HOME = "/usr/lib/jvm/some-jdk";
    /** An environment without option variables. */
    private static final byte[] NO_OPTIONS = cmdline("HOME=/root", "PATH=/usr/bin", "JAVA_HOME=/opt/jdk");

    @TempDir
    Path dir;
    private Path jar;

    @BeforeEach
    void aJar() throws IOException {
        jar = Files.write(dir.resolve("treekill-agent.jar"), new byte[] {'P', 'K', 3, 4, 0, 0});
        Files.setLastModifiedTime(jar, FileTime.fromMillis(1_700_000_000_000L));
    }

    /** A command line as /proc/self/cmdline has it: each argument NUL-terminated. */
    private static byte[] cmdline(String... args) {
        return (String.join("\0", args) + "\0").getBytes(StandardCharsets.UTF_8);
    }

    private String idWithAgent(String agentArg) {
        return PatcherIdentity.ofCommandLine(cmdline("/usr/bin/java", "-Xshare:auto", agentArg, "-cp", "app.jar",
                "app.Main", "arg"), NO_OPTIONS, JAVA_HOME);
    }

    @Test
    void theJarHasAnIdentityOfSixteenHexDigitsAndOptionsDoNotCount() {
        String id = idWithAgent("-javaagent:" + jar);
        assertNotNull(id);
        assertTrue(id.matches("[0-9a-f]{16}"), id);
        assertEquals(id, idWithAgent("-javaagent:" + jar), "the same jar, the same identity");
        assertEquals(id, idWithAgent("-javaagent:" + jar + "=log=debug,grace=2s"), "options are not the jar");
    }

    @Test
    void theIdentityChangesWhenTheJarGrows() throws IOException {
        String id = idWithAgent("-javaagent:" + jar);
        FileTime mtime = Files.getLastModifiedTime(jar);
        Files.write(jar, new byte[] {0}, StandardOpenOption.APPEND);
        Files.setLastModifiedTime(jar, mtime);
        assertNotEquals(id, idWithAgent("-javaagent:" + jar), "one byte more, the same mtime");
    }

    @Test
    void theIdentityChangesWhenTheJarIsModified() throws IOException {
        String id = idWithAgent("-javaagent:" + jar);
        Files.setLastModifiedTime(jar, FileTime.fromMillis(1_700_000_000_001L));
        assertNotEquals(id, idWithAgent("-javaagent:" + jar), "the same size, 1 ms later");
    }

    @Test
    void theIdentityChangesWhenTheJarIsReplacedByAnEqualLookingFile() throws IOException {
        String id = idWithAgent("-javaagent:" + jar);
        Path copy = Files.copy(jar, dir.resolve("new.jar"));
        Files.setLastModifiedTime(copy, Files.getLastModifiedTime(jar));
        Files.move(copy, jar, StandardCopyOption.REPLACE_EXISTING);
        assertNotEquals(id, idWithAgent("-javaagent:" + jar), "same path, size and mtime, another inode");
    }

    @Test
    void theIdentityDependsOnTheJdkAndTheJarsPath() throws IOException {
        String id = idWithAgent("-javaagent:" + jar);
        assertNotEquals(id, PatcherIdentity.ofCommandLine(cmdline("java", "-javaagent:" + jar, "app.Main"),
                NO_OPTIONS, "/usr/lib/jvm/other-jdk"), "another JDK");
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere")).resolve("treekill-agent.jar");
        Files.createLink(elsewhere, jar); // the same inode, size and mtime
        assertNotEquals(id, idWithAgent("-javaagent:" + elsewhere), "another path");
    }

    @Test
    void noJavaagentArgumentMeansNoIdentity() {
        assertNull(PatcherIdentity.ofCommandLine(cmdline("java", "-cp", jar.toString(), "app.Main"), NO_OPTIONS,
                JAVA_HOME));
        assertNull(PatcherIdentity.ofCommandLine(new byte[0], NO_OPTIONS, JAVA_HOME), "an empty command line");
        assertNull(PatcherIdentity.ofCommandLine(cmdline("java", "app.Main", "javaagent:" + jar), NO_OPTIONS,
                JAVA_HOME),
                "not the option");
    }

    @Test
    void aJavaagentThatIsNoRegularFileMeansNoIdentity() {
        assertNull(idWithAgent("-javaagent:" + dir.resolve("missing.jar")), "a missing jar");
        assertNull(idWithAgent("-javaagent:" + dir), "a directory");
        assertNull(idWithAgent("-javaagent:"), "an empty path");
    }

    /** Then the command line's agents may all be others' (a coverage agent): theirs do not change with ours. */
    @Test
    void optionsFromElsewhereMeanNoIdentity() {
        byte[] withAgent = cmdline("java", "-javaagent:" + jar, "app.Main");
        assertNotNull(PatcherIdentity.ofCommandLine(withAgent, NO_OPTIONS, JAVA_HOME));
        for (String variable : new String[] {"JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"}) {
            byte[] environ = cmdline("HOME=/root", variable + "=-Xmx1g -javaagent:/opt/treekill-agent.jar");
            assertNull(PatcherIdentity.ofCommandLine(withAgent, environ, JAVA_HOME), variable);
        }
        assertNotNull(PatcherIdentity.ofCommandLine(withAgent, cmdline("JAVA_TOOL_OPTIONS=-Xmx1g"), JAVA_HOME),
                "options without an agent");
        assertNull(PatcherIdentity.ofCommandLine(cmdline("java", "-javaagent:" + jar, "@/opt/app/jvm.args",
                "app.Main"), NO_OPTIONS, JAVA_HOME), "an @argfile");
        assertNull(PatcherIdentity.ofCommandLine(cmdline("java", "-XX:VMOptionsFile=/opt/app/vm.options",
                "-javaagent:" + jar, "app.Main"), NO_OPTIONS, JAVA_HOME), "a VM options file");
    }

    @Test
    void aRelativePathIsTheAbsoluteOne() {
        Path relative = Path.of("").toAbsolutePath().relativize(jar);
        assertEquals(idWithAgent("-javaagent:" + jar), idWithAgent("-javaagent:" + relative));
    }

    @Test
    void theRunningJvmIsFingerprintedFromItsOwnCommandLine() throws IOException {
        byte[] own = Files.readAllBytes(Path.of("/proc/self/cmdline"));
        byte[] environ = Files.readAllBytes(Path.of("/proc/self/environ"));
        // Surefire's JVM may run with some other -javaagent (a coverage agent): then it has the same identity.
        assertEquals(PatcherIdentity.ofCommandLine(own, environ, System.getProperty("java.home")),
                PatcherIdentity.ofRunningJvm());
    }
}
