package dev.treekill.agent.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.treekill.agent.proc.Environ;
import dev.treekill.agent.starts.Cookies;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Start listeners (what the library bridge builds on): each start of the application's is told on the starting
 * thread once its record exists; the agent's own start is recorded but told to none.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StartListenersTest extends StartHooksFixture {
    /** What the library bridge builds on: each start is told on the starting thread, once its record exists. */
    @Test
    void startListenersHearEachStartOnTheStartingThreadAfterItsRecord() throws Exception {
        List<String> heard = new ArrayList<>();
        java.util.function.Consumer<Process> listener = p -> heard.add(Thread.currentThread().getName() + " "
                + (started.of(p) != null) + " " + p.pid());
        started.listeners().add(listener);
        Process p = realProcess();
        hooks.starting();
        hooks.forking();
        hooks.started(p);
        started.listeners().remove(listener);
        hooks.starting();
        hooks.forking();
        hooks.started(realProcess());

        assertEquals(List.of(Thread.currentThread().getName() + " true " + p.pid()), heard);
    }

    /**
     * The exitKill guard's start (its launcher, on the thread treekill-guard-start, which inherits a test's scope
     * under the JUnit extension) is the agent's own: recorded, so the orphan reaper leaves it to the JDK, but no
     * start listener hears of it, so no test's leak check owns it; and its cookie, an opt-out it keeps, is
     * beneath none of this JVM's, so no leak check's cookie search finds the guard either.
     */
    @Test
    void theAgentsOwnStartIsRecordedButNoStartListenerHearsOfIt() throws Exception {
        List<Process> heard = new ArrayList<>();
        started.listeners().add(heard::add);
        byte[] app = start(block("PATH=/bin"), new int[] {1});
        String appCookie = Environ.valueOf(text(app), VARIABLE);
        assertEquals(1, heard.size(), "the application's start is heard");

        AtomicReference<Process> guardsLauncher = new AtomicReference<>();
        byte[] guard = started.asAgentsOwn(() -> {
            hooks.starting();
            byte[] out = hooks.environmentBlock(block("PATH=/bin", VARIABLE + "=treekill-guard"), new int[] {2});
            hooks.forking();
            guardsLauncher.set(realProcess());
            hooks.started(guardsLauncher.get());
            return out;
        });
        assertEquals("treekill-guard", Environ.valueOf(text(guard), VARIABLE), "the guard keeps its opt-out cookie");
        assertEquals(1, heard.size(), () -> "the agent's own start reached a listener: " + heard);
        assertNotNull(started.of(guardsLauncher.get()), "recorded all the same: the JDK reaps it, not the orphan reaper");
        assertFalse(started.listeners().agentsOwnOnThisThread(), "the mark ends with the start");
        assertFalse(started.cookies().isOurs("treekill-guard"));
        assertFalse(dev.treekill.agent.starts.Cookies.isBeneath("treekill-guard", appCookie),
                "a leak check's cookie search for the application's start does not find the guard");

        start(block("PATH=/bin"), new int[] {1});
        assertEquals(2, heard.size(), "the next start of the application's is heard again");
    }
}
