package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.testing.TaggedProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The patched JDK classes come from the per-user cache ({@code $XDG_CACHE_HOME/treekill/patched-classes}) from
 * the second JVM on. Each run here is a real JVM (boot classes verified, see JvmRunner.agent) in a fresh cache
 * directory: cold (patched with ASM, then cached), warm (from the cache), and with a damaged cache file; in
 * each the cookie (ProcessEnvironment's patch) and the tree kill (ProcessImpl's) must work. The other ITs share
 * one cache per build (failsafe points XDG_CACHE_HOME into target/), so they run cold first, then warm.
 */
@Timeout(180)
class PatchCacheIT {
    private static final List<String> PATCHED = List.of("java/lang/ProcessImpl", "java/lang/ProcessHandleImpl",
            "java/lang/ProcessEnvironment");

    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    /** EscapeApp's daemon escapes its tree with the cookie: killed only if every patch works. */
    private JvmRunner.Result escape(Jdk jdk, Path cacheHome, String options) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent(options).env("XDG_CACHE_HOME", cacheHome.toString())
                .main(EscapeApp.class, "escape", "alive").run();
        Map<String, String> line = Checks.ok(r).line("escape ");
        assertEquals("false", line.get("daemon_alive"), () -> "the cookie's daemon must die with its tree\n" + r);
        assertEquals("true", line.get("optout_alive"), () -> "a daemon that changed its cookie opted out\n" + r);
        assertEquals("137", line.get("exit"), r::toString);
        return r;
    }

    private static List<Path> cached(Path cacheHome) throws IOException {
        try (Stream<Path> files = Files.list(cacheHome.resolve("treekill").resolve("patched-classes"))) {
            return files.sorted().collect(Collectors.toList());
        }
    }

    private static List<String> fromCache(JvmRunner.Result r) {
        return PATCHED.stream().filter(c -> r.stderr.contains("patched " + c + " from the cache"))
                .collect(Collectors.toList());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.treekill.agent.it.Jdk#all")
    void coldThenWarmThenDamagedCacheAllKillTheTreeAndItsCookieDaemon(Jdk jdk, @TempDir Path cacheHome)
            throws Exception {
        Jdk installed = jdk.assumeInstalled();
        JvmRunner.Result cold = escape(installed, cacheHome, "log=debug");
        assertEquals(List.of(), fromCache(cold), () -> "an empty cache serves nothing\n" + cold);
        List<Path> files = cached(cacheHome);
        assertEquals(PATCHED.size(), files.size(), () -> "one file per patched class: " + files + "\n" + cold);

        JvmRunner.Result warm = escape(installed, cacheHome, "log=debug");
        assertEquals(PATCHED, fromCache(warm), () -> "every patch from the cache\n" + warm);
        assertEquals(files, cached(cacheHome), "a hit writes nothing");

        Path processImpl = files.stream().filter(f -> f.getFileName().toString().startsWith("java.lang.ProcessImpl-"))
                .findFirst().orElseThrow();
        byte[] good = Files.readAllBytes(processImpl);
        byte[] damaged = good.clone();
        damaged[damaged.length / 2] ^= 0x5a;
        Files.write(processImpl, damaged);
        JvmRunner.Result repaired = escape(installed, cacheHome, null);
        Checks.noAgentWarnings(repaired); // a damaged cache is a miss, not a problem
        assertTrue(Arrays.equals(good, Files.readAllBytes(processImpl)), "the damaged file is written again");
        assertEquals(3, tagged.survivors().size(), "only the three opted-out daemons may outlive their JVMs");
    }
}
