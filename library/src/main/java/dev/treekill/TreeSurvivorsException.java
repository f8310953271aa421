package dev.treekill;

import dev.treekill.mbeans.KillReport;
import java.util.Arrays;

/** Processes of a tree were still alive when a kill's timeout passed ({@link TreeKill.OnTimeout#THROW}). */
public final class TreeSurvivorsException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final transient KillReport report;

    TreeSurvivorsException(KillReport report, long timeoutMillis) {
        super("treekill: " + report.getSurvivors().length + " processes of the tree of pid " + report.getRootPid()
                + " still alive after " + timeoutMillis + " ms: " + Arrays.toString(report.getSurvivors()));
        this.report = report;
    }

    /** The kill's report; its survivors are the pids still alive. */
    public KillReport report() {
        return report;
    }
}
