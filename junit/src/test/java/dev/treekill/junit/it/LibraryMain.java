package dev.treekill.junit.it;

import dev.treekill.TreeKill;
import dev.treekill.internal.Agent;
import dev.treekill.junit.scenarios.Spawn;
import dev.treekill.mbeans.KillReport;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A launcher that cannot add a JVM flag: installs treekill with the library call, kills a tree with it,
 * then lets a plain destroyForcibly() kill another one. Prints what it saw, one fact a line.
 */
public final class LibraryMain {
    private LibraryMain() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("ACTIVE_BEFORE " + TreeKill.isActive());
        TreeKill.install();
        TreeKill.install(); // idempotent
        System.out.println("ACTIVE_AFTER " + TreeKill.isActive());
        System.out.println("ORIGIN " + Agent.installed("").origin());

        Process server = new ProcessBuilder("/bin/sh", "-c", "sleep 300 & sleep 300 & wait").start();
        Spawn.awaitDescendants(server, 2);
        List<Long> tree = members(server);
        KillReport r = TreeKill.killTree(server.toHandle(), Duration.ofSeconds(30));
        System.out.println("KILLED signalled=" + r.getSignalled() + " exited=" + r.getExited() + " survivors="
                + r.getSurvivors().length + " timedOut=" + r.isTimedOut() + " trigger=" + r.getTrigger());
        System.out.println("LEFT " + tree.stream().filter(Spawn::isLive).count() + " of " + tree.size());

        try {
            TreeKill.killTree(ProcessHandle.of(1).orElseThrow(), Duration.ofSeconds(1));
            System.out.println("PID1 killed?!");
        } catch (IllegalArgumentException e) {
            System.out.println("PID1 refused: " + e.getMessage());
        }
        try {
            TreeKill.killTree(ProcessHandle.current(), Duration.ofSeconds(1));
            System.out.println("SELF killed?!");
        } catch (IllegalArgumentException e) {
            System.out.println("SELF refused: " + e.getMessage());
        }

        Process other = new ProcessBuilder("/bin/sh", "-c", "sleep 300 & sleep 300 & wait").start();
        Spawn.awaitDescendants(other, 2);
        List<Long> otherTree = members(other);
        other.destroyForcibly().waitFor();
        System.out.println("DESTROYED LEFT " + otherTree.stream().filter(Spawn::isLive).count() + " of " + otherTree.size());
    }

    private static List<Long> members(Process root) {
        List<Long> pids = root.descendants().map(ProcessHandle::pid).collect(Collectors.toList());
        pids.add(0, root.pid());
        return pids;
    }
}
