package dev.treekill.junit.scenarios;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.junit.TreeKillExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A server started once for the class: it belongs to the class, lives through its tests, and goes after it. */
@ExtendWith(TreeKillExtension.class)
public class BeforeAllScenario {
    private static Process server;

    @BeforeAll
    static void startServer() throws InterruptedException {
        server = Spawn.shell("beforeAll", "sleep 300 & wait");
        Spawn.awaitDescendants(server, 1);
    }

    @Test
    void first() {
        assertTrue(server.isAlive(), "the class's process is killed only after the class");
    }

    @Test
    void second() {
        assertTrue(server.isAlive(), "the class's process is killed only after the class");
    }
}
