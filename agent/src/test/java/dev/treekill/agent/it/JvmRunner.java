package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TaggedProcesses;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;

/**
 * Starts a child JVM ({@code <jdk>/bin/java [-javaagent:<agent jar>[=options]] ... main args}) tagged with
 * the test's {@link TaggedProcesses} tag (so its whole tree is swept after the test), captures its stdout
 * and stderr, and never hangs: past the limit the JVM is killed and the test fails with what it printed.
 */
final class JvmRunner {
    static final Duration DEFAULT_LIMIT = Duration.ofSeconds(90);

    private final Jdk jdk;
    private final String tag;
    private final List<String> jvmArgs = new ArrayList<>();
    private final List<Path> classPath = new ArrayList<>();
    private final List<String> mainArgs = new ArrayList<>();
    private final List<String> launcher = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private Path workDir;

    private JvmRunner(Jdk jdk, String tag) {
        this.jdk = jdk;
        this.tag = tag;
    }

    /**
     * A child JVM of {@code jdk} (an installed one: {@link OnEachJdk} skips the others); every process it starts
     * inherits {@code tagged}'s tag.
     */
    static JvmRunner on(Jdk jdk, TaggedProcesses tagged) {
        return new JvmRunner(jdk, tagged.tag());
    }

    // ---- where things are ----

    /** The packaged agent, from failsafe's {@code treekill.agentJar} (fails when it was not built). */
    static Path agentJar() {
        return requiredJar("treekill.agentJar", "agent/target/treekill-agent.jar");
    }

    /** The demo jar, or the test is skipped when it was not built (e.g. {@code mvn -pl agent -am verify}). */
    static Path demoJarOrSkip() {
        String p = System.getProperty("treekill.demoJar");
        Assumptions.assumeTrue(p != null && Files.isRegularFile(Paths.get(p)),
                () -> "demo jar not built (" + p + "): run `mvn package` on the whole project first");
        return Paths.get(p).toAbsolutePath().normalize();
    }

    /** A jar the build copied to target/it-tools; skipped when run outside the build, e.g. from an IDE. */
    static Path itTool(String name) {
        String dir = System.getProperty("treekill.itTools");
        Assumptions.assumeTrue(dir != null, "treekill.itTools is not set: run through `mvn verify`");
        Path jar = Paths.get(dir, name);
        assertTrue(Files.isRegularFile(jar), () -> jar + " is missing: the build's it-tools copy did not run");
        return jar;
    }

