package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TaggedProcesses;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent carries JNA and (relocated) Byte Buddy's ASM; the application's own JNA and Byte Buddy, of
 * other versions or the same, must keep working and come from the application's jars, and the agent's
 * copies must stay invisible to the application.
 */
@Timeout(120)
class LibraryIsolationIT {
    private static final String[] AGENT_INTERNALS = {
        "net.bytebuddy.jar.asm.ClassReader", "com.sun.jna.Native", "com.sun.jna.Pointer", "net.bytebuddy.ByteBuddy",
    };

    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    /** JDK, the application's JNA version, its Byte Buddy version, whether it uses them before its first process. */
    static Stream<Arguments> appLibraries() {
        return Jdk.all().flatMap(jdk -> Stream.of(
                // older than the agent's (JNA 5.17.0, Byte Buddy 1.18.14)
                Arguments.of(jdk, "5.13.0", "1.14.18", "before"),
                Arguments.of(jdk, "5.13.0", "1.14.18", "after"),
                // the very versions the agent carries
                Arguments.of(jdk, "5.17.0", "1.18.14", "after")));
    }

    @ParameterizedTest(name = "{0} jna-{1} byte-buddy-{2} used {3} the first process")
    @MethodSource("appLibraries")
    @ExtendWith(InstalledJdkOnly.class)
    void theApplicationsOwnJnaAndByteBuddyKeepWorking(Jdk jdk, String jnaVersion, String byteBuddyVersion, String order)
            throws Exception {
        Path jna = JvmRunner.m2JarOrSkip("net/java/dev/jna", "jna", jnaVersion);
        Path byteBuddy = JvmRunner.m2JarOrSkip("net/bytebuddy", "byte-buddy", byteBuddyVersion);
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent(null).classPath(jna, byteBuddy).treeApp("libs", order).run();
        Checks.ok(r);

        Map<String, String> jnaLine = r.line("lib jna version=");
        assertEquals(jnaVersion, jnaLine.get("version"), () -> "the application must see its own JNA\n" + r);
        assertEquals(jna.toString(), jnaLine.get("source"), () -> "JNA must come from the application's jar\n" + r);
        assertEquals("app", jnaLine.get("loader"), r::toString);
        assertEquals("true", jnaLine.get("getpid"), () -> "the application's JNA must call native code\n" + r);

        Map<String, String> bbLine = r.line("lib bytebuddy ");
        assertEquals(byteBuddyVersion, bbLine.get("version"), () -> "the application must see its own Byte Buddy\n" + r);
        assertEquals(byteBuddy.toString(), bbLine.get("source"), r::toString);
        assertEquals("app", bbLine.get("loader"), r::toString);
        assertEquals(byteBuddy.toString(), bbLine.get("asm_source"),
                () -> "Byte Buddy's ASM must come from the application's jar, not the agent\n" + r);
        assertEquals("app", bbLine.get("asm_loader"), r::toString);
        assertTrue(bbLine.get("generated") != null && !bbLine.get("generated").equals("wrong-superclass"), r::toString);

        Map<String, String> line = r.result();
        Checks.treeGone(line, r);
        Checks.jdkExitStatusKept(line, r);
        assertEquals("true", r.line("lib jna after_kill").get("getpid"), r::toString);
        Checks.noAgentWarnings(r);
        assertEquals(List.of(), tagged.survivors(), r::toString);
    }

    @OnEachJdk
    void theAgentsLibrariesAreInvisibleToTheApplication(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent(null).treeApp(probeArgs()).run();
        Checks.ok(r);
        // The kill ran first: the agent has loaded its JNA by now.
        Checks.treeGone(r.result(), r);
        for (String name : AGENT_INTERNALS) {
            Map<String, String> c = r.line("class " + name + " ");
            assertEquals("false", c.get("visible"), () -> name + " must not be visible to the application\n" + r);
            Map<String, String> res = r.line("resource " + name + " ");
            assertEquals("false", res.get("visible"), () -> name + "'s class file must not be visible\n" + r);
        }
        assertFalse(r.stderr.contains("[treekill]"), r::toString);
    }

    private static String[] probeArgs() {
        String[] args = new String[AGENT_INTERNALS.length + 1];
        args[0] = "probe";
        System.arraycopy(AGENT_INTERNALS, 0, args, 1, AGENT_INTERNALS.length);
        return args;
    }
}
