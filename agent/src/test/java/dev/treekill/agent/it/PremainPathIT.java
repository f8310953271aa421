package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TaggedProcesses;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The start-up rule the agent relies on: no class on the premain path uses invokedynamic (no lambda, method
 * reference or indy string concatenation: the first bootstrap costs the application milliseconds of start-up).
 * The path is read from a real JVM on every run, so it cannot go stale: {@code -Xlog:class+load} with thread ids,
 * the agent's classes that the main thread loaded before the (empty) main class. Each one's bytes, from the agent
 * jar, must hold no {@code CONSTANT_InvokeDynamic} (nor {@code CONSTANT_Dynamic}); a lambda class spun for one of
 * them on that thread is named too. Under three option sets: the defaults, every option changed, everything off.
 * With {@code exitKill=true} among them: no class of the guard is on the path (it is made at the first start).
 */
@Timeout(180)
class PremainPathIT {
    /**
     * What broke the rule when this check was written (issue 10), by class, with where. Each entry goes when its
     * class is fixed; a listed class that is on the path and clean fails the test, so this list only shrinks.
     */
    private static final Map<String, String> KNOWN_VIOLATIONS = Map.of();

    private static final String LAMBDA_CLASS = "$$Lambda";
    private static final String GUARD_PACKAGE = "dev.treekill.agent.guard.";

    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    static Stream<Arguments> jdksAndOptions() {
        return Jdk.all().flatMap(jdk -> Stream.of(
                Arguments.of(jdk, Named.of("defaults", "")),
                Arguments.of(jdk, Named.of("every option changed", "timeout=5s,warn=2s,onTimeout=throw,destroy=mixed,"
                        + "grace=1s,scope=user,log=debug,cookie=false,subreaper=true,exitKill=true")),
                Arguments.of(jdk, Named.of("everything off", "jmx=false,destroy=child,grace=off,log=off"))));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("jdksAndOptions")
    @ExtendWith(InstalledJdkOnly.class)
    void noClassOnThePremainPathUsesInvokedynamic(Jdk jdk, String options, @TempDir Path dir) throws Exception {
        Path log = dir.resolve("class-load.log");
        JvmRunner.Result r = Checks.ok(JvmRunner.on(jdk, tagged).jvmArg(ClassLoadLog.jvmArg(log))
                .agent(options.isEmpty() ? null : options).main(EmptyApp.class).run());
        List<String> path = premainPath(log);
        assertTrue(path.contains("dev.treekill.agent.TreeKillAgent"), () -> "no premain path read from " + log
                + ": " + path + "\n" + r);

        Map<String, String> violations = violations(path);
        Map<String, String> unknown = new TreeMap<>(violations);
        unknown.keySet().removeAll(KNOWN_VIOLATIONS.keySet());
        assertEquals(Map.of(), unknown, () -> "classes on the premain path that use invokedynamic (a lambda, a method "
                + "reference, an indy string concatenation): " + unknown + "\npremain path: " + path);
        List<String> fixed = new ArrayList<>();
        for (String known : KNOWN_VIOLATIONS.keySet()) {
            if (path.contains(known) && !violations.containsKey(known)) {
                fixed.add(known);
            }
        }
        assertEquals(List.of(), fixed, "on the premain path and clean now: take them off KNOWN_VIOLATIONS");
        List<String> guard = path.stream().filter(c -> c.startsWith(GUARD_PACKAGE)).collect(Collectors.toList());
        assertEquals(List.of(), guard, "exitKill's guard is made at the first process start: a JVM that starts none "
                + "pays nothing for it at premain");
    }

    /** The scan finds what javac emits for a lambda (this class has some), and nothing in a class without. */
    @Test
    void theScanSeesALambdaAndOnlyALambda() throws IOException {
        assertTrue(ClassFileScan.bootstrapEntries(bytesOf(PremainPathIT.class)) > 0);
        assertEquals(0, ClassFileScan.bootstrapEntries(bytesOf(EmptyApp.class)));
    }

    /**
     * The agent's classes the JVM's main thread loaded before {@link EmptyApp}, in order: premain runs on that
     * thread before the launcher loads the main class. Threads the agent starts load classes of their own at the
     * same time; those are not on the path, and a list that included them would change from run to run.
     */
    private static List<String> premainPath(Path log) throws IOException {
        List<ClassLoadLog.Loaded> loaded = ClassLoadLog.read(log);
        String mainThread = ClassLoadLog.loaderOf(loaded, EmptyApp.class);
        assertNotNull(mainThread, "the class-load log does not show " + EmptyApp.class.getName());
        return ClassLoadLog.agentClassesBetween(loaded, mainThread, null, EmptyApp.class);
    }

    /** Class name to what breaks the rule in it: bootstrap entries in its bytes, or a lambda of it that ran. */
    private static Map<String, String> violations(List<String> path) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (ZipFile jar = new ZipFile(JvmRunner.agentJar().toFile())) {
            for (String name : path) {
                int lambda = name.indexOf(LAMBDA_CLASS);
                if (lambda > 0) {
                    out.put(name.substring(0, lambda), "a lambda or method reference of it ran: " + name);
                    continue;
                }
                ZipEntry entry = jar.getEntry(name.replace('.', '/') + ".class");
                assertNotNull(entry, () -> name + " is on the premain path but not in " + JvmRunner.agentJar());
                int entries;
                try (InputStream in = jar.getInputStream(entry)) {
                    entries = ClassFileScan.bootstrapEntries(in.readAllBytes());
                }
                if (entries > 0) {
                    out.putIfAbsent(name, entries + " invokedynamic constant pool entries");
                }
            }
        }
        return out;
    }

    private static byte[] bytesOf(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
            return in.readAllBytes();
        }
    }
}
