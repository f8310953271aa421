package dev.treekill.agent.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.treekill.agent.engine.Engine;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Trigger;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The engine the agent hands out runs with the hooks off: a ProcessHandle.destroy*() the engine makes itself (the
 * portable engine, the cold path) reaches the JDK, not the hooks, and the hooks are on again afterwards.
 */
class HooksOffEngineTest {
    /** What the hooks answered to each destroy the engine made, in order: null when they were off. */
    private final List<Object> seenByHooks = new ArrayList<>();

    HooksOffEngineTest() {
        Hooks.install(HooksTest.Scripted.INSTANCE, null); // one handler per JVM, shared with HooksTest
        HooksTest.Scripted.INSTANCE.onEnter = null;
        HooksTest.Scripted.INSTANCE.token = "token";
    }

    /** An engine whose every call destroys a process through the JDK, as the portable engine does. */
    private Engine destroyingEngine(RuntimeException failure) {
        return (Engine) Proxy.newProxyInstance(Engine.class.getClassLoader(), new Class<?>[] {Engine.class},
                (proxy, method, args) -> {
                    seenByHooks.add(Hooks.enter(this, Hooks.HANDLE_DESTROY_FORCIBLY));
                    if (failure != null) {
                        throw failure;
                    }
                    return null;
                });
    }

    @Test
    void everyCallThatMaySignalRunsWithTheHooksOffAndTurnsThemOnAgain() {
        Engine engine = new HooksOffEngine(destroyingEngine(null));
        engine.kill(Target.tree(4242), Trigger.JMX);
        engine.terminate(Target.tree(4242), Trigger.JMX);
        engine.snapshot(Target.tree(4242), Trigger.DESTROY);
        engine.await(null, null);
        engine.escalate(null, 0, null);
        assertEquals(java.util.Arrays.asList(null, null, null, null, null), seenByHooks, "the hooks were off for each");
        assertSame("token", Hooks.enter(this, Hooks.PROCESS_DESTROY_FORCIBLY), "and on again afterwards");
    }

    @Test
    void theHooksAreOnAgainAfterAFailureAndStayOffInsideAHook() {
        Engine failing = new HooksOffEngine(destroyingEngine(new IllegalArgumentException("refused")));
        assertThrows(IllegalArgumentException.class, () -> failing.kill(Target.tree(1), Trigger.JMX));
        assertSame("token", Hooks.enter(this, Hooks.PROCESS_DESTROY_FORCIBLY));

        // Inside a hook (a destroy's own kill) they are off already, and stay off when the engine returns.
        boolean wasOff = Hooks.suspend();
        try {
            new HooksOffEngine(destroyingEngine(null)).kill(Target.tree(4242), Trigger.DESTROY_FORCIBLY);
            assertNull(Hooks.enter(this, Hooks.PROCESS_DESTROY_FORCIBLY), "still off: the outer scope turns them on");
        } finally {
            Hooks.resume(wasOff);
        }
        assertSame("token", Hooks.enter(this, Hooks.PROCESS_DESTROY_FORCIBLY));
    }
}
