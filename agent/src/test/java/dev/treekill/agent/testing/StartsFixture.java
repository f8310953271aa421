package dev.treekill.agent.testing;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.treekill.agent.hook.StartHooks;
import dev.treekill.agent.proc.CountingProc;
import dev.treekill.agent.proc.Environ;
import dev.treekill.agent.proc.FakeProc;
import dev.treekill.agent.starts.StartedProcesses;
import java.nio.charset.StandardCharsets;
import dev.treekill.agent.starts.CookieIssuer;
import dev.treekill.agent.starts.Cookies;

/**
 * This JVM as the start-registry and escapee seam tests script it, fresh for every test: in a fake /proc, this JVM
 * ({@link #SELF}, started at tick 50) under its shell (900), and the tree of {@link #ROOT} (started at tick 60,
 * with its worker 1002); the start registry over that /proc (with start times, as where this JVM adopts orphans);
 * the root as the Process the JDK returned; starts made through the agent's start hooks.
 */
public abstract class StartsFixture {
    protected static final int SELF = 1000;
    protected static final int ROOT = 1001;
    protected static final String VARIABLE = Cookies.VARIABLE;

    /** This JVM (started at tick 50, uid 0), its parent shell, and the tree of ROOT started at tick 60. */
    protected final FakeProc fake = new FakeProc()
            .put(SELF, 900, 'S', 20, 50, "java").put(900, 1, 'S', 1, 40, "bash")
            .put(ROOT, SELF, 'S', 1, 60, "sh").put(1002, ROOT, 'S', 1, 61, "worker");
    /** Every environ and uid read, by pid. */
    protected final CountingProc proc = new CountingProc(fake);
    /** Records start times from the fake /proc, as the agent does where it adopts orphans. */
    /** The cookie this JVM inherited is what the test's /proc shows in its environment. */
    protected final StartedProcesses started = new StartedProcesses(fake, StartedProcesses.Tracking.FROM_FIRST_START,
            new CookieIssuer(() -> Cookies.in(fake.environ(SELF))), System::nanoTime, SELF);
    /** Its exit() is the JDK's reaping: the entry leaves the fake /proc, which the registry notices at once. */
    protected final FakeProcess root = new FakeProcess(ROOT, fake, started);

    /** A start of {@code p} through the agent's start hooks; returns the cookie the child got, or null. */
    protected String startThroughHooks(Process p, boolean cookies, String... env) {
        StartHooks hooks = new StartHooks(started, cookies);
        StringBuilder block = new StringBuilder();
        for (String e : env) {
            block.append(e).append('\0');
        }
        hooks.starting();
        byte[] out = hooks.environmentBlock(block.toString().getBytes(StandardCharsets.ISO_8859_1), new int[] {env.length});
        hooks.forking();
        hooks.started(p);
        return Environ.valueOf(new String(out, StandardCharsets.ISO_8859_1), VARIABLE);
    }

    /** The root started without a cookie (cookies off). */
    protected void startRootWithoutCookie() {
        assertNull(startThroughHooks(root, false, "PATH=/bin"));
        fake.env(ROOT, "PATH=/bin").env(1002, "PATH=/bin");
    }

    /** The root started with a cookie; its own processes carry it. */
    protected String startRoot() {
        String cookie = startThroughHooks(root, true, "PATH=/bin");
        assertNotNull(cookie);
        fake.env(ROOT, "PATH=/bin", VARIABLE + "=" + cookie).env(1002, "PATH=/bin", VARIABLE + "=" + cookie);
        return cookie;
    }

    /** A process in the fake /proc (one thread, uid 0) with this environment. */
    protected void process(int pid, int ppid, char state, long startTime, String... env) {
        fake.put(pid, ppid, state, 1, startTime, "p" + pid).env(pid, env);
    }

    protected static String cookieEntry(String cookie) {
        return VARIABLE + "=" + cookie;
    }
}
