package dev.treekill.agent.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.engine.KillResult;
import dev.treekill.agent.engine.Trigger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bridge the patched JDK calls: never throws into the application but for the one exception asked for. */
class HooksTest {
    /** Hooks takes one handler per JVM, as the agent does; this one is scripted per test. */
    static final class Scripted implements Hooks.Handler {
        static final Scripted INSTANCE = new Scripted();
        RuntimeException onEnter;
        RuntimeException onExit;
        Object token = "token";
        final List<Throwable> failures = new ArrayList<>();
        int nestedEnterResult = -1;

        @Override
        public Object enter(Object target, int kind) {
            // A destroy() issued while handling one (the portable engine does that) must not recurse.
            nestedEnterResult = Hooks.enter(target, kind) == null ? 0 : 1;
            if (onEnter != null) {
                throw onEnter;
            }
            return token;
        }

        @Override
        public void exit(Object t) {
            if (onExit != null) {
                throw onExit;
            }
        }

        @Override
        public void failed(Throwable t) {
            failures.add(t);
        }
    }

    private final Scripted handler = Scripted.INSTANCE;

    HooksTest() {
        Hooks.install(handler, null);
        handler.onEnter = null;
        handler.onExit = null;
        handler.failures.clear();
    }

    @Test
    void installsOnce() {
        assertTrue(Hooks.installed());
        assertFalse(Hooks.install(new Scripted(), null));
    }

    @Test
    void passesTheTokenFromEnterToExitAndDoesNotRecurse() {
        assertSame("token", Hooks.enter(this, Hooks.PROCESS_DESTROY_FORCIBLY));
        assertEquals(0, handler.nestedEnterResult);
        Hooks.exit("token");
        Hooks.exit(null);
        assertTrue(handler.failures.isEmpty());
    }

    @Test
    void failuresAreReportedNotThrown() {
        handler.onEnter = new IllegalStateException("enter broke");
        assertNull(Hooks.enter(this, Hooks.PROCESS_DESTROY));
        handler.onExit = new NullPointerException("exit broke");
        Hooks.exit("token");
        assertEquals(2, handler.failures.size());
    }

    @Test
    void onlyTheSurvivorsExceptionReachesTheApplication() {
        KillResult r = new KillResult(42, 3, 2, new long[] {44}, 30_000, true, Trigger.DESTROY_FORCIBLY);
        handler.onExit = new TreeSurvivorsException(r, 30_000);
        TreeSurvivorsException e = assertThrows(TreeSurvivorsException.class, () -> Hooks.exit("token"));
        assertEquals("treekill: 1 processes of the tree of pid 42 still alive after 30000 ms: [44]", e.getMessage());
        assertTrue(handler.failures.isEmpty());
    }
}
