package dev.treekill.agent.cli;

import dev.treekill.agent.proc.ProcEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * Whether a pid can be a JVM, asked before the Attach API is: for a process that is no JVM, HotSpot's attach
 * waits about 10 s for a socket that never comes and then says "HotSpot VM not loaded". The answer comes from
 * {@code /proc/<pid>/maps}: a HotSpot JVM maps {@code libjvm.so} (and its {@code lib/modules} image), shown with
 * a trailing {@code " (deleted)"} once its JDK's files were replaced on disk (an in-place upgrade). A process
 * whose attach socket ({@code /tmp/.java_pid<nspid>} in its own root) exists is never refused, unless that file
 * is older than the process: a JVM killed by SIGKILL leaves its socket file behind, and a later process given
 * the same pid is no JVM for it. Where the maps
 * cannot be read (another user's process, no /proc), or a missing pid may be one hidden by {@code hidepid},
 * nothing more is concluded than can be: a false "no JVM" would refuse a real one.
 */
final class JvmCheck {
    private static final String DELETED = " (deleted)";

    /**
     * How much older than its process an attach socket may look and still be taken for its own: the process's
     * start in wall-clock time is derived (now minus uptime plus start ticks), so it carries the 10 ms ticks of
     * both and any step of the wall clock since. A leftover is older by the time pids take to wrap: far more.
     */
    static final long SOCKET_AGE_SLACK_MILLIS = 1000;

    private final Path proc;
    private final LongSupplier wallClockMillis;

    JvmCheck(Path proc, LongSupplier wallClockMillis) {
        this.proc = proc;
        this.wallClockMillis = wallClockMillis;
    }

    static JvmCheck ofThisMachine() {
        return new JvmCheck(Paths.get("/proc"), System::currentTimeMillis);
    }

    /** Why {@code pid} is certainly not a JVM to attach to, or null when it may be one (or cannot be told). */
    String whyNotAJvm(long pid) {
        Path dir = proc.resolve(Long.toString(pid));
        if (!Files.isDirectory(dir)) {
            return whyAbsent(pid);
        }
        try (Stream<String> lines = Files.lines(dir.resolve("maps"))) {
            if (lines.anyMatch(JvmCheck::mapsAJvmFile) || hasAttachSocket(dir, pid)) {
                return null;
            }
            return "pid " + pid + " is not a Java process (no libjvm.so in /proc/" + pid + "/maps)";
        } catch (NoSuchFileException e) {
            return null; // gone since, or a /proc without maps: the attach tells
        } catch (IOException | UncheckedIOException | SecurityException e) {
            return null; // not ours to read: the attach tells
        }
    }

    /**
     * A pid with no /proc entry: absent where /proc shows every process (pid 1 is seen), else it may be one that
     * hidepid hides from this user. Null where this is no /proc at all.
     */
    private String whyAbsent(long pid) {
        if (!Files.isDirectory(proc.resolve("self"))) {
            return null;
        }
        return Files.isDirectory(proc.resolve("1")) ? "pid " + pid + " does not exist"
                : "pid " + pid + " does not exist or is hidden from this user (/proc mounted with hidepid)";
    }

    /** A maps line naming HotSpot's library or the JDK's modules image, also after the file was replaced on disk. */
    static boolean mapsAJvmFile(String line) {
        String path = line.endsWith(DELETED) ? line.substring(0, line.length() - DELETED.length()) : line;
        return path.endsWith("/libjvm.so") || path.endsWith("/lib/modules");
    }

    /**
     * Whether the JVM's attach socket is there: {@code /proc/<pid>/root/tmp/.java_pid<nspid>}, the pid as the
     * process's own PID namespace names it (the last field of the NSpid line of its status; {@code pid} itself
     * where the kernel has no such line), made since the process started. Whatever maps say, a process with it
     * listens for attach. Where the age cannot be told, the socket counts: the attach tells.
     */
    private boolean hasAttachSocket(Path dir, long pid) {
        try {
            Path socket = dir.resolve("root").resolve("tmp").resolve(".java_pid" + namespacePid(dir, pid));
            long madeMillis = Files.getLastModifiedTime(socket).toMillis();
            long startedMillis = startedAtMillis(dir);
            return startedMillis < 0 || madeMillis >= startedMillis - SOCKET_AGE_SLACK_MILLIS;
        } catch (IOException | SecurityException e) {
            return false; // no socket (or none this user may see)
        }
    }

    /**
     * When the process of {@code dir} started, in wall-clock ms: now minus /proc/uptime plus its start ticks
     * (field 22 of its stat, in ticks since boot); -1 if either cannot be read.
     */
    private long startedAtMillis(Path dir) {
        try {
            String uptime = Files.readString(proc.resolve("uptime"), StandardCharsets.ISO_8859_1);
            String stat = Files.readString(dir.resolve("stat"), StandardCharsets.ISO_8859_1);
            long uptimeMillis = (long) (Double.parseDouble(uptime.substring(0, uptime.indexOf(' '))) * 1000);
            String[] afterCommand = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            long startTicks = Long.parseLong(afterCommand[STARTTIME_AFTER_COMMAND]);
            return wallClockMillis.getAsLong() - uptimeMillis + startTicks * ProcEntry.MILLIS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return -1; // gone, unreadable or malformed: the age cannot be told
        }
    }

    /** starttime (field 22 of /proc/[pid]/stat) counted from the state (field 3), the first field after ")". */
    private static final int STARTTIME_AFTER_COMMAND = 22 - 3;

    private static long namespacePid(Path dir, long pid) {
        try {
            List<String> status = Files.readAllLines(dir.resolve("status"), StandardCharsets.ISO_8859_1);
            for (String line : status) {
                if (line.startsWith("NSpid:")) {
                    String[] fields = line.substring("NSpid:".length()).trim().split("\\s+");
                    return Long.parseLong(fields[fields.length - 1]);
                }
            }
        } catch (IOException | UncheckedIOException | NumberFormatException | SecurityException e) {
            // no status to read, or a strange one: the pid as this /proc names it
        }
        return pid;
    }
}
