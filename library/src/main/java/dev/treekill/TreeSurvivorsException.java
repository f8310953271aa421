package dev.treekill;

import dev.treekill.mbeans.KillReport;

/** Processes of a tree were still alive when a kill's timeout passed ({@link TreeKill.OnTimeout#THROW}). */
public final class TreeSurvivorsException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final transient KillReport report;

    TreeSurvivorsException(KillReport report, long timeoutMillis) {
        super("treekill: " + report.describeSurvivors(timeoutMillis));
        this.report = report;
    }

    /** The kill's report; its survivors are the pids still alive. */
    public KillReport report() {
        return report;
    }
}
