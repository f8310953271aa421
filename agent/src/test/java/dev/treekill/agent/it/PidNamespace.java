package dev.treekill.agent.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** A new PID namespace for a child JVM, where the JVM is PID 1 ({@code unshare}, as root). */
final class PidNamespace {
    /** The launcher for {@link JvmRunner#under}: the JVM becomes PID 1 of a new namespace with its own /proc. */
    static final String[] UNSHARE = {"unshare", "--pid", "--fork", "--mount-proc"};

    private PidNamespace() {
    }

    /**
     * Skips the test class unless {@code command} succeeds inside a new namespace (bounded: 30 s);
     * {@code needed} says what the tests need, for the skip message.
     */
    static void assumeWorks(String needed, String... command) throws InterruptedException {
        List<String> cmd = new ArrayList<>(Arrays.asList(UNSHARE));
        cmd.addAll(Arrays.asList(command));
        String why;
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            boolean done = p.waitFor(30, TimeUnit.SECONDS);
            why = done && p.exitValue() == 0 ? null : "exit " + (done ? p.exitValue() : "timeout") + ": " + out;
        } catch (IOException e) {
            why = e.getMessage();
        }
        String reason = why;
        Assumptions.assumeTrue(reason == null, () -> "skipped: " + needed + ": " + reason);
    }
}
