package dev.treekill.agent.it;

import dev.treekill.testing.TreeShapes;
import java.util.concurrent.TimeUnit;

/**
 * An application with shutdown work, run in a child JVM. Plain JDK only. Starts a wide tree of 5, registers a
 * shutdown hook that runs a cleanup command ({@code sh -c 'sleep 0.3; echo cleaned > <marker>'}, standing in for
 * {@code docker compose down}) and waits for it, prints {@code ready pid=<this JVM>}; then returns from main
 * ({@code normal}) or waits (at most 60 s) for SIGTERM ({@code sigterm}). The hook prints
 * {@code cleanup exit=<code>} or {@code cleanup error=<exception>}; it also starts a process it leaves running
 * (a service the shutdown hands over to, say) and prints {@code spared pid=<pid>}.
 */
public final class ShutdownWorkApp {
    private ShutdownWorkApp() {
    }

    public static void main(String[] args) throws Exception {
        String marker = args[1];
        new ProcessBuilder("/bin/sh", "-c", TreeShapes.WIDE, "sh", "5").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Process cleanup = new ProcessBuilder("/bin/sh", "-c", "sleep 0.3; echo cleaned > \"$1\"", "sh", marker).start();
                System.out.println("cleanup exit=" + (cleanup.waitFor(30, TimeUnit.SECONDS) ? cleanup.exitValue() : "none"));
                Process handedOver = new ProcessBuilder("/bin/sh", "-c", "exec sleep 1000").start();
                System.out.println("spared pid=" + handedOver.pid());
            } catch (Exception e) {
                System.out.println("cleanup error=" + e);
            }
            System.out.flush();
        }));
        System.out.println("ready pid=" + ProcessHandle.current().pid());
        System.out.flush();
        if (args[0].equals("sigterm")) {
            Thread.sleep(60_000);
            System.out.println("error no SIGTERM came");
        }
    }
}
