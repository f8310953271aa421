package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TaggedProcesses;
import dev.treekill.testing.TrustedTempDirFactory;
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

/**
 * The patched JDK classes come from the per-user cache ({@code $XDG_CACHE_HOME/treekill/patched-classes}) from
 * the second JVM on. Each run here is a real JVM (boot classes verified, see JvmRunner.agent) in a fresh cache
 * directory: cold (patched with ASM, then cached), warm (from the cache), and with a damaged cache file; in
 * each the cookie (ProcessEnvironment's patch) and the tree kill (ProcessImpl's) must work. The other ITs share
 * one cache per build (failsafe points XDG_CACHE_HOME into target/), so they run cold first, then warm.
 */
@Timeout(180)
class PatchCacheIT {
    /** ProcessImpl, ProcessHandleImpl, ProcessEnvironment; not ManagementFactory, which EscapeApp never loads. */
    private static final int PATCHED = 3;

    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    /**
     * EscapeApp's daemon escapes its tree with the cookie: killed only if every patch works. The JVM's class
     * loading goes to {@code classLog}.
     */
    private JvmRunner.Result escape(Jdk jdk, Path cacheHome, Path classLog) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent(null).env("XDG_CACHE_HOME", cacheHome.toString())
                .jvmArg("-Xlog:class+load=info:file=" + classLog).main(EscapeApp.class, "escape", "alive").run();
        Map<String, String> line = Checks.ok(r).line("escape ");
        assertEquals("false", line.get("daemon_alive"), () -> "the cookie's daemon must die with its tree\n" + r);
        assertEquals("true", line.get("optout_alive"), () -> "a daemon that changed its cookie opted out\n" + r);
        assertEquals("137", line.get("exit"), r::toString);
        Checks.noAgentWarnings(r); // a cache problem is never a warning
        return r;
    }

    private static List<Path> cached(Path cacheHome) throws IOException {
        try (Stream<Path> files = Files.list(cacheHome.resolve("treekill").resolve("patched-classes"))) {
            return files.sorted().collect(Collectors.toList());
        }
    }

    /** Whether the JVM that wrote {@code classLog} loaded ASM, i.e. patched a class itself. */
    private static boolean loadedAsm(Path classLog) throws IOException {
        return Files.readString(classLog).contains("dev.treekill.agent.internal.asm.ClassReader ");
    }

    @OnEachJdk
    void coldThenWarmThenDamagedCacheAllKillTheTreeAndItsCookieDaemon(Jdk jdk, @TempDir(factory = TrustedTempDirFactory.class) Path cacheHome)
            throws Exception {
        // Each JVM logs its class loading to a file of its own, beside (not in) the agent's cache.
        Path cold = cacheHome.resolve("cold.log");
        escape(jdk, cacheHome, cold);
        assertTrue(loadedAsm(cold), "an empty cache: patched with ASM");
        List<Path> files = cached(cacheHome);
        assertEquals(PATCHED, files.size(), () -> "one file per patched class: " + files);

        Path warm = cacheHome.resolve("warm.log");
        escape(jdk, cacheHome, warm);
        assertFalse(loadedAsm(warm), "every patch from the cache: no class of ASM loaded");
        assertEquals(files, cached(cacheHome), "a hit writes nothing");

        Path processImpl = files.stream()
                .filter(f -> f.getFileName().toString().startsWith("java.lang.ProcessImpl-")).findFirst().orElseThrow();
        byte[] good = Files.readAllBytes(processImpl);
        byte[] damaged = good.clone();
        damaged[damaged.length / 2] ^= 0x5a;
        Files.write(processImpl, damaged);
        Path repaired = cacheHome.resolve("damaged.log");
        escape(jdk, cacheHome, repaired);
        assertTrue(loadedAsm(repaired), "a damaged file is a miss");
        assertTrue(Arrays.equals(good, Files.readAllBytes(processImpl)), "and is written again");
        assertEquals(3, tagged.survivors().size(), "only the three opted-out daemons may outlive their JVMs");
    }
}
