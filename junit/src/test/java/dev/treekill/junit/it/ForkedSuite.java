package dev.treekill.junit.it;

import dev.treekill.testing.TaggedProcesses;
import dev.treekill.testing.TrustedTempDirFactory;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Runs a main class of these tests in a JVM of its own, as a build would run a suite: the JDK this build
 * runs on, the module's test class path, no {@code -javaagent} (unless asked), tagged with the test's tag,
 * with a time limit after which its tree is killed and the test fails with what it printed.
 */
final class ForkedSuite {
    private static final long LIMIT_SECONDS = 120;

    private final TaggedProcesses tagged;
    private final List<String> jvmArgs = new ArrayList<>();
    private final List<String> classPathFirst = new ArrayList<>();
    private final Map<String, String> environment = new HashMap<>();

    ForkedSuite(TaggedProcesses tagged) {
        this.tagged = tagged;
    }

    ForkedSuite jvmArg(String arg) {
        jvmArgs.add(arg);
        return this;
    }

    /** Sets a variable in the JVM's environment (after the defaults: {@code XDG_CACHE_HOME} may be replaced). */
    ForkedSuite env(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /** Puts {@code entry} before the module's class path (an SLF4J binding, say). */
    ForkedSuite classPathFirst(String entry) {
        classPathFirst.add(entry);
        return this;
    }

    /** Runs {@link SuiteMain} on {@code classes} with JUnit configuration parameters {@code config}. */
    Output suite(List<Class<?>> classes, String... config) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>();
        args.add(classes.stream().map(Class::getName).collect(Collectors.joining(",")));
        args.addAll(Arrays.asList(config));
        return main(SuiteMain.class, args.toArray(new String[0]));
    }

    Output main(Class<?> mainClass, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:-CreateCoredumpOnCrash");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        List<String> cp = new ArrayList<>(classPathFirst);
        cp.add(classPath());
        cmd.add(String.join(File.pathSeparator, cp));
        cmd.add(mainClass.getName());
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        tagged.withTag(pb);
        // The agent's copy named treekill-agent.jar goes to the build's directory, not the user's ~/.cache.
        pb.environment().put("XDG_CACHE_HOME", cache().toString());
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.environment().remove("_JAVA_OPTIONS");
        pb.environment().putAll(environment);
        Path out = Files.createTempFile("treekill-junit-it", ".out");
        Path err = Files.createTempFile("treekill-junit-it", ".err");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p = pb.start();
            boolean ended = p.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS);
            if (!ended) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            Output o = new Output(Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
            if (!ended) {
                throw new AssertionError("the suite's JVM ran for more than " + LIMIT_SECONDS + " s\n" + o);
            }
            return o;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Where the suites' JVMs keep the agent's copy named treekill-agent.jar (XDG_CACHE_HOME). */
    static Path cache() {
        String dir = System.getProperty("treekill.itCache");
        if (dir == null) {
            throw new IllegalStateException("run through Maven (failsafe sets treekill.itCache)");
        }
        Path inTarget = Paths.get(dir).toAbsolutePath();
        try {
            // A checkout the cache rule refuses (under /tmp, say) would refuse every cache below target/ as well.
            return TrustedTempDirFactory.trusted(inTarget.getParent()) ? inTarget
                    : TrustedTempDirFactory.outsideTheCheckout().resolve("it-cache");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This module's classes and test classes, then its test class path as Maven wrote it (see the pom). */
    private static String classPath() throws IOException {
        String classes = System.getProperty("treekill.itClasses");
        String file = System.getProperty("treekill.itClasspath");
        if (classes == null || file == null) {
            throw new IllegalStateException("run through Maven (failsafe sets treekill.itClasses and treekill.itClasspath)");
        }
        return classes + File.pathSeparator + Files.readString(Paths.get(file)).trim();
    }

    /** What the suite's JVM printed. */
    static final class Output {
        final String stdout;
        final String stderr;

        Output(String stdout, String stderr) {
            this.stdout = stdout;
            this.stderr = stderr;
        }

        /** The status of a test ("Class#method") or class ("Class"): SUCCESSFUL, FAILED, ABORTED; null if not run. */
        String status(String name) {
            Matcher m = Pattern.compile("(?m)^RESULT " + Pattern.quote(name) + " (\\w+)").matcher(stdout);
            return m.find() ? m.group(1) : null;
        }

        /** The failure message of a test or class, "" if none. */
        String message(String name) {
            Matcher m = Pattern.compile("(?m)^RESULT " + Pattern.quote(name) + " \\w+ (.*)$").matcher(stdout);
            return m.find() ? m.group(1) : "";
        }

        /** The values of the report entries {@code key} published for a test or class. */
        List<String> entries(String name, String key) {
            List<String> values = new ArrayList<>();
            Matcher m = Pattern.compile("(?m)^ENTRY " + Pattern.quote(name) + " " + Pattern.quote(key) + "=(.*)$").matcher(stdout);
            while (m.find()) {
                values.add(m.group(1));
            }
            return values;
        }

        /** The pids the scenario printed as {@code SPAWNED <label> <pid>}. */
        List<Long> spawned(String label) {
            List<Long> pids = new ArrayList<>();
            Matcher m = Pattern.compile("(?m)^SPAWNED " + Pattern.quote(label) + " (\\d+)$").matcher(stdout);
            while (m.find()) {
                pids.add(Long.parseLong(m.group(1)));
            }
            return pids;
        }

        @Override
        public String toString() {
            return "--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }
}
