package dev.treekill.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import dev.treekill.testing.TaggedProcesses;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The pre-attach check, over a fake /proc and over this very JVM's. */
class JvmCheckTest {
    private static final String JVM_MAPS = String.join("\n",
            "55d4c0a00000-55d4c0a01000 r--p 00000000 08:01 1234 /usr/lib/jvm/temurin-17/bin/java",
            "7f0e1c000000-7f0e1d000000 r-xp 00000000 08:01 5678 /usr/lib/jvm/temurin-17/lib/server/libjvm.so",
            "7ffd2a000000-7ffd2a021000 rw-p 00000000 00:00 0 [stack]", "");
    private static final String SHELL_MAPS = String.join("\n",
            "55d4c0a00000-55d4c0a01000 r--p 00000000 08:01 1234 /usr/bin/dash",
            "7f0e1c000000-7f0e1d000000 r-xp 00000000 08:01 5678 /usr/lib/x86_64-linux-gnu/libc.so.6", "");

    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @TempDir
    Path proc;

    @Test
    void aProcessWithoutLibjvmIsNoJvm() throws IOException {
        fake(42, SHELL_MAPS);
        assertEquals("pid 42 is not a Java process (no libjvm.so in /proc/42/maps)", new JvmCheck(proc).whyNotAJvm(42));
    }

    @Test
    void aProcessWithLibjvmMayBeAttachedTo() throws IOException {
        fake(42, JVM_MAPS);
        assertNull(new JvmCheck(proc).whyNotAJvm(42));
    }

    /** After an in-place JDK upgrade the maps name the replaced files with " (deleted)": still a JVM (review M1). */
    @Test
    void aJvmWhoseJdkFilesWereReplacedOnDiskIsStillAJvm() throws IOException {
        fake(42, String.join("\n",
                "55d4c0a00000-55d4c0a01000 r--p 00000000 08:01 1234 /usr/lib/jvm/temurin-17/bin/java (deleted)",
                "7f0e1c000000-7f0e1d000000 r-xp 00000000 08:01 5678 /usr/lib/jvm/temurin-17/lib/server/libjvm.so (deleted)",
                ""));
        assertNull(new JvmCheck(proc).whyNotAJvm(42));
        fake(43, "7f0e00000000-7f0e10000000 r--s 00000000 08:01 9999 /usr/lib/jvm/temurin-17/lib/modules (deleted)\n");
        assertNull(new JvmCheck(proc).whyNotAJvm(43), "the modules image alone, replaced");
        fake(44, "7f0e1c000000-7f0e1d000000 r-xp 00000000 08:01 5678 /opt/libjvm.so.bak (deleted)\n");
        assertEquals("pid 44 is not a Java process (no libjvm.so in /proc/44/maps)", new JvmCheck(proc).whyNotAJvm(44));
    }

    /** Whatever its maps say, a process whose attach socket is in its root's /tmp, named by its namespace pid, listens. */
    @Test
    void aProcessWithAnAttachSocketIsNeverRefused() throws IOException {
        fake(42, SHELL_MAPS);
        Path dir = proc.resolve("42");
        Files.writeString(dir.resolve("status"), "Name:\tjava\nTgid:\t42\nNSpid:\t42\t7\nPPid:\t1\n");
        Path tmp = Files.createDirectories(dir.resolve("root").resolve("tmp"));
        Files.createFile(tmp.resolve(".java_pid42"));
        assertEquals("pid 42 is not a Java process (no libjvm.so in /proc/42/maps)", new JvmCheck(proc).whyNotAJvm(42),
                "in its own PID namespace it is pid 7: .java_pid42 is no socket of its");
        Files.createFile(tmp.resolve(".java_pid7"));
        assertNull(new JvmCheck(proc).whyNotAJvm(42));

        fake(43, SHELL_MAPS); // no status: the pid as this /proc names it
        Files.createFile(Files.createDirectories(proc.resolve("43").resolve("root").resolve("tmp")).resolve(".java_pid43"));
        assertNull(new JvmCheck(proc).whyNotAJvm(43));
    }

    @Test
    void aMissingPidIsSaidSoWhereProcShowsEveryProcess() throws IOException {
        Files.createDirectories(proc.resolve("self"));
        Files.createDirectories(proc.resolve("1"));
        assertEquals("pid 7 does not exist", new JvmCheck(proc).whyNotAJvm(7));
    }

    /** Under hidepid, pid 1 is not seen either: a missing pid may be another user's, hidden (review L2). */
    @Test
    void aMissingPidWhereProcHidesPid1MayBeHidden() throws IOException {
        Files.createDirectories(proc.resolve("self"));
        assertEquals("pid 7 does not exist or is hidden from this user (/proc mounted with hidepid)",
                new JvmCheck(proc).whyNotAJvm(7));
    }

    @Test
    void unreadableOrAbsentProcConcludesNothing() throws IOException {
        assertNull(new JvmCheck(proc).whyNotAJvm(7), "no /proc/self: not a /proc, nothing to conclude");
        Files.createDirectories(proc.resolve("9"));
        assertNull(new JvmCheck(proc).whyNotAJvm(9), "no maps file (gone meanwhile, or not readable)");
    }

    @Test
    void thisJvmIsAJvmAndAShellIsNot() throws Exception {
        JvmCheck real = JvmCheck.ofThisMachine();
        assertNull(real.whyNotAJvm(ProcessHandle.current().pid()));
        // A JVM that died by SIGKILL leaves its /tmp/.java_pid<pid> behind: a shell given that pid counts as a maybe-JVM
        // (the attach tells), so take a shell whose pid has no such leftover (bounded).
        Process shell = tagged.start(List.of("/bin/sh", "-c", "read line"));
        for (int i = 0; i < 20 && Files.exists(Paths.get("/tmp/.java_pid" + shell.pid())); i++) {
            shell.destroyForcibly().waitFor();
            shell = tagged.start(List.of("/bin/sh", "-c", "read line"));
        }
        try {
            assertEquals("pid " + shell.pid() + " is not a Java process (no libjvm.so in /proc/" + shell.pid() + "/maps)",
                    real.whyNotAJvm(shell.pid()));
        } finally {
            shell.destroyForcibly().waitFor();
        }
    }

    private void fake(int pid, String maps) throws IOException {
        Files.createDirectories(proc.resolve("self"));
        Files.writeString(Files.createDirectories(proc.resolve(Integer.toString(pid))).resolve("maps"), maps);
    }
}
