package dev.treekill.agent.it;

import dev.treekill.testing.TreeShapes;
import java.util.concurrent.TimeUnit;

/**
 * An application SIGKILLed while its shutdown hook waits for a cleanup command, run in a child JVM with
 * {@code exitKill=true}: {@code KilledInShutdownApp <marker> <go>}. Plain JDK only. Starts a wide tree of 5, waits
 * (at most 30 s) for its exitKill guard, registers a shutdown hook, prints {@code ready pid=<this JVM> tree=<root>
 * guard=<guard>} and returns from main. The hook runs a cleanup command, standing in for {@code docker compose
 * down}: a shell that waits (at most 120 s, forking a {@code sleep} every 50 ms) until the file {@code <go>}
 * exists, then writes {@code cleaned} into {@code <marker>}; it prints {@code cleanup pid=<pid>} and waits for it:
 * the test SIGKILLs the JVM then, and lets the cleanup finish (creates {@code <go>}) once the guard is done.
 */
public final class KilledInShutdownApp {
    /** The cleanup: $1 the marker, $2 the file it waits for; 2400 rounds of 50 ms at most. */
    static final String CLEANUP = "i=0; while [ ! -e \"$2\" ] && [ $i -lt 2400 ]; do sleep 0.05; i=$((i+1)); done; "
            + "echo cleaned > \"$1\"";

    private KilledInShutdownApp() {
    }

    public static void main(String[] args) {
        AppMain.run(args, KilledInShutdownApp::run);
    }

    private static void run(String[] args) throws Exception {
        String marker = args[0];
        String go = args[1];
        Process tree = new ProcessBuilder("/bin/sh", "-c", TreeShapes.WIDE, "sh", "5")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long guard = AbruptDeathApp.awaitGuard();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Process cleanup = new ProcessBuilder("/bin/sh", "-c", CLEANUP, "sh", marker, go)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                System.out.println("cleanup pid=" + cleanup.pid());
                System.out.flush();
                cleanup.waitFor(150, TimeUnit.SECONDS);
                System.out.println("error the JVM was not killed during its shutdown");
            } catch (Exception e) {
                System.out.println("error cleanup " + e);
            }
            System.out.flush();
        }));
        System.out.println("ready pid=" + ProcessHandle.current().pid() + " tree=" + tree.pid() + " guard=" + guard);
    }
}
