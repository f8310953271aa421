package dev.treekill.demo;

import dev.treekill.testing.TaggedProcesses;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;

/** The demo as a user starts it, as a separate JVM without the agent. */
final class DemoCommand {
    private DemoCommand() {
    }

    /** {@code java -cp <classes> dev.treekill.demo.Demo <args>}, tagged; the jar does not exist yet at test time. */
    static ProcessBuilder of(TaggedProcesses tagged, String... args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-cp", demoClassPath(), Demo.class.getName());
        builder.command().addAll(Arrays.asList(args));
        return tagged.withTag(builder);
    }

    private static String demoClassPath() {
        try {
            return Path.of(Demo.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
