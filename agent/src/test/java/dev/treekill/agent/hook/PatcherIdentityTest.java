package dev.treekill.agent.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * PatcherIdentity.ID must change with the patching code, or a JVM would use a patch cached by another version of
 * the agent. The digest: SHA-256 over the sources that decide what a patched class contains and calls (the two
 * rewriters, and Hooks and PlatformRegistration, whose methods and constants the patched code names), in this
 * order, each as its path below dev/treekill/agent, a newline, its text with LF line ends, a newline; the first
 * 16 hex digits.
 */
class PatcherIdentityTest {
    private static final Path SOURCES = Paths.get("src/main/java/dev/treekill/agent");
    private static final List<String> PATCHING_CODE = List.of("hook/Hooks.java", "hook/ProcessClassRewriter.java",
            "jmx/PlatformRegistration.java", "jmx/PlatformServerRewriter.java");

    @Test
    void theIdentityIsTheDigestOfTheHookSources() throws IOException, NoSuchAlgorithmException {
        assertTrue(Files.isDirectory(SOURCES), "run from the agent module: " + SOURCES.toAbsolutePath());
        String digest = digest();
        assertEquals(digest, PatcherIdentity.ID, "the patching code changed: set PatcherIdentity.ID to \"" + digest
                + "\" so that patches cached by the previous code are not used");
    }

    private static String digest() throws IOException, NoSuchAlgorithmException {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (String name : PATCHING_CODE) {
            Path f = SOURCES.resolve(name);
            sha.update((name + "\n").getBytes(StandardCharsets.UTF_8));
            String text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8).replace("\r\n", "\n");
            sha.update(text.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '\n');
        }
        StringBuilder hex = new StringBuilder();
        for (byte b : sha.digest()) {
            hex.append(String.format("%02x", b));
        }
        return hex.substring(0, 16);
    }
}
