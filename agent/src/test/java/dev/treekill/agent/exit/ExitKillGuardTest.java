package dev.treekill.agent.exit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.guard.JvmDeathGuard;
import dev.treekill.agent.guard.ScriptedGuards;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The guard ExitKill makes at the first start, against spared starts racing it: a spared start forked in a shutdown
 * hook while a start begun before shutdown is still making the first guard is spared by that guard too, and never
 * waits for it to be made.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExitKillGuardTest {
    private final ScriptedGuards guards = new ScriptedGuards();

    @Test
    void aSparedStartWhileTheFirstGuardIsMadeIsToldToThatGuard() throws Exception {
        CountDownLatch making = new CountDownLatch(1);
        CountDownLatch mayFinish = new CountDownLatch(1);
        Supplier<JvmDeathGuard> slowMaker = () -> {
            making.countDown();
            try {
                assertTrue(mayFinish.await(30, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return guards.newGuard();
        };
        ExitKill exit = new ExitKill(null, null, null, false, slowMaker);
        Thread first = new Thread(exit::beforeStart, "first-start"); // begun before shutdown: it makes the guard
        first.start();
        assertTrue(making.await(30, TimeUnit.SECONDS));

        exit.startSpared("tk3e8-1-9"); // a shutdown hook's start: returns at once, the guard not made yet
        assertTrue(first.isAlive(), "the first start still makes the guard");
        mayFinish.countDown();
        first.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(first.isAlive());

        assertEquals(List.of("11 spare tk3e8-1-9\n"), guards.writes(), "the new guard spares it");
        exit.startSpared("tk3e8-1-10");
        assertEquals(List.of("11 spare tk3e8-1-9\n", "11 spare tk3e8-1-10\n"), guards.writes(), "then told at once");
    }
}
