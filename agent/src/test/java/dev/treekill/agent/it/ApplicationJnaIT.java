package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TaggedProcesses;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The application's own JNA behaves as without the agent: {@link JnaApp}, with its own JNA of another version
 * or of the agent's, initialised before or after the agent's, loads {@link ProbeLibrary} (known to the linker
 * only through ld.so.conf.d, by a versioned name) from the same file, and ends with the same system
 * properties, as the same program without the agent.
 */
@Timeout(180)
class ApplicationJnaIT {
    /**
     * Differ from run to run with or without the agent: present in both, values not compared. JNA unpacks its
     * native library to a fresh temporary file (JnaApp checks that the value is its own JNA's).
     */
    private static final Set<String> PER_RUN_VALUES = Set.of("jnidispatch.path");

    private static ProbeLibrary probe;

    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @BeforeAll
    static void installProbeLibrary() throws Exception {
        probe = ProbeLibrary.install();
    }

    @AfterAll
    static void removeProbeLibrary() throws Exception {
        if (probe != null) {
            probe.close();
        }
    }

    /** JDK, the application's JNA version, whether its JNA initialises before or after its first process start. */
    static Stream<Arguments> applications() {
        String agentsJna = System.getProperty("treekill.agentJnaVersion", "5.17.0");
        return Jdk.all().flatMap(jdk -> Stream.of(
                Arguments.of(jdk, "5.13.0", "before"),
                Arguments.of(jdk, "5.13.0", "after"),
                Arguments.of(jdk, agentsJna, "after")));
    }

    @ParameterizedTest(name = "{0} jna-{1} initialised {2} the first process")
    @MethodSource("applications")
    @ExtendWith(InstalledJdkOnly.class)
    void theApplicationsJnaFindsTheSameLibrariesAndLeavesTheSameProperties(Jdk jdk, String jnaVersion, String order)
            throws Exception {
        Path jna = JvmRunner.itTool("jna-" + jnaVersion + ".jar");
        // The flags agent() adds besides -javaagent (they turn class-data sharing off, which shows in java.vm.info).
        JvmRunner.Result without = Checks.ok(JvmRunner.on(jdk, tagged).jvmArg("-XX:+UnlockDiagnosticVMOptions")
                .jvmArg("-XX:+BytecodeVerificationLocal").classPath(jna).main(JnaApp.class, order).run());
        JvmRunner.Result with = Checks.ok(JvmRunner.on(jdk, tagged).agent(null).classPath(jna).main(JnaApp.class, order).run());

        assertEquals(jna.toString(), with.line("jna source=").get("source"), with::toString);
        Map<String, String> expected = without.line("probe ");
        assertEquals(Integer.toString(ProbeLibrary.ANSWER), expected.get("answer"),
                () -> "without the agent the application's JNA loads the library (the test's premise)\n" + without);
        assertEquals(probe.file().toString(), expected.get("file"), without::toString);
        assertEquals(expected, with.line("probe "), () -> "with the agent, the same library from the same file\n" + with);
        assertEquals("true", with.line("agent_jna=").get("agent_jna"),
                () -> "the agent's own JNA was loaded in that JVM too (the test's premise)\n" + with);
        assertEquals("true", with.line("jnidispatch_kept=").get("jnidispatch_kept"),
                () -> "jnidispatch.path names the application's JNA library, not the agent's\n" + with);
        assertEquals(properties(without), properties(with), () -> "system properties with the agent\n" + with
                + "\nwithout\n" + without);
        Checks.noAgentWarnings(with);
        assertEquals(List.of(), tagged.survivors(), with::toString);
    }

    /** The {@code prop} lines, values of {@link #PER_RUN_VALUES} replaced by a marker. */
    private static Map<String, String> properties(JvmRunner.Result r) {
        Map<String, String> props = new TreeMap<>();
        for (String line : r.stdoutLines()) {
            if (line.startsWith("prop ")) {
                int tab = line.indexOf('\t');
                String key = line.substring("prop ".length(), tab);
                props.put(key, PER_RUN_VALUES.contains(key) ? "<per run>" : line.substring(tab + 1));
            }
        }
        assertTrue(props.containsKey("java.version"), r::toString);
        return props;
    }
}
