package dev.treekill.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
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

    private static final long NOW = 1_800_000_000_000L;

    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @TempDir
    Path proc;

    @Test
    void aProcessWithoutLibjvmIsNoJvm() throws IOException {
        fake(42, SHELL_MAPS);
        assertEquals("pid 42 is not a Java process (no libjvm.so in /proc/42/maps)", check().whyNotAJvm(42));
    }

    @Test
    void aProcessWithLibjvmMayBeAttachedTo() throws IOException {
        fake(42, JVM_MAPS);
        assertNull(check().whyNotAJvm(42));
    }

    /** After an in-place JDK upgrade the maps name the replaced files with " (deleted)": still a JVM (review M1). */
    @Test
    void aJvmWhoseJdkFilesWereReplacedOnDiskIsStillAJvm() throws IOException {
        fake(42, String.join("\n",
                "55d4c0a00000-55d4c0a01000 r--p 00000000 08:01 1234 /usr/lib/jvm/temurin-17/bin/java (deleted)",
                "7f0e1c000000-7f0e1d000000 r-xp 00000000 08:01 5678 /usr/lib/jvm/temurin-17/lib/server/libjvm.so (deleted)",
                ""));
        assertNull(check().whyNotAJvm(42));
        fake(43, "7f0e00000000-7f0e10000000 r--s 00000000 08:01 9999 /usr/lib/jvm/temurin-17/lib/modules (deleted)\n");
        assertNull(check().whyNotAJvm(43), "the modules image alone, replaced");
        fake(44, "7f0e1c000000-7f0e1d000000 r-xp 00000000 08:01 5678 /opt/libjvm.so.bak (deleted)\n");
        assertEquals("pid 44 is not a Java process (no libjvm.so in /proc/44/maps)", check().whyNotAJvm(44));
    }

    /** Whatever its maps say, a process whose attach socket is in its root's /tmp, named by its namespace pid, listens. */
    @Test
    void aProcessWithAnAttachSocketIsNeverRefused() throws IOException {
        fake(42, SHELL_MAPS);
        Path dir = proc.resolve("42");
        Files.writeString(dir.resolve("status"), "Name:\tjava\nTgid:\t42\nNSpid:\t42\t7\nPPid:\t1\n");
        Path tmp = Files.createDirectories(dir.resolve("root").resolve("tmp"));
        Files.createFile(tmp.resolve(".java_pid42"));
        assertEquals("pid 42 is not a Java process (no libjvm.so in /proc/42/maps)", check().whyNotAJvm(42),
                "in its own PID namespace it is pid 7: .java_pid42 is no socket of its");
        Files.createFile(tmp.resolve(".java_pid7"));
        assertNull(check().whyNotAJvm(42));

        fake(43, SHELL_MAPS); // no status: the pid as this /proc names it
        Files.createFile(Files.createDirectories(proc.resolve("43").resolve("root").resolve("tmp")).resolve(".java_pid43"));
        assertNull(check().whyNotAJvm(43));
    }

    @Test
    void aMissingPidIsSaidSoWhereProcShowsEveryProcess() throws IOException {
        Files.createDirectories(proc.resolve("self"));
        Files.createDirectories(proc.resolve("1"));
        assertEquals("pid 7 does not exist", check().whyNotAJvm(7));
    }

    /** Under hidepid, pid 1 is not seen either: a missing pid may be another user's, hidden (review L2). */
    @Test
    void aMissingPidWhereProcHidesPid1MayBeHidden() throws IOException {
        Files.createDirectories(proc.resolve("self"));
        assertEquals("pid 7 does not exist or is hidden from this user (/proc mounted with hidepid)",
                check().whyNotAJvm(7));
    }

    @Test
    void unreadableOrAbsentProcConcludesNothing() throws IOException {
        assertNull(check().whyNotAJvm(7), "no /proc/self: not a /proc, nothing to conclude");
        Files.createDirectories(proc.resolve("9"));
        assertNull(check().whyNotAJvm(9), "no maps file (gone meanwhile, or not readable)");
    }

    /** A JVM killed by SIGKILL leaves its socket file: a later process given its pid is no JVM for it. */
    @Test
    void anAttachSocketOlderThanTheProcessIsALeftover() throws IOException {
        fake(42, SHELL_MAPS);
        Path dir = proc.resolve("42");
        Files.writeString(proc.resolve("uptime"), "5000.00 9000.00\n"); // booted at NOW - 5000 s
        Files.writeString(dir.resolve("stat"), "42 (sh) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 "
                + 400000 + " 2600000 200 18446744073709551615\n"); // started 4000 s after boot: NOW - 1000 s
        Path socket = Files.createFile(Files.createDirectories(dir.resolve("root").resolve("tmp")).resolve(".java_pid42"));
        long started = NOW - 1_000_000;

        Files.setLastModifiedTime(socket, FileTime.fromMillis(started - 60_000));
        assertEquals("pid 42 is not a Java process (no libjvm.so in /proc/42/maps)", check().whyNotAJvm(42),
                "made a minute before the process started");
        Files.setLastModifiedTime(socket, FileTime.fromMillis(started - JvmCheck.SOCKET_AGE_SLACK_MILLIS + 10));
        assertNull(check().whyNotAJvm(42), "within the slack of a derived start time");
        Files.setLastModifiedTime(socket, FileTime.fromMillis(started + 2_000));
        assertNull(check().whyNotAJvm(42), "made after the process started");

        Files.setLastModifiedTime(socket, FileTime.fromMillis(started - 60_000));
        Files.writeString(dir.resolve("stat"), "42 (sh) S 1");
        assertNull(check().whyNotAJvm(42), "a stat that cannot tell the start: the socket counts, the attach tells");
    }

    @Test
    void thisJvmIsAJvmAndAShellIsNot() throws Exception {
        JvmCheck real = JvmCheck.ofThisMachine();
        assertNull(real.whyNotAJvm(ProcessHandle.current().pid()));
        Process shell = tagged.start(List.of("/bin/sh", "-c", "read line"));
        try {
            assertEquals("pid " + shell.pid() + " is not a Java process (no libjvm.so in /proc/" + shell.pid() + "/maps)",
                    real.whyNotAJvm(shell.pid()));
        } finally {
            shell.destroyForcibly().waitFor();
        }
    }

    /** The leftover of a SIGKILLed JVM at a shell's pid, on the real /proc: planted unless one is already there. */
    @Test
    void aShellAtThePidOfAKilledJvmIsNoJvm() throws Exception {
        Process shell = tagged.start(List.of("/bin/sh", "-c", "read line"));
        Path socket = Paths.get("/tmp/.java_pid" + shell.pid());
        boolean planted = false;
        try {
            if (!Files.exists(socket)) {
                Files.createFile(socket);
                planted = true;
                Files.setLastModifiedTime(socket, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
            }
            assertEquals("pid " + shell.pid() + " is not a Java process (no libjvm.so in /proc/" + shell.pid() + "/maps)",
                    JvmCheck.ofThisMachine().whyNotAJvm(shell.pid()));
        } finally {
            if (planted) {
                Files.deleteIfExists(socket);
            }
            shell.destroyForcibly().waitFor();
        }
    }

    private JvmCheck check() {
        return new JvmCheck(proc, () -> NOW);
    }

    private void fake(int pid, String maps) throws IOException {
        Files.createDirectories(proc.resolve("self"));
        Files.writeString(Files.createDirectories(proc.resolve(Integer.toString(pid))).resolve("maps"), maps);
    }
}
