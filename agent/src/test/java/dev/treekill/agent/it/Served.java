package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.treekill.testing.TaggedProcesses;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A long-running JVM that a test talks to from outside (JMX, the CLI, jmxterm): the demo in {@code --serve}
 * mode or a {@link ManyTreesApp}, with its JVM pid, its trees' roots, and the first tree's root and size.
 */
final class Served {
    static final Duration READY_LIMIT = Duration.ofSeconds(60);

    final JvmRunner.Running app;
    final long pid;
    final long root;
    final int size;
    final List<Long> roots;

    private Served(JvmRunner.Running app, long pid, List<Long> roots, int size) {
        this.app = app;
        this.pid = pid;
        this.root = roots.get(0);
        this.size = size;
        this.roots = roots;
    }

    /**
     * {@code java -javaagent:treekill-agent.jar -jar treekill-demo.jar --serve}, once it printed its serving
     * line (the tree is complete then); skipped when the demo jar was not built.
     */
    static Served demo(Jdk jdk, TaggedProcesses tagged) throws Exception {
        Path demoJar = JvmRunner.demoJarOrSkip();
        JvmRunner.Running app = JvmRunner.on(jdk, tagged).agent(null).jar(demoJar, "--serve").start();
        try {
            Map<String, String> line = JvmRunner.Result.fields(
                    app.awaitLine(l -> l.startsWith("treekill-demo: serving "), READY_LIMIT));
            long pid = Long.parseLong(line.get("pid"));
            assertEquals(app.pid(), pid, "the demo runs in the JVM we started");
            return new Served(app, pid, List.of(Long.parseLong(line.get("tree_root"))), Integer.parseInt(line.get("tree")));
        } catch (RuntimeException | Error e) {
            app.kill();
            throw e;
        }
    }

    /** {@link ManyTreesApp} with these tree specs (e.g. {@code pair:3}), run by {@code runner}, once it is ready. */
    static Served trees(JvmRunner runner, String... specs) throws Exception {
        JvmRunner.Running app = runner.main(ManyTreesApp.class, specs).start();
        try {
            List<Long> roots = new ArrayList<>();
            int firstSize = 0;
            String line;
            while (!(line = app.awaitLine(l -> l.startsWith("root=") || l.startsWith("ready "), READY_LIMIT)).startsWith("ready ")) {
                Map<String, String> tree = JvmRunner.Result.fields(line);
                roots.add(Long.parseLong(tree.get("root")));
                firstSize = firstSize == 0 ? Integer.parseInt(tree.get("size")) : firstSize;
            }
            long pid = Long.parseLong(JvmRunner.Result.fields(line).get("pid"));
            assertEquals(app.pid(), pid, "the app runs in the JVM we started");
            return new Served(app, pid, roots, firstSize);
        } catch (RuntimeException | Error e) {
            app.kill();
            throw e;
        }
    }

    /** The root pid of the next {@code root=<pid> size=<n>} line of {@link ManyTreesApp}. */
    static long nextRoot(JvmRunner.Running app) throws InterruptedException {
        return Long.parseLong(JvmRunner.Result.fields(app.awaitLine(l -> l.startsWith("root="), READY_LIMIT)).get("root"));
    }
}
