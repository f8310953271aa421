package dev.treekill.demo;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Marks every process a test starts with a unique environment variable, which all its descendants
 * inherit, so that the test can find and kill exactly its own processes afterwards, never others by name.
 */
final class TaggedProcesses {
    private static final Path PROC = Path.of("/proc");

    private final String entry = "TREEKILL_TEST_TAG=" + UUID.randomUUID();

    /** {@code java -cp <classes> dev.treekill.demo.Demo <args>}, tagged; the jar does not exist yet at test time. */
    ProcessBuilder demo(String... args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-cp", demoClassPath(), Demo.class.getName());
        builder.command().addAll(Arrays.asList(args));
        String[] nameAndValue = entry.split("=", 2);
        builder.environment().put(nameAndValue[0], nameAndValue[1]);
        return builder;
    }

    /** Tagged processes that still run (zombies have released everything and do not count). */
    List<ProcessHandle> running() throws IOException {
        try (Stream<Path> entries = Files.list(PROC)) {
            return entries.map(path -> path.getFileName().toString())
                    .filter(name -> name.chars().allMatch(Character::isDigit))
                    .filter(this::carriesTag)
                    .map(name -> ProcessHandle.of(Long.parseLong(name)))
                    .flatMap(Optional::stream)
                    .filter(ProcStates::isRunning)
                    .collect(Collectors.toList());
        }
    }

    /** Kills what {@link #running()} finds and waits until it is gone; returns how many it killed. */
    int sweep() throws IOException, InterruptedException {
        List<ProcessHandle> leftovers = running();
        leftovers.forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (leftovers.stream().anyMatch(ProcStates::isRunning) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return leftovers.size();
    }

    static String describe(List<ProcessHandle> processes) {
        return processes.stream()
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                .collect(Collectors.joining("; ", "[", "]"));
    }

    private boolean carriesTag(String pid) {
        try {
            String environ = new String(Files.readAllBytes(PROC.resolve(pid).resolve("environ")),
                    StandardCharsets.UTF_8);
            return Arrays.asList(environ.split("\0")).contains(entry);
        } catch (IOException | SecurityException e) {
            return false; // gone meanwhile, or another user's process
        }
    }

    private static String demoClassPath() {
        try {
            return Path.of(Demo.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
