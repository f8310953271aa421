package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TaggedProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real third-party JMX client, jmxterm 1.0.4 (the uber jar, copied to target/it-tools by the build), scripted
 * the way operators script it: {@code java -jar jmxterm.jar -l <url> -n} with commands on stdin, against the
 * demo served with the agent. It must show the real parameter names, the attributes and their values, run
 * the operations, and report the MBean's refusals. jmxterm runs on the JDK under test (17 and 25).
 *
 * <p>{@code -v brief} rather than {@code silent}: the values go to stdout either way, and brief also puts
 * jmxterm's {@code #...} messages, among them a refused operation's reason, on stderr.
 */
@Timeout(180)
class JmxtermIT {
    private static final Duration JMXTERM_LIMIT = Duration.ofSeconds(60);
    private static final int FRESH_JVMS = 3;

    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    /**
     * The report: jmxterm by pid, first command {@code bean dev.treekill:type=TreeKiller}, failed on 3 of 3
     * fresh demos ("Please specify domain"). jmxterm starts the JVM's management agent itself and asks at once.
     */
    @OnEachJdk
    void jmxtermByPidFindsTheMBeanWithItsFirstCommand(Jdk jdk) throws Exception {
        Path jmxterm = jmxtermJarOrSkip();
        for (int i = 0; i < FRESH_JVMS; i++) {
            Served demo = Served.demo(jdk, tagged);
            try {
                JvmRunner.Result r = jmxterm(jdk, jmxterm, Long.toString(demo.pid),
                        "bean " + JmxClient.NAME, "get Scope TreesKilled");
                assertTrue(r.stderr.contains("#bean is set to " + JmxClient.NAME), r::toString);
                assertTrue(r.stdout.contains("Scope = descendants;"), r::toString);
                assertTrue(r.stdout.contains("TreesKilled = 0;"), r::toString);
            } finally {
                demo.app.kill();
            }
        }
    }

