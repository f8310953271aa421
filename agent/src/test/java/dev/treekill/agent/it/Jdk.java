package dev.treekill.agent.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/** A JDK the integration tests run the agent on; {@link #all()} is the matrix of {@link OnEachJdk}. */
public final class Jdk {
    /** The JDKs the product is tested on (see PRODUCT.md). */
    static final String JDK_17 = "/usr/lib/jvm/java-17-openjdk-amd64";
    static final String JDK_25 = "/usr/lib/jvm/temurin-25-jdk-amd64";

    private final String name;
    private final Path home;

    private Jdk(String name, Path home) {
        this.name = name;
        this.home = home;
    }

    /** Both JDKs, installed or not: a run on a missing one is skipped by {@link InstalledJdkOnly}, visibly. */
    public static Stream<Jdk> all() {
        return Stream.of(new Jdk("jdk17", Paths.get(JDK_17)), new Jdk("jdk25", Paths.get(JDK_25)));
    }

    public Path home() {
        return home;
    }

    public Path java() {
        return home.resolve("bin").resolve("java");
    }

    public boolean installed() {
        return Files.isExecutable(java());
    }

    /** Skips the test (not fails it) when this JDK is not on the machine; {@link InstalledJdkOnly} calls it. */
    public Jdk assumeInstalled() {
        Assumptions.assumeTrue(installed(), () -> name + " is not installed at " + home
                + " (expected " + java() + "); the agent is not tested on it on this machine");
        return this;
    }

    /** The feature release, from the JDK's {@code release} file (17, 25, ...). */
    public int feature() {
        try {
            String release = new String(Files.readAllBytes(home.resolve("release")), StandardCharsets.UTF_8);
            Matcher m = Pattern.compile("JAVA_VERSION=\"(?:1\\.)?(\\d+)").matcher(release);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        throw new IllegalStateException("cannot tell the version of the JDK at " + home);
    }

    @Override
    public String toString() {
        return name;
    }
}
