package dev.treekill.agent.hook;

import dev.treekill.agent.engine.KillResult;
import dev.treekill.agent.report.KillReports;

/**
 * Thrown by destroyForcibly() with {@code onTimeout=throw} when processes of the tree outlived the timeout; the
 * message is the one treekill-library's exception of the same name gives ({@code KillReport.describeSurvivors}).
 */
public final class TreeSurvivorsException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    TreeSurvivorsException(KillResult result, long timeoutMillis) {
        super("treekill: " + KillReports.of(result).describeSurvivors(timeoutMillis));
    }
}
