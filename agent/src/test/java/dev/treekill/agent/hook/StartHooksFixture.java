package dev.treekill.agent.hook;

import dev.treekill.agent.starts.Cookies;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.testing.TaggedProcesses;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the start-hook tests share, fresh for every test: a start registry with the agent's start hooks over it
 * (cookies on), real children as ProcessImpl.start would return them (tagged; killed and reaped after each test),
 * and environment blocks as the JDK builds them (every entry NUL-terminated, one byte per char).
 */
abstract class StartHooksFixture {
    static final String VARIABLE = Cookies.VARIABLE;

    final StartedProcesses started = new StartedProcesses();
    final StartHooks hooks = new StartHooks(started, true);
    final List<Process> processes = new ArrayList<>();
    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @AfterEach
    void reapProcesses() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A real child, as ProcessImpl.start would return it; alive until the test ends (then killed and reaped). */
    Process realProcess() throws Exception {
        Process p = tagged.start(List.of("sleep", "60"));
        processes.add(p);
        return p;
    }

    static byte[] block(String... entries) {
        StringBuilder s = new StringBuilder();
        for (String e : entries) {
            s.append(e).append('\0');
        }
        return s.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    static String text(byte[] block) {
        return new String(block, StandardCharsets.ISO_8859_1);
    }

    /** The entries of a block, in order. */
    static List<String> entries(byte[] block) {
        List<String> out = new ArrayList<>();
        String t = text(block);
        int i = 0;
        while (i < t.length()) {
            int end = t.indexOf('\0', i);
            out.add(t.substring(i, end < 0 ? t.length() : end));
            i = end < 0 ? t.length() : end + 1;
        }
        return out;
    }

    static long cookieEntries(byte[] block) {
        return entries(block).stream().filter(e -> e.startsWith(VARIABLE + "=")).count();
    }

    /** starting(), environmentBlock, forking(), started(): one whole start; returns the block the child got. */
    byte[] start(byte[] block, int[] envc) throws Exception {
        hooks.starting();
        byte[] out = hooks.environmentBlock(block, envc);
        hooks.forking();
        hooks.started(realProcess());
        return out;
    }
}
