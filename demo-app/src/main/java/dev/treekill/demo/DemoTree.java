package dev.treekill.demo;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The process tree the demo starts: {@code sh} wrapper -> {@link DemoServer} JVM -> workers x ({@code sh} -> {@code sleep}).
 */
final class DemoTree {
    private static final long READY_TIMEOUT_SECONDS = 30;
    private static final long EXIT_TIMEOUT_SECONDS = 10;
    private static final long POLL_MILLIS = 20;
    /** Rounds of the marker sweep: each one catches what a dying worker forked during the one before. */
    private static final int SWEEP_ROUNDS = 10;
    /**
     * An environment variable every process of one tree inherits, so that a process whose parent died before
     * it could be listed (a worker's next {@code sleep}, forked between the listing and the kill) is still found.
     */
    static final String MARKER_VARIABLE = "DEMO_TREE_ID";
    /** The server only sleeps and answers a line: start it the quick and small way. */
    private static final List<String> SERVER_JVM_FLAGS = List.of(
            "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss256k", "-Xmx32m");

    private final Process root;
    private final int port;
    private final int workers;
    private final String marker;

    private DemoTree(Process root, int port, int workers, String marker) {
        this.root = root;
        this.port = port;
        this.workers = workers;
        this.marker = marker;
    }

    static DemoTree start(int workers) throws IOException {
        int port = Ports.pickFree();
        String marker = ProcessHandle.current().pid() + "-" + System.nanoTime();
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", wrapperScript(port, workers))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().put(MARKER_VARIABLE, marker);
        return new DemoTree(builder.start(), port, workers, marker);
    }

    static String wrapperScript(int port, int workers) {
        List<String> words = new ArrayList<>();
        words.add(shellQuote(javaBinary()));
        words.addAll(SERVER_JVM_FLAGS);
        words.add("-cp");
        words.add(shellQuote(ownClassPath()));
        words.add(DemoServer.class.getName());
        words.add(Integer.toString(port));
        words.add(Integer.toString(workers));
        // With a single command dash would exec the JVM in place of the shell; the trailing command keeps the wrapper.
        return String.join(" ", words) + "; echo server exited";
    }

    Process root() {
        return root;
    }

    int port() {
        return port;
    }

    /**
     * Waits until the server answers on its port and every worker runs, then returns the tree's members,
     * parents before children. On failure the tree is destroyed and an IOException explains what was missing.
     */
    List<ProcessHandle> awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_TIMEOUT_SECONDS);
        boolean listening = false;
        List<ProcessHandle> members = members(root.toHandle());
        while (root.isAlive() && System.nanoTime() < deadline) {
            listening = listening || Ports.answers(port);
            members = members(root.toHandle());
            if (listening && members.size() >= expectedSize()) {
                return members;
            }
            Thread.sleep(POLL_MILLIS);
        }
        String why = root.isAlive() ? "not ready after " + READY_TIMEOUT_SECONDS + " s" : "wrapper exited early";
        destroy();
        throw new IOException(String.format("demo tree %s: port %d answering=%b, %d of %d processes",
                why, port, listening, members.size(), expectedSize()));
    }

    /** Root, server, and per worker a shell and its current sleep. */
    private int expectedSize() {
        return 2 + 2 * workers;
    }

    /** Takes the whole tree down without leaking, whether or not destroyForcibly() reaches beyond the root. */
    void destroy() {
        // Walk first: once the root is dead its descendants are re-parented and can no longer be found.
        List<ProcessHandle> members = members(root.toHandle());
        root.destroyForcibly();
        try {
            root.waitFor(EXIT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        killLeftovers(members);
    }

    /** The process and its descendants, parents before children. */
    static List<ProcessHandle> members(ProcessHandle root) {
        List<ProcessHandle> members = new ArrayList<>();
        members.add(root);
        for (int i = 0; i < members.size(); i++) {
            members.get(i).children().forEach(members::add);
        }
        return members;
    }

    /**
     * Kills every member that still runs, plus what it started since the members were listed, and waits
     * until they are gone. Returns how many processes it killed.
     */
    int killLeftovers(List<ProcessHandle> members) {
        Set<ProcessHandle> killed = new LinkedHashSet<>();
        members.forEach(member -> killWithDescendants(member, killed));
        // A worker killed in one round may have forked once more just before it died: sweep until none is found.
        for (int round = 0; round < SWEEP_ROUNDS; round++) {
            if (!killMarked(killed)) {
                break;
            }
        }
        awaitGone(killed);
        return killed.size();
    }

    /** Kills the running processes whose environment carries this tree's marker; true if it found any. */
    private boolean killMarked(Set<ProcessHandle> killed) {
        List<ProcessHandle> marked = ProcessHandle.allProcesses()
                .filter(p -> !killed.contains(p) && ProcStates.isRunning(p) && ProcStates.hasVariable(p, MARKER_VARIABLE, marker))
                .collect(Collectors.toList());
        marked.forEach(p -> killWithDescendants(p, killed));
        return !marked.isEmpty();
    }

    /**
     * Parents first, each one's children listed just before it dies: a worker shell whose sleep died first
     * would simply start the next sleep, and a dead parent's children can no longer be found.
     */
    private static void killWithDescendants(ProcessHandle process, Set<ProcessHandle> killed) {
        if (killed.contains(process) || !ProcStates.isRunning(process)) {
            return;
        }
        List<ProcessHandle> children = process.children().collect(Collectors.toList());
        process.destroyForcibly();
        killed.add(process);
        children.forEach(child -> killWithDescendants(child, killed));
    }

    /** SIGKILL is asynchronous; the ports and files are only released once the kernel has finished the exit. */
    private static void awaitGone(Set<ProcessHandle> processes) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(EXIT_TIMEOUT_SECONDS);
        while (processes.stream().anyMatch(ProcStates::isRunning) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The jar (or classes directory) this class was loaded from, which also holds DemoServer. */
    private static String ownClassPath() {
        try {
            return Path.of(DemoTree.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the demo's own class path", e);
        }
    }

    private static String shellQuote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
