package dev.treekill.agent.guard;

import java.io.File;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;

/**
 * The command lines that start a guard: this JVM's own {@code java} (every JVM has one; {@code /bin/sh} is not
 * in every image) on the agent's own jar, sized to do nothing for hours and one kill at the end. The guard
 * must not be this JVM's child, so something in between starts it and exits at once: {@code /bin/sh} where
 * there is one (about a millisecond), else a second short-lived JVM.
 */
final class GuardCommand {
    static final String MAIN = "dev.treekill.agent.guard.GuardMain";
    static final String DETACH = "detach";
    static final String WATCH = "watch";
    private static final String SHELL = "/bin/sh";
    /**
     * fd 0 of a background job of a non-interactive shell is /dev/null: the pipe is kept on fd 3 and handed
     * back; the guard's stdout goes nowhere, its stderr is the shell's (see GuardLauncher); {@code $!} is its pid.
     */
    private static final String SHELL_DETACH = "exec 3<&0; \"$@\" <&3 3<&- >/dev/null & echo $!";

    /**
     * Small and quick: C1 only, the serial collector, a small heap and stacks, no perf-data file (it would show
     * in /tmp/hsperfdata_*, and jps would list the guard). Native access for JNA without a warning (JDK 17+).
     */
    private static final String[] JVM_OPTIONS = {"-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "-Xmx24m", "-Xss512k", "-XX:-UsePerfData"};

    private final String java;
    private final String classPath;
    private final int feature;

    GuardCommand(String javaHome, String classPath, int feature) {
        this.java = javaHome + File.separator + "bin" + File.separator + "java";
        this.classPath = classPath;
        this.feature = feature;
    }

    /** For this JVM: its java, the jar (or classes directory) this class came from. Null if that cannot be told. */
    static GuardCommand forThisJvm() {
        String cp = ownClassPath();
        return cp == null ? null : new GuardCommand(System.getProperty("java.home"), cp, Runtime.version().feature());
    }

    /** What starts the guard with {@code orders} and prints its pid: through a shell if there is one. */
    List<String> launch(GuardOrders orders, boolean useShell) {
        List<String> cmd = new ArrayList<>();
        if (useShell) {
            cmd.add(SHELL);
            cmd.add("-c");
            cmd.add(SHELL_DETACH);
            cmd.add("sh");
            cmd.addAll(jvm(WATCH, orders));
        } else {
            cmd.addAll(jvm(DETACH, orders));
        }
        return cmd;
    }

    static boolean shellAvailable() {
        return new File(SHELL).canExecute();
    }

    /** {@code java <options> -cp <agent> GuardMain <mode> <orders>}. */
    List<String> jvm(String mode, GuardOrders orders) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        for (String option : JVM_OPTIONS) {
            cmd.add(option);
        }
        if (feature >= 17) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(MAIN);
        cmd.add(mode);
        cmd.addAll(orders.toArgs());
        return cmd;
    }

    /**
     * The agent jar (or, in a build, the classes directory) this class was loaded from, read from its class
     * file's URL: for the boot class path the protection domain has no code source.
     */
    static String ownClassPath() {
        URL url = GuardCommand.class.getResource("GuardCommand.class");
        if (url == null) {
            return null;
        }
        String u = url.toString();
        String suffix = GuardCommand.class.getName().replace('.', '/') + ".class";
        try {
            if (u.startsWith("jar:file:") && u.contains("!/")) {
                return new File(new URL(u.substring("jar:".length(), u.indexOf("!/"))).toURI()).getPath();
            }
            if (u.startsWith("file:") && u.endsWith(suffix)) {
                return new File(new URL(u.substring(0, u.length() - suffix.length())).toURI()).getPath();
            }
        } catch (java.net.MalformedURLException | java.net.URISyntaxException | IllegalArgumentException e) {
            return null;
        }
        return null;
    }
}
