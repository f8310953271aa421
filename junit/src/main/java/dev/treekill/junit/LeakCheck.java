package dev.treekill.junit;

import dev.treekill.internal.Agent;
import dev.treekill.mbeans.KillReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What is left of a scope's processes: each one's live tree and cookie-carrying escapees are listed (for
 * the report), then killed with the agent's engine and waited for, zombie-aware. A process the scope
 * called destroy() or destroyForcibly() on is not a leak: what is left of it was meant to go (a SIGTERM
 * still being handled, say), so it is killed without a report. A process that exited and was waited for
 * has nothing left, so it is neither reported nor signalled.
 */
final class LeakCheck {
    static final String TRIGGER = KillReport.TRIGGER_JUNIT;

    /** One leaked process: pid and command line, read before the kill. */
    static final class Leaked {
        final long pid;
        final String commandLine;

        Leaked(long pid, String commandLine) {
            this.pid = pid;
            this.commandLine = commandLine;
        }

        @Override
        public String toString() {
            return "pid " + pid + ": " + commandLine;
        }
    }

    /** The outcome: what leaked, and the pids still alive when a kill's timeout passed. */
    static final class Outcome {
        final List<Leaked> leaked = new ArrayList<>();
        final List<Long> survivors = new ArrayList<>();
        /** The names of the threads that started the leaked processes, in start order. */
        final Set<String> threads = new LinkedHashSet<>();
        /** Live processes killed quietly because the scope had destroyed their root. */
        int destroyedLeftovers;
    }

    private LeakCheck() {
    }

    /** {@code started}: each process with the name of the thread that started it. */
    static Outcome run(Agent agent, Map<Process, String> started, long timeoutMillis) {
        Outcome out = new Outcome();
        List<Process> owned = new ArrayList<>(started.keySet());
        long[][] left = agent.liveMembers(owned.toArray(new Process[0]));
        for (int i = 0; i < left.length; i++) {
            Process p = owned.get(i);
            long[] live = left[i];
            if (live.length == 0) {
                continue;
            }
            boolean meantToGo = agent.destroyed(p);
            List<Leaked> described = new ArrayList<>();
            for (long pid : live) {
                described.add(new Leaked(pid, commandLine(pid)));
            }
            KillReport report = agent.killStarted(p, timeoutMillis, TRIGGER);
            if (meantToGo) {
                out.destroyedLeftovers += live.length;
            } else {
                out.leaked.addAll(described);
                out.threads.add(started.get(p));
            }
            if (report.isTimedOut()) {
                for (long pid : report.getSurvivors()) {
                    out.survivors.add(pid);
                }
            }
        }
        return out;
    }

    /**
     * The arguments the process was started with, space-separated (/proc/[pid]/cmdline: argv as given, where
     * the JDK's Info.commandLine() would put the resolved executable first); elsewhere the JDK's view; "?" for
     * a process that is gone or hidden.
     */
    static String commandLine(long pid) {
        try {
            byte[] argv = Files.readAllBytes(Paths.get("/proc", Long.toString(pid), "cmdline"));
            if (argv.length > 0) {
                int end = argv[argv.length - 1] == 0 ? argv.length - 1 : argv.length;
                return new String(argv, 0, end, StandardCharsets.UTF_8).replace('\0', ' ');
            }
        } catch (IOException | RuntimeException notOnProc) {
            // not Linux, or gone: ask the JDK
        }
        return ProcessHandle.of(pid)
                .map(h -> h.info().commandLine().orElseGet(() -> h.info().command().orElse("?")))
                .orElse("?");
    }

    static String pids(List<Long> pids) {
        return Arrays.toString(pids.toArray());
    }
}
