package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.tools.attach.VirtualMachine;
import dev.treekill.testing.TaggedProcesses;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The first request of a scripted JMX client finds the MBean, whoever created the platform MBeanServer: the
 * Attach API's local management agent, {@code -Dcom.sun.management.jmxremote.port}, the application itself,
 * another agent's premain, Jolokia, before or after a dynamic attach. Every look is one request made the moment it can be made: no sleep
 * before it, no retry (see also JmxtermIT for jmxterm by pid).
 */
@Timeout(240)
class FirstLookIT {
    /** The report: 1 first look in 5 found the MBean. Each JVM here is fresh. */
    private static final int FRESH_JVMS = 3;
    private static final int HTTP_LIMIT_MILLIS = 30_000;

    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @OnEachJdk
    void aClientThatAttachesToTheServedDemoFindsTheMBeanAtItsFirstLook(Jdk jdk) throws Exception {
        for (int i = 0; i < FRESH_JVMS; i++) {
            Served demo = Served.demo(jdk, tagged);
            try (JmxClient jmx = JmxClient.connect(demo.pid)) { // connect() looks once and fails if it is missing
                assertEquals("descendants", jmx.get("Scope"), "JVM " + (i + 1) + " of " + FRESH_JVMS);
            } finally {
                demo.app.kill();
            }
        }
    }

    @OnEachJdk
    void remoteJmxStartedWithTheJvmShowsTheMBeanAtTheFirstLook(Jdk jdk) throws Exception {
        int port = freePort();
        JvmRunner.Running app = JvmRunner.on(jdk, tagged).agent(null)
                .jvmArg("-Dcom.sun.management.jmxremote.port=" + port)
                .jvmArg("-Dcom.sun.management.jmxremote.host=127.0.0.1")
                .jvmArg("-Djava.rmi.server.hostname=127.0.0.1")
                .jvmArg("-Dcom.sun.management.jmxremote.authenticate=false")
                .jvmArg("-Dcom.sun.management.jmxremote.ssl=false")
                .main(PlatformServerApp.class, "nothing", "wait").start();
        try {
            // The JDK starts the connector before main() runs: "ready" means the port listens.
            app.awaitLine(l -> l.startsWith("ready "), Served.READY_LIMIT);
            JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi");
            try (JMXConnector connector = JMXConnectorFactory.connect(url)) {
                MBeanServerConnection server = connector.getMBeanServerConnection();
                assertTrue(server.isRegistered(JmxClient.NAME), () -> "first look over RMI at " + url + "\n" + app.describe());
                assertEquals("descendants", server.getAttribute(JmxClient.NAME, "Scope"));
                assertTrue(server.isRegistered(new ObjectName("java.lang:type=Runtime")), "the platform server");
            }
            JvmRunner.Result r = app.finish(JvmRunner.DEFAULT_LIMIT);
            Checks.ok(r);
            Checks.noAgentWarnings(r);
        } finally {
            app.kill();
        }
    }

    /** With the agent, every caller's first look finds the MBean; without, none does (the test can fail). */
    @ParameterizedTest(name = "{0} agent={1}")
    @MethodSource("jdksWithAndWithoutAgent")
    @ExtendWith(InstalledJdkOnly.class)
    void anApplicationThatCreatesThePlatformServerSeesTheMBeanInItsFirstLook(Jdk jdk, boolean agent) throws Exception {
        JvmRunner runner = JvmRunner.on(jdk, tagged);
        if (agent) {
            runner.agent(null);
        }
        JvmRunner.Result r = Checks.ok(runner.main(PlatformServerApp.class, "create").run());
        Map<String, String> looks = r.line("looks ");
        assertEquals(Integer.toString(PlatformServerApp.CALLERS), looks.get("of"), r::toString);
        assertEquals(agent ? looks.get("of") : "0", looks.get("found"),
                () -> "callers racing to create the platform server, each looking once\n" + r);
        assertEquals(agent ? JmxClient.NAME.toString() : "", r.line("names=").get("names"), r::toString);
        Checks.noAgentWarnings(r);
    }

