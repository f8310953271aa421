package dev.treekill.agent.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.testing.TaggedProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class ProcTableTest {
    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @Test
    void parsesACommandWithSpacesAndParentheses() {
        ProcEntry e = ProcTable.parseStat(42, new FakeProc().put(42, 7, 'S', 3, 12345, "a) (b c)").stat(42));
        assertNotNull(e);
        assertEquals(7, e.ppid);
        assertEquals('S', e.state);
        assertEquals(3, e.threads);
        assertEquals(12345, e.startTime);
        assertEquals("a) (b c)", e.command);
    }

    @Test
    void parsesTheRealStatOfThisJvm() {
        long self = ProcessHandle.current().pid();
        ProcEntry e = ProcTable.read(ProcSource.system(), (int) self);
        assertNotNull(e);
        assertEquals(ProcessHandle.current().parent().get().pid(), e.ppid);
        assertTrue(e.threads > 1, "a JVM has many threads");
    }

    /**
     * Real stat files of pids with one digit (PID 1) and several (a child), and of a command with a newline in it (a
     * stat file is one line but for such a name; it is still read whole).
     */
    @Test
    void readsRealStatFilesWholeWhateverThePidOrTheCommand(@TempDir Path dir) throws Exception {
        assertEquals(1, ProcTable.read(ProcSource.system(), 1).pid);
        Path named = Files.copy(Paths.get("/bin/sleep"), dir.resolve("a\nb)c"));
        Process child = tagged.start(List.of(named.toString(), "30"));
        try {
            ProcEntry e = null;
            // Until the exec is done (before it, the child is still a copy of this JVM) and sleep sleeps.
            for (int i = 0; i < 500 && (e == null || !e.command.equals("a\nb)c") || e.state != 'S'); i++) {
                Thread.sleep(10);
                e = ProcTable.read(ProcSource.system(), (int) child.pid());
            }
            assertNotNull(e);
            assertEquals("a\nb)c", e.command);
            assertEquals(ProcessHandle.current().pid(), e.ppid);
            assertEquals('S', e.state);
            assertEquals(1, e.threads);
        } finally {
            child.destroyForcibly().waitFor();
        }
    }

    @Test
    void malformedLinesAreNull() {
        assertNull(ProcTable.parseStat(1, ""));
        assertNull(ProcTable.parseStat(1, "1 (x) S 0"));
        assertNull(ProcTable.parseStat(1, "1 no-parens S 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"));
        assertNull(ProcTable.parseStat(2, new FakeProc().put(1, 0, 'S', 1, 1, "pid mismatch").stat(1)));
        assertNull(ProcTable.parseStat(1, new FakeProc().putRaw(1, "1 (x) S notanumber").stat(1)));
    }

    @Test
    void zombieWithThreadsLeftHasNotExited() {
        FakeProc proc = new FakeProc().put(10, 1, 'Z', 2, 5, "z").put(11, 1, 'Z', 1, 5, "z").put(12, 1, 'X', 0, 5, "x");
        assertFalse(ProcTable.read(proc, 10).hasExited(), "a thread of the zombie leader may still hold resources");
        assertTrue(ProcTable.read(proc, 11).hasExited());
        assertTrue(ProcTable.read(proc, 12).hasExited());
    }

    @Test
    void scanSkipsVanishedUnreadableAndInvisibleEntries() {
        FakeProc proc = new FakeProc().put(10, 1, 'S', 1, 100, "root").put(11, 10, 'S', 1, 101, "kid")
                .put(12, 10, 'S', 1, 102, "hidden").put(13, 10, 'S', 1, 103, "invisible").unreadable(12).invisible(13);
        ProcSource vanishing = new ProcSource() {
            @Override
            public int[] pids() {
                int[] listed = proc.pids();
                proc.remove(11); // exits between the listing and the read
                return listed;
            }

            @Override
            public String stat(int pid) {
                return proc.stat(pid);
            }

            @Override
            public boolean hasChildrenFiles() {
                return false;
            }

            @Override
            public int[] children(int pid, boolean allThreads) {
                throw new UnsupportedOperationException("a scan never reads children files");
            }

            @Override
            public String threadStates(int pid) {
                throw new UnsupportedOperationException("a scan never reads thread states");
            }

            @Override
            public String wchan(int pid) {
                throw new UnsupportedOperationException("a scan never reads wchan");
            }

            @Override
            public long openFilesLimit() {
                return Long.MAX_VALUE;
            }

            @Override
            public int tgid(int pid) {
                return proc.tgid(pid);
            }

            @Override
            public int uid(int pid) {
                throw new UnsupportedOperationException("a scan never reads uids");
            }

            @Override
            public String environ(int pid) {
                throw new UnsupportedOperationException("a scan never reads environments");
            }

            @Override
            public long ticksSinceBoot() {
                throw new UnsupportedOperationException("a scan never reads the clock");
            }
        };
        ProcTable table = ProcTable.scan(vanishing);
        assertEquals(1, table.size());
        assertTrue(table.descendantsOf(table.get(10)).isEmpty());
    }

    @Test
    void descendantsComeParentsFirst() {
        FakeProc proc = new FakeProc().put(10, 1, 'S', 1, 100, "root").put(30, 20, 'S', 1, 103, "grandkid")
                .put(20, 10, 'S', 1, 101, "kid").put(21, 10, 'S', 1, 102, "kid2").put(40, 30, 'S', 1, 104, "great");
        ProcTable table = ProcTable.scan(proc);
        List<Integer> order = table.descendantsOf(table.get(10)).stream().map(e -> e.pid).collect(Collectors.toList());
        assertEquals(List.of(20, 21, 30, 40), order);
    }

    @Test
    void aChildOlderThanItsParentIsAReusedPidNotAChild() {
        // pid 20 is recycled: the process now at 20 started after 30, which was a child of the old 20.
        FakeProc proc = new FakeProc().put(10, 1, 'S', 1, 100, "root").put(20, 10, 'S', 1, 500, "new owner of 20")
                .put(30, 20, 'S', 1, 300, "orphan of the old 20");
        ProcTable table = ProcTable.scan(proc);
        List<Integer> order = table.descendantsOf(table.get(10)).stream().map(e -> e.pid).collect(Collectors.toList());
        assertEquals(List.of(20), order);
    }

    @Test
    void childrenFilesListTheRealChildrenOfEveryThread() throws Exception {
        ProcSource system = ProcSource.system();
        org.junit.jupiter.api.Assumptions.assumeTrue(system.hasChildrenFiles(), "kernel without CONFIG_PROC_CHILDREN");
        Process a = new ProcessBuilder("sleep", "30").start();
        Process b = new ProcessBuilder("sleep", "30").start(); // started from this thread; JDK forks elsewhere too
        try {
            int[] kids = system.children((int) ProcessHandle.current().pid(), true);
            Set<Integer> found = java.util.Arrays.stream(kids).boxed().collect(Collectors.toSet());
            assertTrue(found.contains((int) a.pid()) && found.contains((int) b.pid()), found.toString());
            assertEquals(0, system.children(Integer.MAX_VALUE, true).length, "a pid that does not exist has no children");
        } finally {
            a.destroyForcibly();
            b.destroyForcibly();
        }
    }

    @Test
    void readsThisProcesssOpenFilesLimit() {
        long limit = ProcSource.system().openFilesLimit();
        assertTrue(limit >= 64 && limit <= Long.MAX_VALUE, "limit " + limit);
    }

    @Test
    void ancestorsStopAtPidOneAndSurviveCycles() {
        FakeProc proc = new FakeProc().put(50, 40, 'S', 1, 9, "me").put(40, 30, 'S', 1, 8, "p").put(30, 1, 'S', 1, 7, "gp");
        assertEquals(Set.of(40, 30), ProcTable.ancestorsOf(proc, 50));
        FakeProc cycle = new FakeProc().put(5, 6, 'S', 1, 1, "a").put(6, 5, 'S', 1, 1, "b");
        assertEquals(Set.of(5, 6), ProcTable.ancestorsOf(cycle, 5));
    }

    @Test
    void realAncestorsIncludeTheParentOfThisJvm() {
        long parent = ProcessHandle.current().parent().get().pid();
        assertTrue(ProcTable.ancestorsOf(ProcSource.system(), (int) ProcessHandle.current().pid()).contains((int) parent));
    }
}
