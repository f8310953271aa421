package dev.treekill.agent.it;

import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * A JVM that exits while its exitKill guard is starting, run in a child JVM with {@code exitKill=true}. Plain JDK
 * only. Starts {@code sleep 300} (the first start, which starts a guard and loads the agent's native access),
 * waits (at most 30 s) for the guard and prints its stderr; then by mode:
 * <ul>
 * <li>{@code guard-stderr}: prints {@code stderr self=<what its fd 2 names> guard=<what the guard's names>} and
 * returns;</li>
 * <li>{@code stderr} and {@code shutdown-work <marker>}: kills the guard (its command line names this JVM), and
 * once it is gone starts {@code sleep 300} again, which starts a new guard, and returns at once, while that
 * guard is still starting. Before, {@code stderr} prints {@code stderr self=<its fd 2>}, and
 * {@code shutdown-work} registers a shutdown hook that hands a detached cleanup over to outlive the JVM
 * ({@code setsid sh -c 'sleep 2; echo cleaned > <marker>'}, not waited for).</li>
 * </ul>
 */
public final class QuickExitApp {
    private QuickExitApp() {
    }

    public static void main(String[] args) throws Exception {
        new ProcessBuilder("sleep", "300").start();
        long guard = AbruptDeathApp.awaitGuard();
        String stderr = stderrOf("self");
        switch (args[0]) {
            case "guard-stderr":
                System.out.println("stderr self=" + stderr + " guard=" + stderrOf(Long.toString(guard)));
                return;
            case "stderr":
                System.out.println("stderr self=" + stderr);
                break;
            case "shutdown-work":
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        new ProcessBuilder("setsid", "sh", "-c", "sleep 2; echo cleaned > \"$1\"", "sh", args[1])
                                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                    } catch (Exception e) {
                        System.out.println("cleanup error=" + e);
                    }
                }));
                break;
            default:
                throw new IllegalArgumentException("usage: QuickExitApp guard-stderr | stderr | shutdown-work <marker>");
        }
        System.out.flush();
        long jvm = ProcessHandle.current().pid();
        ProcessHandle.of(guard).ifPresent(ProcessHandle::destroyForcibly); // found by its command line naming us
        long end = System.nanoTime() + 30_000_000_000L;
        while (AbruptDeathApp.guardOf(jvm) == guard && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        new ProcessBuilder("sleep", "300").start(); // a new guard starts, off this thread
    }

    private static String stderrOf(String pid) throws Exception {
        return Files.readSymbolicLink(Paths.get("/proc", pid, "fd", "2")).toString();
    }
}
