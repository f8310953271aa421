package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TaggedProcesses;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * destroy()'s modes: {@code mixed} (systemd's KillMode=mixed) lets a supervisor shut its workers down in order
 * and still SIGKILLs what a wrapper left when the grace ends; {@code tree} is the control that breaks the
 * supervisor. destroy() on a finished Process reaches its escapees: SIGTERM, then SIGKILL after the grace.
 */
@Timeout(120)
class DestroyModesIT {
    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    private Map<String, String> run(Jdk jdk, String options, String mode) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).agent(options)
                .main(DestroyModesApp.class, mode).run();
        Map<String, String> line = Checks.ok(r).line(mode + " ");
        Checks.noAgentWarnings(r);
        line.put("output", "\n" + r);
        return line;
    }

    @OnEachJdk
    void mixedLetsASupervisorStopItsWorkerInOrder(Jdk jdk) throws Exception {
        Map<String, String> line = run(jdk, "destroy=mixed,grace=5s", "supervisor");
        assertEquals("true", line.get("flushed"), () -> "the worker got no chance to flush\n" + line);
        assertEquals("0", line.get("exit"), line::toString);
        assertEquals("false", line.get("worker_alive"), line::toString);
        assertEquals(0, tagged.survivors().size(), "nothing of the tree is left");
    }

    @OnEachJdk
    void treeSendsTheWorkerSigtermTooSoItCannotFlush(Jdk jdk) throws Exception {
        Map<String, String> line = run(jdk, "destroy=tree", "supervisor");
        assertEquals("false", line.get("flushed"), () -> "the control: SIGTERM reached the worker directly\n" + line);
        assertEquals("false", line.get("worker_alive"), line::toString);
    }

    @OnEachJdk
    void mixedSigkillsWhatAWrapperLeftWhenTheGraceEnds(Jdk jdk) throws Exception {
        Map<String, String> line = run(jdk, "destroy=mixed,grace=500ms", "wrapper");
        assertEquals("143", line.get("exit"), () -> "the wrapper itself got SIGTERM\n" + line);
        assertEquals("false", line.get("child_alive"), () -> "its child, re-parented, outlived the grace\n" + line);
        assertEquals(0, tagged.survivors().size(), "nothing of the tree is left");
    }

    @OnEachJdk
    void destroyOnAFinishedProcessReachesItsEscapees(Jdk jdk) throws Exception {
        Map<String, String> line = run(jdk, "grace=1s", "finished");
        assertEquals("false", line.get("obedient_alive"), () -> "SIGTERM did not reach the escapee\n" + line);
        assertEquals("false", line.get("stubborn_alive"), () -> "no SIGKILL after the grace\n" + line);
        assertEquals("true", line.get("optout_alive"), line::toString);
        assertEquals(0, tagged.survivors().size(), "nothing is left (the opted-out daemon was swept by the app)");
    }

    @OnEachJdk
    void destroyOnAFinishedProcessReachesItsEscapeesWithMixedToo(Jdk jdk) throws Exception {
        Map<String, String> line = run(jdk, "destroy=mixed,grace=1s", "finished");
        assertEquals("false", line.get("obedient_alive"), () -> "no root to pass SIGTERM on: the escapees get it\n" + line);
        assertEquals("false", line.get("stubborn_alive"), line::toString);
        assertTrue(line.get("optout_alive").equals("true"), line::toString);
    }

    @OnEachJdk
    void mixedLeavesAProcessTheApplicationStoppedStopped(Jdk jdk) throws Exception {
        Map<String, String> line = run(jdk, "destroy=mixed,grace=60s", "stopped");
        assertEquals("143", line.get("exit"), () -> "the wrapper got the JDK's SIGTERM\n" + line);
        assertEquals("T", line.get("child_state"), () -> "the snapshot continued a process the application had stopped\n" + line);
    }
}
