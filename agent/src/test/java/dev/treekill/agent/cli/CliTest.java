package dev.treekill.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.treekill.testing.TaggedProcesses;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the command line says before it reaches another JVM: refusals in one line, one prefix. */
@Timeout(60)
class CliTest {
    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void aBadAttachOptionIsRefusedWithOnePrefix() {
        assertEquals(Cli.USAGE, run("attach", "12345", "bogus=1"));
        String said = text(err);
        assertEquals("treekill: unknown option 'bogus'. Valid options: timeout=<duration>,",
                said.substring(0, "treekill: unknown option 'bogus'. Valid options: timeout=<duration>,".length()), said);
        assertEquals(1, said.lines().count(), said);
        assertEquals("", text(out));
    }

    @Test
    void statusOfAProcessThatIsNoJvmSaysSoAtOnce() throws Exception {
        Process shell = tagged.start(List.of("/bin/sh", "-c", "read line"));
        try {
            assertEquals(Cli.USAGE, run("status", Long.toString(shell.pid())));
            assertEquals("treekill: cannot attach: pid " + shell.pid() + " is not a Java process (no libjvm.so in /proc/"
                    + shell.pid() + "/maps)\n", text(err));
            assertEquals(Cli.USAGE, run("attach", Long.toString(shell.pid())));
        } finally {
            shell.destroyForcibly().waitFor();
        }
    }

    private int run(String... args) {
        err.reset();
        return new Cli(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
                .execute(args);
    }

    private static String text(ByteArrayOutputStream bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
