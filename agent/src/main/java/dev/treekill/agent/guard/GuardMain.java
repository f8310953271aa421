package dev.treekill.agent.guard;

import dev.treekill.agent.log.Log;
import java.io.IOException;

/**
 * The guard's entry point, {@code java -cp treekill-agent.jar dev.treekill.agent.guard.GuardMain <mode> <orders>}.
 * {@code watch}: be the guard (see {@link Guard}). {@code detach}: start the guard with the same orders,
 * print its pid and exit, so that the guard is not the JVM's child (used where there is no /bin/sh).
 * Exit status: 0 done, 2 bad arguments, 1 anything else.
 */
public final class GuardMain {
    private GuardMain() {
    }

    public static void main(String[] args) {
        GuardOrders orders;
        try {
            if (args.length < 1) {
                throw new IllegalArgumentException("no mode");
            }
            orders = GuardOrders.fromArgs(args, 1);
        } catch (RuntimeException e) {
            System.err.println("[treekill] guard: " + e.getMessage() + "; usage: GuardMain watch|detach <orders>");
            System.exit(2);
            return;
        }
        Log.setLevel(orders.logLevel);
        try {
            if (GuardCommand.DETACH.equals(args[0])) {
                detach(orders);
            } else if (GuardCommand.WATCH.equals(args[0])) {
                new Guard(orders).watch();
            } else {
                System.err.println("[treekill] guard: unknown mode " + args[0]);
                System.exit(2);
            }
        } catch (Throwable t) {
            Log.warn("guard failed", t);
            System.exit(1);
        }
        System.exit(0);
    }

    /** Starts the guard on this process's stdin (the pipe), prints its pid, and returns: this process then exits. */
    private static void detach(GuardOrders orders) throws IOException {
        String cp = GuardCommand.ownClassPath();
        GuardCommand command = new GuardCommand(System.getProperty("java.home"), cp, Runtime.version().feature());
        Process guard = new ProcessBuilder(command.jvm(GuardCommand.WATCH, orders))
                .redirectInput(ProcessBuilder.Redirect.INHERIT)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        System.out.println(guard.pid());
        System.out.flush();
    }
}
