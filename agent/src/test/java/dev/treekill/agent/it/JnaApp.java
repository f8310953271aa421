package dev.treekill.agent.it;

import com.sun.jna.Function;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * An application with its own JNA (whatever version the test puts on its class path) that starts and kills
 * a process and loads a native library that the linker knows only through its cache: {@code libtkprobe.so.1}
 * in a directory listed in /etc/ld.so.conf.d (see ApplicationJnaIT). Run with and without the agent, it
 * must print the same.
 *
 * <p>Argument: {@code before|after}: its JNA initialises before or after its first process start. Run with
 * {@code -javaagent}, after the process it waits (bounded) until the agent's copy of JNA's native library is
 * mapped into this JVM too, so that "after" really is after the agent's JNA.
 *
 * <p>Output: {@code jna source=<its JNA's jar>}, {@code probe answer=<tkprobe_answer()> file=<library
 * file>} or {@code probe error=<class>}, {@code agent_jna=<true|false>}, {@code jnidispatch_kept=<true|false>}
 * (the jnidispatch.path its JNA recorded is still the value at the end), then {@code prop <key>\t<value>} for
 * every system property at the end, line breaks in values escaped.
 */
public final class JnaApp {
    private static final long AGENT_JNA_LIMIT_MILLIS = 20_000;
    /**
     * Where JNA unpacks its native library: File.createTempFile("jna", null) in its cache directory; or the
     * agent's per-user copy (treekill/jnidispatch-CRC-SIZE/libjnidispatch.so in the user's cache directory).
     */
    private static final Pattern DISPATCH_COPY = Pattern.compile(
            "(/jna[0-9]+\\.tmp|/treekill/jnidispatch-[0-9a-f]+-[0-9]+/libjnidispatch\\.so)( \\(deleted\\))?$");

    private JnaApp() {
    }

    public static void main(String[] args) throws Exception {
        boolean jnaFirst = args[0].equals("before");
        // From the command line, not an argument: the runs with and without the agent must have the same sun.java.command.
        boolean agent = new String(Files.readAllBytes(Paths.get("/proc/self/cmdline")), StandardCharsets.UTF_8)
                .contains("-javaagent:");
        String ownDispatch = null;
        if (jnaFirst) {
            ownDispatch = probe();
        }
        Process p = new ProcessBuilder("sleep", "1000").start();
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
        boolean agentJna = agent && awaitDispatchCopies(jnaFirst ? 2 : 1);
        System.out.println("agent_jna=" + agentJna);
        if (!jnaFirst) {
            ownDispatch = probe();
        }
        System.out.println("jnidispatch_kept=" + (ownDispatch != null && ownDispatch.equals(System.getProperty("jnidispatch.path"))));
        Map<String, String> props = new TreeMap<>();
        for (String key : System.getProperties().stringPropertyNames()) {
            props.put(key, System.getProperty(key));
        }
        for (Map.Entry<String, String> e : props.entrySet()) {
            System.out.println("prop " + e.getKey() + "\t" + e.getValue().replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r"));
        }
    }

    /** Loads libtkprobe through this application's JNA; returns the jnidispatch.path its JNA recorded. */
    private static String probe() {
        // Not Native.VERSION: a compile-time constant, it would name the JNA this class was compiled against.
        System.out.println("jna source=" + Native.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        try {
            NativeLibrary lib = NativeLibrary.getInstance("tkprobe");
            Function answer = lib.getFunction("tkprobe_answer");
            System.out.println("probe answer=" + answer.invokeInt(new Object[0]) + " file=" + lib.getFile());
        } catch (UnsatisfiedLinkError e) {
            System.out.println("probe error=" + e.getClass().getName());
            System.err.println(e);
        }
        return System.getProperty("jnidispatch.path"); // JNA initialised its Native class by now
    }

    /** Waits until {@code copies} distinct JNA native library files are mapped into this process. */
    private static boolean awaitDispatchCopies(int copies) throws IOException, InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(AGENT_JNA_LIMIT_MILLIS);
        while (System.nanoTime() < end) {
            long mapped = Files.readAllLines(Paths.get("/proc/self/maps"), StandardCharsets.UTF_8).stream()
                    .filter(l -> DISPATCH_COPY.matcher(l).find()).map(l -> l.substring(l.indexOf('/'))).distinct().count();
            if (mapped >= copies) {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }
}