    @OnEachJdk
    void jmxtermShowsAndRunsTheMBean(Jdk jdk) throws Exception {
        Path jmxterm = jmxtermJarOrSkip();
        Served demo = Served.demo(jdk, tagged);
        try {
            String url;
            try (JmxClient client = JmxClient.connect(demo.pid)) { // the first look finds the MBean
                url = client.address;
            }

            JvmRunner.Result look = jmxterm(jdk, jmxterm, url,
                    "bean " + JmxClient.NAME,
                    "info",
                    "get Scope ReapTimeoutMillis",
                    "run describeTree " + demo.root,
                    "run killTree 1 1000",
                    "set Scope user",
                    "set ReapTimeoutMillis 0");
            String out = look.stdout;
            // Real parameter names and types, not p0/p1; jmxterm prints "killTree(long pid,long timeoutMillis)".
            for (String op : List.of("killTree\\(long pid, ?long timeoutMillis\\)", "killTree\\(long pid\\)",
                    "killDescendants\\(long timeoutMillis\\)", "describeTree\\(long pid\\)", "resetCounters\\(\\)")) {
                assertTrue(Pattern.compile(op).matcher(out).find(), () -> "info shows " + op + "\n" + look);
            }
            assertTrue(out.contains("Scope (java.lang.String, r)"), () -> "Scope is read-only\n" + look);
            assertTrue(out.contains("ReapTimeoutMillis (long, rw)"), look::toString);
            assertTrue(out.contains("LiveDescendants (int, r)"), look::toString);
            assertTrue(out.contains("dev.treekill.reap.timeout"), () -> "the notification type\n" + look);
            assertTrue(out.contains("Scope = descendants;"), look::toString);
            assertTrue(out.contains("ReapTimeoutMillis = 30000;"), look::toString);
            // describeTree: CompositeData rows, the root (a child of the demo JVM) and the server JVM among them.
            assertTrue(Pattern.compile("pid = " + demo.root + ";").matcher(out).find(), look::toString);
            assertTrue(out.contains("ppid = " + demo.pid + ";"), look::toString);
            assertTrue(out.contains("command = java;"), look::toString);
            // Refusals reach the client with their reason; nothing was killed or changed.
            assertTrue(look.stderr.contains("pid 1 is not a process treekill may signal (pid <= 1)"), look::toString);
            assertTrue(look.stderr.contains("Scope is not writable"), look::toString);
            assertTrue(look.stderr.contains("reapTimeoutMillis must be more than zero, was 0"), look::toString);
            assertTrue(TaggedProcesses.isLive(demo.root), "the refusals killed nothing");

            // The value of LiveDescendants; a worker restarting its `sleep 1` at that instant would show 7: ask again.
            JvmRunner.Result live = null;
            for (int attempt = 0; attempt < 5; attempt++) {
                live = jmxterm(jdk, jmxterm, url, "bean " + JmxClient.NAME, "get LiveDescendants");
                if (live.stdout.contains("LiveDescendants = " + demo.size + ";")) {
                    break;
                }
            }
            JvmRunner.Result shown = live;
            assertTrue(shown.stdout.contains("LiveDescendants = 8;"), shown::toString);

            JvmRunner.Result kill = jmxterm(jdk, jmxterm, url,
                    "bean " + JmxClient.NAME,
                    "run killTree " + demo.root + " 10000",
                    "get TreesKilled LiveDescendants");
            String killed = kill.stdout;
            assertTrue(killed.contains("rootPid = " + demo.root + ";"), kill::toString);
            assertTrue(Pattern.compile("survivors = \\[\\s*\\];").matcher(killed).find(), kill::toString);
            assertTrue(killed.contains("timedOut = false;"), kill::toString);
            assertTrue(killed.contains("trigger = jmx;"), kill::toString);
            Matcher signalled = Pattern.compile("signalled = (\\d+);").matcher(killed);
            assertTrue(signalled.find() && Integer.parseInt(signalled.group(1)) >= demo.size - 1, kill::toString);
            assertTrue(killed.contains("TreesKilled = 1;"), kill::toString);
            assertTrue(killed.contains("LiveDescendants = 0;"), kill::toString);
            assertEquals(List.of(demo.pid), tagged.survivors(), () -> "only the demo JVM is left\n" + kill);
        } finally {
            demo.app.kill();
        }
    }

    /**
     * {@code java -jar jmxterm.jar -l <url or pid> -n -v brief} with {@code commands} on stdin; it exits at end of
     * input. By pid, jmxterm 1.0.4 lists JVMs through JConsole's internal class: on JDK 9+ that package must be
     * exported to it, as its users do.
     */
    private JvmRunner.Result jmxterm(Jdk jdk, Path jar, String target, String... commands) throws Exception {
        JvmRunner.Running run = JvmRunner.on(jdk, tagged).jvmArg("--add-exports=jdk.jconsole/sun.tools.jconsole=ALL-UNNAMED")
                .jar(jar, "-l", target, "-n", "-v", "brief").start();
        try {
            for (String c : commands) {
                run.send(c);
            }
        } catch (java.io.IOException e) {
            // jmxterm exited early: finish() reports what it printed
        }
        JvmRunner.Result r = run.finish(JMXTERM_LIMIT);
        assertEquals(0, r.exitCode, () -> "jmxterm failed\n" + r);
        return r;
    }

    /** From the build (failsafe's treekill.jmxtermJar); skipped when run without it, e.g. from an IDE. */
    private static Path jmxtermJarOrSkip() {
        String p = System.getProperty("treekill.jmxtermJar");
        Assumptions.assumeTrue(p != null, "treekill.jmxtermJar is not set: run through `mvn verify`");
        Path jar = Paths.get(p);
        assertTrue(Files.isRegularFile(jar), () -> jar + " is missing: the build's it-tools copy did not run");
        return jar;
    }
}
