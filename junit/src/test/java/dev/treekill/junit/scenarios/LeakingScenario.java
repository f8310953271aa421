package dev.treekill.junit.scenarios;

import org.junit.jupiter.api.Test;

/**
 * One leaking test and clean ones beside it. No {@code @ExtendWith}: the extension comes by auto-detection
 * ({@code junit.jupiter.extensions.autodetection.enabled=true}), as a suite would add it.
 */
public class LeakingScenario {
    /** The tree from the issue: a shell and three sleeps, left running. */
    @Test
    void leaks() throws Exception {
        Spawn.awaitDescendants(Spawn.shell("leaks", "sleep 300 & sleep 300 & sleep 300; wait"), 3);
    }

    /** A process that left its tree (its own session) and outlives its waited-for root: found by cookie. */
    @Test
    void escapee() throws Exception {
        long escapee = Spawn.shellPrintingPid("escapee", "setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!");
        Spawn.awaitCommandLine(escapee, "sleep 300");
    }

    @Test
    void destroyedForcibly() throws Exception {
        Process p = Spawn.shell("destroyedForcibly", "sleep 300 & sleep 300 & wait");
        Spawn.awaitDescendants(p, 2);
        p.destroyForcibly().waitFor();
    }

    /** SIGTERM to the tree, the root waited for: its sleeps may still be dying. Not a leak, never flaky. */
    @Test
    void terminatedAndWaited() throws Exception {
        Process p = Spawn.shell("terminated", "sleep 300 & sleep 300 & wait");
        Spawn.awaitDescendants(p, 2);
        p.destroy();
        p.waitFor();
    }

    @Test
    void exitedAndWaited() throws Exception {
        Spawn.shell("exited", "exit 0").waitFor();
    }
}
