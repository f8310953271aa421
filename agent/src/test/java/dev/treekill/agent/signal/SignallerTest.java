package dev.treekill.agent.signal;

import static dev.treekill.agent.sys.Syscalls.SIGKILL;
import static dev.treekill.agent.sys.Syscalls.SIGSTOP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.proc.FakeProc;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.sys.Call;
import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.FakeSyscalls;
import dev.treekill.agent.sys.Syscalls;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The guards come first: a bug here signals the wrong process as root. */
class SignallerTest {
    private final FakeSyscalls sys = new FakeSyscalls();
    private final FakeProc proc = new FakeProc()
            .put(1000, 900, 'S', 20, 50, "java").put(900, 800, 'S', 1, 40, "bash").put(800, 1, 'S', 1, 30, "sshd")
            .put(1001, 1000, 'S', 1, 60, "sh").put(1002, 1001, 'S', 1, 61, "sleep");
    private final Signaller signaller = new Signaller(sys, proc);

    @ParameterizedTest
    @ValueSource(longs = {Long.MIN_VALUE, -1000, -1, 0, 1})
    void refusesPidOneZeroAndNegatives(long pid) {
        assertTrue(signaller.refusal(pid, Set.of()).contains("pid <= 1"));
    }

    @Test
    void refusesThisJvmAndItsAncestors() {
        assertEquals(Set.of(900, 800), signaller.ancestors());
        assertTrue(signaller.refusal(1000, signaller.ancestors()).contains("this JVM"));
        assertTrue(signaller.refusal(900, signaller.ancestors()).contains("ancestor"));
        assertTrue(signaller.refusal(800, signaller.ancestors()).contains("ancestor"));
        assertTrue(signaller.refusal(1L + Integer.MAX_VALUE, Set.of()).contains("not a process id"));
        assertNull(signaller.refusal(1001, signaller.ancestors()));
    }

    @Test
    void refusesAThreadIdEvenOfAProcessItMaySignal() {
        // /proc answers for thread ids it does not list; kill(tid) would signal the whole process.
        proc.put(1003, 900, 'S', 1, 50, "java").threadOf.put(1003, 1000);
        proc.put(1004, 1001, 'S', 1, 61, "sh").threadOf.put(1004, 1001);
        assertTrue(signaller.refusal(1003, signaller.ancestors()).contains("thread of process 1000"));
        assertTrue(signaller.refusal(1004, signaller.ancestors()).contains("thread of process 1001"));
        assertNull(signaller.refusal(1001, signaller.ancestors()), "the process itself may be");
    }

    /**
     * The answer without the ancestors (what a kill asks): the full rule's for every kind of pid, read from /proc as it
     * is at the moment of asking; only for a child of this JVM is nothing read beyond that child's own entry.
     */
    @Test
    void refusalWithoutAncestorsGivesTheFullRulesAnswer() {
        proc.put(1003, 900, 'S', 1, 50, "java").threadOf.put(1003, 1000); // a thread of this JVM
        proc.put(1004, 1000, 'S', 1, 61, "sh").threadOf.put(1004, 1001); // a thread of a child (its ppid is ours)
        for (long pid : new long[] {-1, 0, 1, 800, 900, 1000, 1001, 1002, 1003, 1004, 4242, 1L + Integer.MAX_VALUE}) {
            String full = signaller.refusal(pid, signaller.ancestors());
            String quick = signaller.refusal(pid);
            if (pid == 1004) { // kill(1004) signals process 1001, this JVM's child: refused by the full rule, harmless
                assertTrue(full.contains("thread of process 1001"), full);
                assertNull(quick);
            } else {
                assertEquals(full, quick, "pid " + pid);
            }
        }
    }

    @Test
    void aChildOfThisJvmIsAllowedWithoutReadingTheAncestry() {
        Set<Integer> read = new java.util.HashSet<>();
        Signaller counting = new Signaller(sys, new dev.treekill.agent.proc.ForwardingProc(proc) {
            @Override
            public String stat(int pid) {
                read.add(pid);
                return super.stat(pid);
            }

            @Override
            public int tgid(int pid) {
                read.add(-pid);
                return super.tgid(pid);
            }
        });
        read.clear();
        assertNull(counting.refusal(1001));
        assertEquals(Set.of(1001), read, "only the child's own stat");
        read.clear();
        assertNotNull(counting.refusal(900));
        assertTrue(read.contains(1000), "an ancestor is found by walking up from this JVM");
    }