    /**
     * Dynamic attach to a JVM whose platform server exists already (the application created it), whose
     * ManagementFactory is loaded without a server, or that has neither: the client's first look after the
     * attach finds the MBean.
     */
    @ParameterizedTest(name = "{0} application did {1} first")
    @MethodSource("jdksAndFirstUses")
    @ExtendWith(InstalledJdkOnly.class)
    void anAttachedAgentsMBeanIsThereAtTheFirstLook(Jdk jdk, String firstUse) throws Exception {
        JvmRunner runner = JvmRunner.on(jdk, tagged);
        if (jdk.feature() >= 21) {
            runner.jvmArg("-XX:+EnableDynamicAgentLoading");
        }
        JvmRunner.Running app = runner.main(PlatformServerApp.class, firstUse, "wait").start();
        try {
            String ready = app.awaitLine(l -> l.startsWith("ready "), Served.READY_LIMIT);
            long pid = Long.parseLong(JvmRunner.Result.fields(ready).get("pid"));
            VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
            try {
                vm.loadAgent(JvmRunner.agentJar().toString());
            } finally {
                vm.detach();
            }
            try (JmxClient jmx = JmxClient.connect(pid)) {
                assertEquals(true, jmx.get("Enabled"));
            }
            JvmRunner.Result r = app.finish(JvmRunner.DEFAULT_LIMIT);
            Checks.ok(r);
            Checks.noAgentWarnings(r);
        } finally {
            app.kill();
        }
    }

    /** Another agent, listed first, created the platform server before treekill's premain ran. */
    @OnEachJdk
    void aServerCreatedBeforeOurPremainHasTheMBeanWhenMainStarts(Jdk jdk, @TempDir Path dir) throws Exception {
        Path firstAgent = dir.resolve("server-first-agent.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Premain-Class", ServerFirstAgent.class.getName()); // found on -cp
        new JarOutputStream(Files.newOutputStream(firstAgent), manifest).close();
        JvmRunner.Result r = Checks.ok(JvmRunner.on(jdk, tagged).jvmArg("-javaagent:" + firstAgent)
                .agent(null).main(PlatformServerApp.class, "create").run());
        assertTrue(r.stdout.contains("first agent created DefaultDomain"), r::toString);
        assertEquals(Integer.toString(PlatformServerApp.CALLERS), r.line("looks ").get("found"), r::toString);
        Checks.noAgentWarnings(r);
    }

    /**
     * Jolokia's JVM agent attached to a running JVM with treekill: its first HTTP read of the MBean succeeds. The
     * issue's report: InstanceNotFoundException in 3 of 3. Jolokia's launcher exits 1 on JDK 17 and 25 even
     * when its agent started (with or without treekill): its own "started" line in the target's output counts.
     */
    @OnEachJdk
    void jolokiasFirstReadFindsTheMBean(Jdk jdk) throws Exception {
        Path jolokia = JvmRunner.itTool("jolokia-agent.jar");
        JvmRunner runner = JvmRunner.on(jdk, tagged).agent(null);
        if (jdk.feature() >= 21) {
            runner.jvmArg("-XX:+EnableDynamicAgentLoading");
        }
        JvmRunner.Running app = runner.main(PlatformServerApp.class, "nothing", "wait").start();
        try {
            long pid = Long.parseLong(JvmRunner.Result.fields(app.awaitLine(l -> l.startsWith("ready "), Served.READY_LIMIT)).get("pid"));
            int port = freePort();
            JvmRunner.Result launcher = JvmRunner.on(jdk, tagged)
                    .jar(jolokia, "--host", "127.0.0.1", "--port", Integer.toString(port), "start", Long.toString(pid)).run();
            String started = app.awaitLine(l -> l.startsWith("Jolokia: Agent started with URL "), Served.READY_LIMIT);
            String url = started.substring(started.indexOf("http://")).trim();
            HttpURLConnection read = (HttpURLConnection) new URL(url + "read/" + JmxClient.NAME + "/TreesKilled").openConnection();
            read.setConnectTimeout(HTTP_LIMIT_MILLIS);
            read.setReadTimeout(HTTP_LIMIT_MILLIS);
            String body = new String(read.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(body.contains("\"status\":200") && body.contains("\"value\":0"),
                    () -> "Jolokia's first read: " + body + "\nlauncher:\n" + launcher + "\n" + app.describe());
        } finally {
            app.kill();
        }
    }

    static Stream<Arguments> jdksWithAndWithoutAgent() {
        return Jdk.all().flatMap(jdk -> Stream.of(Arguments.of(jdk, true), Arguments.of(jdk, false)));
    }

    static Stream<Arguments> jdksAndFirstUses() {
        return Jdk.all().flatMap(jdk -> Stream.of("create", "factory", "nothing").map(use -> Arguments.of(jdk, use)));
    }

    /** A port nobody listens on now (another process may take it before the JVM does: then the test fails loudly). */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
