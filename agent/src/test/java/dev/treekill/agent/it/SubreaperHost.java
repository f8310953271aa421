package dev.treekill.agent.it;

import com.sun.jna.Function;
import java.io.File;
import java.io.InputStream;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * A test-side child subreaper: {@code SubreaperHost <command...>} makes itself a subreaper
 * (prctl(PR_SET_CHILD_SUBREAPER) through JNA), runs the command with its own stdout and stderr, and stays
 * until its stdin ends. Whatever the command leaves behind (double-forked daemons, a guard, processes that
 * cleared their environment) is re-parented to it, so a test counts survivors as the host's live descendants,
 * from outside the JVM under test. Prints {@code host child=<pid>}, and {@code host child_exit=<code>} when the
 * command ends. It reaps nothing it adopted: those stay zombies (holding nothing) until it exits.
 */
public final class SubreaperHost {
    private static final int PR_SET_CHILD_SUBREAPER = 36;

    private SubreaperHost() {
    }

    /** {@code java -cp <test classes>:<jna> SubreaperHost} on {@code jdk}: runs the JVM under test as its child. */
    static String[] command(Jdk jdk) throws Exception {
        String jna = Paths.get(Function.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        List<String> cmd = new ArrayList<>(List.of(jdk.java().toString()));
        if (jdk.feature() >= 22) {
            cmd.add("--enable-native-access=ALL-UNNAMED"); // no JNA warning on the stderr the test reads
        }
        cmd.addAll(List.of("-cp", JvmRunner.testClasses() + File.pathSeparator + jna, SubreaperHost.class.getName()));
        return cmd.toArray(new String[0]);
    }

    public static void main(String[] args) throws Exception {
        int rc = Function.getFunction("c", "prctl").invokeInt(new Object[] {PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L});
        if (rc != 0) {
            throw new IllegalStateException("prctl(PR_SET_CHILD_SUBREAPER) failed");
        }
        Process child = new ProcessBuilder(args).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        System.out.println("host child=" + child.pid());
        System.out.flush();
        System.out.println("host child_exit=" + child.waitFor());
        System.out.flush();
        InputStream in = System.in;
        while (in.read() >= 0) {
            // until the test lets go
        }
    }
}
