package dev.treekill.junit.scenarios;

import dev.treekill.junit.TreeKillExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A start on a thread that belongs to no test or class (created without inheriting thread locals, as a pool
 * created outside any test would be): the process is the run's, checked and killed when the run ends.
 */
@ExtendWith(TreeKillExtension.class)
public class SuiteLevelScenario {
    @Test
    void startsFromAThreadOfNoTest() throws Exception {
        Runnable start = () -> {
            try {
                Spawn.awaitDescendants(Spawn.shell("suite-level", "sleep 300 & wait"), 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        Thread stranger = new Thread(null, start, "stranger", 0, false);
        stranger.start();
        stranger.join();
    }
}