    private static Path requiredJar(String property, String usual) {
        String p = System.getProperty(property);
        if (p == null) {
            p = Paths.get(usual).toFile().exists() ? usual : "../" + usual;
        }
        Path jar = Paths.get(p).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(property + " = " + jar + " does not exist: run `mvn package` first");
        }
        return jar;
    }

    /**
     * The directory TreeApp was compiled to (target/test-classes): the child's whole class path. Not the
     * test's full class path, which holds the agent's own dependencies (Byte Buddy, JNA) and would hide
     * exactly the leaks these tests look for.
     */
    static Path testClasses() {
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            Path p = Paths.get(entry);
            if (p.endsWith(Paths.get("target", "test-classes")) && Files.isRegularFile(
                    p.resolve(TreeApp.class.getName().replace('.', '/') + ".class"))) {
                return p.toAbsolutePath();
            }
        }
        // Surefire/failsafe may hand the fork a manifest-only jar as its java.class.path.
        try {
            return Paths.get(TreeApp.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
        } catch (Exception e) {
            throw new IllegalStateException("cannot find the test classes directory", e);
        }
    }

    /** A jar in the local Maven repository, or the test is skipped when it is not there. */
    static Path m2JarOrSkip(String groupPath, String artifact, String version) {
        Path jar = Paths.get(System.getProperty("user.home"), ".m2", "repository").resolve(groupPath)
                .resolve(artifact).resolve(version).resolve(artifact + "-" + version + ".jar");
        Assumptions.assumeTrue(Files.isRegularFile(jar), () -> jar + " is not in the local Maven repository");
        return jar;
    }

    // ---- the command ----

    /**
     * {@code -javaagent:<agent jar>}, or {@code -javaagent:<agent jar>=<options>} when options is not null. The
     * JVM verifies the boot classes too (it trusts them by default), so patched JDK code that would not verify
     * fails every test instead of misbehaving quietly.
     */
    JvmRunner agent(String options) {
        jvmArgs.add("-XX:+UnlockDiagnosticVMOptions");
        jvmArgs.add("-XX:+BytecodeVerificationLocal");
        jvmArgs.add("-javaagent:" + agentJar() + (options == null ? "" : "=" + options));
        return this;
    }

    /** Starts the JVM through {@code command} (e.g. {@code unshare --pid --fork --mount-proc}). */
    JvmRunner under(String... command) {
        launcher.addAll(Arrays.asList(command));
        return this;
    }

    JvmRunner jvmArg(String arg) {
        jvmArgs.add(arg);
        return this;
    }

    /** Adds jars/directories to the class path after the test classes. */
    JvmRunner classPath(Path... entries) {
        classPath.addAll(Arrays.asList(entries));
        return this;
    }

    /** Sets an environment variable of the child JVM. */
    JvmRunner env(String name, String value) {
        env.put(name, value);
        return this;
    }

    JvmRunner workDir(Path dir) {
        this.workDir = dir;
        return this;
    }

    /** Runs {@code TreeApp} with these arguments. */
    JvmRunner treeApp(String... args) {
        mainArgs.clear();
        List<Path> cp = new ArrayList<>();
        cp.add(testClasses());
        cp.addAll(classPath);
        mainArgs.add("-cp");
        mainArgs.add(cp.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)));
        mainArgs.add(TreeApp.class.getName());
        mainArgs.addAll(Arrays.asList(args));
        return this;
    }

    /** Runs another main class of the test classes (e.g. {@link ManyTreesApp}) with these arguments. */
    JvmRunner main(Class<?> mainClass, String... args) {
        treeApp(args);
        mainArgs.set(mainArgs.indexOf(TreeApp.class.getName()), mainClass.getName());
        return this;
    }

    /** Runs {@code java -jar jar args}. */
    JvmRunner jar(Path jar, String... args) {
        mainArgs.clear();
        mainArgs.add("-jar");
        mainArgs.add(jar.toString());
        mainArgs.addAll(Arrays.asList(args));
        return this;
    }

    List<String> command() {
        List<String> cmd = new ArrayList<>(launcher);
        cmd.add(jdk.java().toString());
        // A JVM that aborts (a bad agent option does) or crashes must not drop files into the project.
        cmd.add("-XX:-CreateCoredumpOnCrash");
        cmd.add("-XX:ErrorFile=" + Paths.get(System.getProperty("java.io.tmpdir"), "treekill-it-hs_err_pid%p.log"));
        cmd.addAll(jvmArgs);
        cmd.addAll(mainArgs);
        return cmd;
    }

    Result run() throws IOException, InterruptedException {
        return run(DEFAULT_LIMIT);
    }

    Result run(Duration limit) throws IOException, InterruptedException {
        return start().finish(limit);
    }

    Running start() throws IOException {
        if (mainArgs.isEmpty()) {
            throw new IllegalStateException("no main class or jar given");
        }
        ProcessBuilder pb = new ProcessBuilder(command());
        Map<String, String> childEnv = pb.environment();
        childEnv.put(TaggedProcesses.TAG_VARIABLE, tag);
        // The child's options are the test's business only.
        childEnv.remove("JAVA_TOOL_OPTIONS");
        childEnv.remove("JDK_JAVA_OPTIONS");
        childEnv.remove("_JAVA_OPTIONS");
        childEnv.putAll(env);
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        Path out = Files.createTempFile("treekill-it-", ".out");
        Path err = Files.createTempFile("treekill-it-", ".err");
        out.toFile().deleteOnExit();
        err.toFile().deleteOnExit();
        pb.redirectOutput(out.toFile());
        pb.redirectError(err.toFile());
        return new Running(command(), pb.start(), out, err);
    }

    /**
     * A started child JVM: its output so far, line by line, and its stdin. Its stdout and stderr go to files,
     * not pipes: processes it leaves behind (the controls do) inherit them, and a pipe would then never end.
     */
    static final class Running {
        private final List<String> command;
        private final Process process;
        private final Path outFile;
        private final Path errFile;
        private int linesSeen;

        Running(List<String> command, Process process, Path outFile, Path errFile) {
            this.command = command;
            this.process = process;
            this.outFile = outFile;
            this.errFile = errFile;
        }

        long pid() {
            return process.pid();
        }

        /** The next stdout line matching {@code wanted} (earlier lines are skipped), or an AssertionError. */
        String awaitLine(Predicate<String> wanted, Duration limit) throws InterruptedException {
            long end = System.nanoTime() + limit.toNanos();
            while (true) {
                boolean exited = !process.isAlive();
                List<String> lines = completeLines(read(outFile));
                while (linesSeen < lines.size()) {
                    String line = lines.get(linesSeen++);
                    if (wanted.test(line)) {
                        return line;
                    }
                }
                if (exited || System.nanoTime() > end) {
                    throw new AssertionError("no expected line from the child JVM"
                            + (exited ? " before it exited" : " within " + limit) + "\n" + describe());
                }
                Thread.sleep(20);
            }
        }

        private static List<String> completeLines(String text) {
            int last = text.lastIndexOf('\n');
            return last < 0 ? List.of() : Arrays.asList(text.substring(0, last).split("\n", -1));
        }

        void send(String line) throws IOException {
            OutputStream in = process.getOutputStream();
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
        }

        void closeStdin() {
            try {
                process.getOutputStream().close();
            } catch (IOException ignored) {
                // it may have exited already
            }
        }

        /** Waits for the JVM to exit; past {@code limit} kills it and fails with everything it printed. */
        Result finish(Duration limit) throws InterruptedException {
            closeStdin();
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                String output = describe();
                deleteFiles();
                throw new AssertionError("child JVM did not exit within " + limit + "; killed it\n" + output);
            }
            Result result = new Result(command, process.exitValue(), read(outFile), read(errFile));
            deleteFiles();
            return result;
        }

        private void deleteFiles() {
            try {
                Files.deleteIfExists(outFile);
                Files.deleteIfExists(errFile);
            } catch (IOException ignored) {
                // deleteOnExit has them
            }
        }

        /** Kills the JVM if it is still running (for finally blocks). */
        void kill() {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
            deleteFiles();
        }

        String describe() {
            return "command: " + String.join(" ", command) + "\n--- stdout ---\n" + read(outFile) + "--- stderr ---\n"
                    + read(errFile) + "--------------";
        }

        private static String read(Path file) {
            try {
                return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "<cannot read " + file + ": " + e + ">";
            }
        }
    }

    /** What a child JVM did. */
    static final class Result {
        final List<String> command;
        final int exitCode;
        final String stdout;
        final String stderr;

        Result(List<String> command, int exitCode, String stdout, String stderr) {
            this.command = command;
            this.exitCode = exitCode;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        List<String> stdoutLines() {
            return Arrays.stream(stdout.split("\n")).filter(l -> !l.isEmpty()).collect(Collectors.toList());
        }

        /** TreeApp's result lines ({@code tree=...}), parsed. */
        List<Map<String, String>> results() {
            return stdoutLines().stream().filter(l -> l.startsWith("tree=")).map(Result::fields)
                    .collect(Collectors.toList());
        }

        /** The one result line; fails (with the whole output) unless there is exactly one. */
        Map<String, String> result() {
            List<Map<String, String>> all = results();
            if (all.size() != 1) {
                throw new AssertionError("expected one result line, got " + all.size() + "\n" + this);
            }
            return all.get(0);
        }

        /** The first stdout line starting with {@code prefix}, parsed. */
        Map<String, String> line(String prefix) {
            return stdoutLines().stream().filter(l -> l.startsWith(prefix)).findFirst().map(Result::fields)
                    .orElseThrow(() -> new AssertionError("no line starting with '" + prefix + "'\n" + this));
        }

        /** {@code a=1 b=two c} as {a:1, b:two}; words without '=' are skipped. */
        static Map<String, String> fields(String line) {
            Map<String, String> m = new LinkedHashMap<>();
            for (String word : line.trim().split("\\s+")) {
                int eq = word.indexOf('=');
                if (eq > 0) {
                    m.put(word.substring(0, eq), word.substring(eq + 1));
                }
            }
            return m;
        }

        @Override
        public String toString() {
            return "command: " + String.join(" ", command) + "\nexit code: " + exitCode + "\n--- stdout ---\n" + stdout
                    + "--- stderr ---\n" + stderr + "--------------";
        }
    }
}
