package dev.treekill.agent.it;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * What the application sees of its exitKill guard, run in a child JVM with {@code exitKill=true}. Plain JDK
 * only. Starts a process, waits for its guard, then: is the guard among its children or descendants; what the
 * MBean's LiveDescendants says; does the guard survive destroyForcibly() of the process and the MBean's
 * killDescendants; once the guard is killed, does the next process start bring a new one. Prints
 * {@code guard first=<pid> visible=<b> live_descendants=<n> alive_after_kills=<b> second=<pid>}, then returns
 * (the exit kill takes the second process).
 */
public final class GuardWatchApp {
    private GuardWatchApp() {
    }

    public static void main(String[] args) throws Exception {
        Process first = new ProcessBuilder("/bin/sh", "-c", "exec sleep 1000").start();
        long guard = AbruptDeathApp.awaitGuard();
        long self = ProcessHandle.current().pid();
        boolean visible = ProcessHandle.current().children().anyMatch(p -> p.pid() == guard)
                || ProcessHandle.current().descendants().anyMatch(p -> p.pid() == guard);
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("dev.treekill:type=TreeKiller");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!server.isRegistered(name) && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        int live = (Integer) server.getAttribute(name, "LiveDescendants");
        first.destroyForcibly();
        server.invoke(name, "killDescendants", new Object[] {5000L}, new String[] {"long"});
        boolean aliveAfterKills = ProcessHandle.of(guard).map(ProcessHandle::isAlive).orElse(false);
        ProcessHandle.of(guard).ifPresent(ProcessHandle::destroyForcibly); // found by its command line naming us
        while (AbruptDeathApp.guardOf(self) == guard && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        new ProcessBuilder("/bin/sh", "-c", "exec sleep 1000").start();
        long second = AbruptDeathApp.awaitGuard();
        System.out.println("guard first=" + guard + " visible=" + visible + " live_descendants=" + live
                + " alive_after_kills=" + aliveAfterKills + " second=" + second);
        System.out.flush();
    }
}
