package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.treekill.testing.TaggedProcesses;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A pid really handed out again (in a private PID namespace, through ns_last_pid) is never signalled through
 * a stale identity: a ProcessHandle or a finished Process of the process that had it before, or a root that
 * exited during destroy()'s or terminateTree's grace. The JDK does nothing in these cases; neither may the agent.
 */
@Timeout(180)
class RecycledPidIT {
    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @BeforeAll
    static void needsPidNamespaces() throws Exception {
        PidNamespace.assumeWorks("a PID namespace whose ns_last_pid can be written is needed "
                + "(`unshare --pid --fork --mount-proc` as root)", "sh", "-c", "echo 100 > /proc/sys/kernel/ns_last_pid");
    }

    private Map<String, String> stale(Jdk jdk, String options, String entry) throws Exception {
        JvmRunner runner = JvmRunner.on(jdk, tagged).under(PidNamespace.UNSHARE);
        if (options != null) {
            runner.agent(options);
        }
        JvmRunner.Result r = runner.main(RecycleApp.class, "stale", entry).run();
        Map<String, String> line = Checks.ok(r).line("stale ");
        assertEquals("true", line.get("same_pid"), () -> "the test did not recycle the pid\n" + r);
        assertEquals("3", line.get("a_exit"), r::toString);
        assertEquals("true", line.get("b_alive"), () -> entry + " on A's stale identity hit B, which has A's pid now\n" + r);
        Checks.noAgentWarnings(r);
        return line;
    }

    @OnEachJdk
    void destroyForciblyOnAStaleProcessHandleSignalsNothing(Jdk jdk) throws Exception {
        stale(jdk, "log=warn", "handle-forcibly");
    }

    @OnEachJdk
    void destroyOnAStaleProcessHandleSignalsNothing(Jdk jdk) throws Exception {
        stale(jdk, "grace=200ms", "handle-destroy");
    }

    @OnEachJdk
    void destroyForciblyOnAFinishedProcessSparesTheNextOwnerOfItsPid(Jdk jdk) throws Exception {
        stale(jdk, "log=warn", "process-forcibly");
    }

    @OnEachJdk
    void destroyOnAFinishedProcessSparesTheNextOwnerOfItsPid(Jdk jdk) throws Exception {
        stale(jdk, "grace=200ms", "process-destroy");
    }

    @OnEachJdk
    void withoutTheAgentTheJdkSparesItToo(Jdk jdk) throws Exception {
        stale(jdk, null, "handle-forcibly"); // the behaviour the agent must keep
    }

    private void grace(Jdk jdk, String options, String entry) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).under(PidNamespace.UNSHARE).agent(options)
                .main(RecycleApp.class, "grace", entry).run();
        Map<String, String> line = Checks.ok(r).line("grace ");
        assertEquals("true", line.get("same_pid"), () -> "the test did not recycle the pid\n" + r);
        assertEquals("false", line.get("child_alive"), () -> "the grace ended and the SIGTERM-proof child lives\n" + r);
        assertEquals("true", line.get("b_alive"), () -> "the escalation SIGKILLed the root's pid, now B's\n" + r);
        Checks.noAgentWarnings(r);
    }

    @OnEachJdk
    void destroysGraceEscalationSparesTheNextOwnerOfTheRootsPid(Jdk jdk) throws Exception {
        grace(jdk, "grace=2s", "destroy");
    }

    @OnEachJdk
    void jmxTerminateTreeSparesTheNextOwnerOfTheRootsPid(Jdk jdk) throws Exception {
        grace(jdk, null, "jmx");
    }

    /**
     * The measure of the tests above: B's liveness comes from /proc, not from B's Process, which the JDK's race of
     * a pid handed out again at once can show dead from its start (see RecycleApp); here the race is made to happen.
     */
    @OnEachJdk
    void theNextOwnersLivenessIsReadFromProcNotFromItsProcess(Jdk jdk) throws Exception {
        JvmRunner.Result r = JvmRunner.on(jdk, tagged).under(PidNamespace.UNSHARE)
                .jvmArg("--add-opens=java.base/java.lang=ALL-UNNAMED").main(RecycleApp.class, "jdk-race").run();
        Map<String, String> line = Checks.ok(r).line("race ");
        assertEquals("true", line.get("same_pid"), () -> "the test did not recycle the pid\n" + r);
        assertEquals("true", line.get("b_alive"), () -> "B, alive, read as dead\n" + r);
    }
}
