package dev.treekill.agent.it;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The exitKill guard where this JVM is a subreaper (run with {@code subreaper=true,exitKill=true}): the guard is
 * re-parented here, and still the application must not see it. Plain JDK only. Starts a process, waits for its
 * guard (found by its command line) to be this JVM's child, then prints
 * {@code listed child=<pid> guard=<pid> children=<pids> descendants=<pids> live_descendants=<n>} (the pids that
 * {@code ProcessHandle.current().children()} and {@code descendants()} give, comma-separated) and waits (bounded)
 * for the file {@code args[0]} (the test looks at /proc meanwhile). Then destroyForcibly() of the process and the
 * MBean's killDescendants, and prints {@code killed guard_alive=<b>}; then kills the guard itself and prints
 * {@code guard_gone reaped=<b>} (true once /proc has no entry of it: as our child only we can reap it), starts a
 * second process, whose guard is hidden too: {@code second guard=<pid> visible=<b>}; returns (the exit kill takes
 * what runs, the guard stands down).
 */
public final class HiddenGuardApp {
    private static final long LIMIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private HiddenGuardApp() {
    }

    public static void main(String[] args) throws Exception {
        AppMain.run(args, a -> watch(Paths.get(a[0])));
    }

    private static void watch(Path goOn) throws Exception {
        long self = ProcessHandle.current().pid();
        long end = System.nanoTime() + LIMIT_NANOS;
        Process child = new ProcessBuilder("/bin/sh", "-c", "exec sleep 1000").start();
        long guard = adoptedGuard(self, end);
        String children = pids(ProcessHandle.current().children());
        String descendants = pids(ProcessHandle.current().descendants());
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("dev.treekill:type=TreeKiller");
        while (!server.isRegistered(name) && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        int live = (Integer) server.getAttribute(name, "LiveDescendants");
        System.out.println("listed child=" + child.pid() + " guard=" + guard + " children=" + children
                + " descendants=" + descendants + " live_descendants=" + live);
        System.out.flush();
        while (!Files.exists(goOn) && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        child.destroyForcibly();
        server.invoke(name, "killDescendants", new Object[] {5000L}, new String[] {"long"});
        System.out.println("killed guard_alive=" + ProcessHandle.of(guard).map(ProcessHandle::isAlive).orElse(false));
        ProcessHandle.of(guard).ifPresent(ProcessHandle::destroyForcibly); // found by its command line naming us
        while (Files.exists(Paths.get("/proc/" + guard)) && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        System.out.println("guard_gone reaped=" + !Files.exists(Paths.get("/proc/" + guard)));
        new ProcessBuilder("/bin/sh", "-c", "exec sleep 1000").start();
        long second = adoptedGuard(self, end);
        boolean visible = ProcessHandle.current().children().anyMatch(p -> p.pid() == second)
                || ProcessHandle.current().descendants().anyMatch(p -> p.pid() == second);
        System.out.println("second guard=" + second + " visible=" + visible);
        System.out.flush();
    }

    /** The guard watching this JVM once its parent is this JVM (its launcher exited); fails past {@code end}. */
    private static long adoptedGuard(long self, long end) throws InterruptedException {
        while (System.nanoTime() < end) {
            long guard = AbruptDeathApp.guardOf(self);
            if (guard > 0 && ProcessHandle.of(guard).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L) == self) {
                return guard;
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("no guard re-parented to this JVM within 60 s");
    }

    private static String pids(Stream<ProcessHandle> handles) {
        return handles.map(h -> Long.toString(h.pid())).collect(Collectors.joining(","));
    }
}
