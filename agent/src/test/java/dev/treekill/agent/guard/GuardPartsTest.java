package dev.treekill.agent.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.log.Log;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The guard's orders on its command line, the commands that start it, and how it reads its pipe. */
class GuardPartsTest {
    private final GuardOrders orders = new GuardOrders(4242, 123456, "tk1092-abc-", Log.Level.INFO, 30_000, 10_000);

    @Test
    void ordersSurviveTheCommandLine() {
        List<String> args = orders.toArgs();
        String[] line = new String[args.size() + 1];
        line[0] = GuardCommand.WATCH;
        for (int i = 0; i < args.size(); i++) {
            line[i + 1] = args.get(i);
        }
        GuardOrders back = GuardOrders.fromArgs(line, 1);
        assertEquals(4242, back.jvmPid);
        assertEquals(123456, back.jvmStartTicks);
        assertEquals("tk1092-abc-", back.cookieFamily);
        assertEquals(Log.Level.INFO, back.logLevel);
        assertEquals(30_000, back.timeoutMillis);
        assertEquals(10_000, back.warnMillis);
    }

    @Test
    void malformedOrdersAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> GuardOrders.fromArgs(new String[] {"watch", "1"}, 1));
        assertThrows(IllegalArgumentException.class, // pid 1 is never guarded
                () -> GuardOrders.fromArgs(new String[] {"watch", "1", "5", "tk-", "WARN", "100", "50"}, 1));
        assertThrows(IllegalArgumentException.class, // an empty family would match every cookie
                () -> GuardOrders.fromArgs(new String[] {"watch", "77", "5", "", "WARN", "100", "50"}, 1));
        assertThrows(IllegalArgumentException.class,
                () -> GuardOrders.fromArgs(new String[] {"watch", "77", "5", "tk-", "LOUD", "100", "50"}, 1));
    }

    @Test
    void theGuardRunsOnThisJvmsJavaWithSmallOptionsAndIsStartedThroughAShellOrASecondJvm() {
        GuardCommand command = new GuardCommand("/opt/jdk", "/x/treekill-agent.jar", 25);
        List<String> viaShell = command.launch(orders, true);
        assertEquals(List.of("/bin/sh", "-c"), viaShell.subList(0, 2));
        assertEquals("/opt/jdk/bin/java", viaShell.get(4));
        assertTrue(viaShell.containsAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData",
                "--enable-native-access=ALL-UNNAMED", "-cp", "/x/treekill-agent.jar", GuardCommand.MAIN, "watch")), viaShell::toString);
        List<String> viaJvm = command.launch(orders, false);
        assertEquals("/opt/jdk/bin/java", viaJvm.get(0));
        assertEquals("detach", viaJvm.get(viaJvm.indexOf(GuardCommand.MAIN) + 1));
        assertEquals(orders.toArgs(), viaJvm.subList(viaJvm.size() - 6, viaJvm.size()));
        assertFalse(new GuardCommand("/opt/jdk11", "a.jar", 11).jvm("watch", orders).contains("--enable-native-access=ALL-UNNAMED"),
                "JDK 11 does not know the option");
    }

    @Test
    void theGuardFindsTheAgentItCameFrom() {
        String cp = GuardCommand.ownClassPath();
        assertTrue(cp != null && new File(cp).exists(), () -> "not found: " + cp);
        assertTrue(new File(cp, GuardCommand.MAIN.replace('.', '/') + ".class").exists() || cp.endsWith(".jar"), cp);
    }

    @Test
    void endOfPipeMeansDeathAndStandDownMeansExit() throws Exception {
        assertTrue(Guard.awaitEndOfPipe(new ByteArrayInputStream(new byte[0])));
        assertTrue(Guard.awaitEndOfPipe(new ByteArrayInputStream("noise\n".getBytes(StandardCharsets.ISO_8859_1))));
        assertFalse(Guard.awaitEndOfPipe(new ByteArrayInputStream("done\n".getBytes(StandardCharsets.ISO_8859_1))));
    }
}
