package dev.treekill.agent.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.proc.Environ;
import dev.treekill.agent.starts.StartedProcesses;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A start begun once shutdown has begun (the observer says so at its fork): marked spared in the registry, and the
 * observer (the exit kill, which tells the guard) hears of its cookie, the very one in the child's environment,
 * before the fork; a start before shutdown, or one that opted out (no cookie of ours), is not told.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StartHooksSparedTest extends StartHooksFixture {
    /** Records what it hears, in order; spares starts once {@link #shuttingDown}. */
    private static final class Recorder implements StartHooks.Observer {
        final List<String> heard = new ArrayList<>();
        boolean shuttingDown;
        private final StartedProcesses started;

        Recorder(StartedProcesses started) {
            this.started = started;
        }

        @Override
        public boolean sparesStartsNow() {
            return shuttingDown;
        }

        @Override
        public void startSpared(String cookie) {
            heard.add("spared " + cookie);
        }

        @Override
        public void beforeStart() {
            heard.add("before");
        }

        @Override
        public void afterStart(Process process) {
            heard.add("after " + started.of(process).spared());
        }
    }

    private final Recorder observer = new Recorder(started);
    private final StartHooks observed = new StartHooks(started, true, observer);

    /** One whole start through {@link #observed}; what the observer heard by its fork is noted as "forked". */
    private String start(byte[] block) throws Exception {
        observed.starting();
        byte[] out = observed.environmentBlock(block, new int[] {1});
        observed.forking();
        observer.heard.add("forked");
        observed.started(realProcess());
        return Environ.valueOf(text(out), VARIABLE);
    }

    @Test
    void aStartOfTheShutdownIsToldWithItsCookieBeforeItForks() throws Exception {
        String before = start(block("A=1"));
        observer.shuttingDown = true;
        String during = start(block("A=1"));
        assertTrue(during != null && !during.equals(before), during);
        assertEquals(List.of("before", "forked", "after false", "before", "spared " + during, "forked", "after true"),
                observer.heard);
        assertTrue(started.isSpared(during));
        assertFalse(started.isSpared(before));
    }

    @Test
    void anOptedOutStartOfTheShutdownHasNoCookieOfOursToTell() throws Exception {
        observer.shuttingDown = true;
        start(block(VARIABLE + "=dontKillMe"));
        assertEquals(List.of("before", "forked", "after true"), observer.heard);
    }
}
