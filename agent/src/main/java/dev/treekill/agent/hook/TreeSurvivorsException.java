package dev.treekill.agent.hook;

import dev.treekill.agent.engine.KillResult;
import java.util.Arrays;

/** Thrown by destroyForcibly() with {@code onTimeout=throw} when processes of the tree outlived the timeout. */
public final class TreeSurvivorsException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    TreeSurvivorsException(KillResult result, long timeoutMillis) {
        super("treekill: " + result.survivors.length + " processes of the tree of pid " + result.rootPid
                + " still alive after " + timeoutMillis + " ms: " + Arrays.toString(result.survivors));
    }
}