    @Test
    void signalsThroughThePidfdOfThePinnedProcess() {
        Member m = signaller.pin(ProcTable.read(proc, 1002));
        assertNotNull(m);
        assertTrue(signaller.signal(m, Syscalls.SIGKILL));
        assertEquals(List.of(Call.pidfdSignal(1002, SIGKILL)), sys.signals());
        signaller.release(m);
        assertTrue(sys.calls.contains(Call.close(1002)));
    }

    @Test
    void aPidReusedBeforePinningIsNeverSignalled() {
        var scanned = ProcTable.read(proc, 1002);
        proc.put(1002, 1, 'S', 1, 999, "someone else"); // exited, pid handed to a newer process
        assertNull(signaller.pin(scanned));
        assertTrue(sys.calls.contains(Call.close(1002)), "the pidfd opened on the newcomer is closed again");
        assertTrue(sys.signals().isEmpty());
    }

    @ParameterizedTest
    @ValueSource(ints = {ErrnoException.EINVAL, ErrnoException.ESRCH, ErrnoException.ENOENT})
    void pidfdOpenSayingGoneMeansGoneNotAnError(int errno) {
        sys.pidfdOpenErrno = errno;
        assertNull(signaller.pin(ProcTable.read(proc, 1002)));
        assertTrue(sys.signals().isEmpty());
    }

    @Test
    void withoutPidfdsItFallsBackToKillAfterAStartTimeCheck() {
        sys.pidfdOpenErrno = ErrnoException.ENOSYS;
        Member m = signaller.pin(ProcTable.read(proc, 1002));
        assertNotNull(m);
        assertEquals(-1, m.pidfd);
        assertTrue(signaller.signal(m, Syscalls.SIGSTOP));
        assertEquals(List.of(Call.kill(1002, SIGSTOP)), sys.signals());

        sys.calls.clear();
        signaller.pin(ProcTable.read(proc, 1001));
        assertFalse(sys.calls.contains(Call.pidfdOpen(1001)), "ENOSYS is remembered: no more pidfd_open calls");
    }

    @ParameterizedTest
    @ValueSource(ints = {ErrnoException.EMFILE, ErrnoException.EPERM})
    void runningOutOfDescriptorsFallsBackForThatProcess(int errno) {
        sys.pidfdOpenErrno = errno;
        Member m = signaller.pin(ProcTable.read(proc, 1002));
        assertNotNull(m);
        assertTrue(signaller.signal(m, Syscalls.SIGKILL));
        assertEquals(List.of(Call.kill(1002, SIGKILL)), sys.signals());
    }

    @Test
    void killByPidRechecksTheStartTimeRightBeforeSignalling() {
        sys.pidfdOpenErrno = ErrnoException.ENOSYS;
        Member m = signaller.pin(ProcTable.read(proc, 1002));
        proc.put(1002, 1, 'S', 1, 999, "reused after the pin");
        assertFalse(signaller.signal(m, Syscalls.SIGKILL));
        proc.remove(1002);
        assertFalse(signaller.signal(m, Syscalls.SIGKILL));
        assertTrue(sys.signals().isEmpty());
    }

    @Test
    void neverSignalsPidOneOrItselfEvenIfHandedSuchAMember() {
        var one = new Member(new dev.treekill.agent.proc.ProcEntry(1, 0, 'S', 1, 1, "init"), -1);
        var self = new Member(ProcTable.read(proc, 1000), -1);
        assertThrows(IllegalStateException.class, () -> signaller.signal(one, Syscalls.SIGKILL));
        assertThrows(IllegalStateException.class, () -> signaller.signal(self, Syscalls.SIGKILL));
        assertTrue(sys.signals().isEmpty());
    }
}
