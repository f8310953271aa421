package dev.treekill.agent.it;

import com.sun.jna.Function;
import dev.treekill.testing.TreeShapes;

/**
 * The application of the start-up window test, run in a child JVM with the application's own JNA: its first
 * process start is a wide tree of 20 ({@code sh} forking sleeps), and the moment that start returns, with no
 * pause, it prints {@code root pid=<pid>} and SIGKILLs itself (kill(2) on its own pid, resolved before the start
 * so that nothing stands between the two). Whatever guards the JVM must already hold its pipe by then.
 */
public final class SigkillAtOnceApp {
    private static final int SIGKILL = 9;

    private SigkillAtOnceApp() {
    }

    public static void main(String[] args) {
        Function kill = Function.getFunction("c", "kill");
        Object[] self = {(int) ProcessHandle.current().pid(), SIGKILL};
        Process root;
        try {
            root = new ProcessBuilder("/bin/sh", "-c", TreeShapes.WIDE, "sh", "20")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        System.out.println("root pid=" + root.pid());
        kill.invokeInt(self);
        System.out.println("error still alive after SIGKILL");
    }
}
