package dev.treekill.agent.proc;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** {@link ProcSource} over the real /proc file system. */
final class ProcFs implements ProcSource {
    static final ProcFs INSTANCE = new ProcFs();

    /** Per thread because kills may run concurrently; grown for a children file of many pids. */
    private static final ThreadLocal<byte[][]> BUFFER = new ThreadLocal<byte[][]>() {
        @Override
        protected byte[][] initialValue() {
            return new byte[][] {new byte[2048]};
        }
    };

    /** CONFIG_PROC_CHILDREN: every Debian, Ubuntu, RHEL and Fedora kernel has it, but it is optional. */
    private final boolean childrenFiles = new File("/proc/self/task").isDirectory()
            && new File("/proc/thread-self/children").exists();

    private ProcFs() {
    }

    @Override
    public int[] pids() {
        return numbers(new File("/proc").list());
    }

    @Override
    public String stat(int pid) {
        if (pid <= 0) {
            return null; // no such process; its path would name /proc/stat
        }
        int n = read(statPath(pid), true);
        return n < 0 ? null : new String(BUFFER.get()[0], 0, n, StandardCharsets.ISO_8859_1);
    }

    @Override
    public boolean hasChildrenFiles() {
        return childrenFiles;
    }

    @Override
    public int[] children(int pid, boolean allThreads) {
        String task = "/proc/" + pid + "/task/";
        int[] tids = allThreads ? numbers(new File(task).list()) : new int[] {pid};
        int[] out = new int[16];
        int count = 0;
        for (int tid : tids) {
            int n = read(task + tid + "/children", false);
            byte[] buf = BUFFER.get()[0];
            int value = -1;
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (b >= '0' && b <= '9') {
                    value = (value < 0 ? 0 : value * 10) + (b - '0');
                } else if (value >= 0) {
                    if (count == out.length) {
                        out = Arrays.copyOf(out, count * 2);
                    }
                    out[count++] = value;
                    value = -1;
                }
            }
        }
        return Arrays.copyOf(out, count);
    }

    @Override
    public String threadStates(int pid) {
        String task = "/proc/" + pid + "/task/";
        StringBuilder states = new StringBuilder();
        for (int tid : numbers(new File(task).list())) {
            int n = read(task + tid + "/stat", true);
            ProcEntry thread = n < 0 ? null
                    : ProcTable.parseStat(tid, new String(BUFFER.get()[0], 0, n, StandardCharsets.ISO_8859_1));
            if (thread != null) {
                states.append(thread.state);
            }
        }
        return states.toString();
    }

    @Override
    public long openFilesLimit() {
        int n = read("/proc/self/limits", false);
        String limits = n < 0 ? "" : new String(BUFFER.get()[0], 0, n, StandardCharsets.ISO_8859_1);
        // By hand, no split: a regex compiled here would be compiled inside the first kill.
        int at = limits.indexOf("Max open files");
        if (at < 0) {
            return Long.MAX_VALUE;
        }
        int i = at + "Max open files".length();
        while (i < limits.length() && limits.charAt(i) == ' ') {
            i++;
        }
        long soft = 0;
        int digits = 0;
        for (; i < limits.length() && limits.charAt(i) >= '0' && limits.charAt(i) <= '9' && digits < 18; i++, digits++) {
            soft = soft * 10 + (limits.charAt(i) - '0');
        }
        return digits == 0 ? Long.MAX_VALUE : soft; // "unlimited" is not a number
    }

    @Override
    public int uid(int pid) {
        return statusNumber(pid, "\nUid:");
    }

    @Override
    public int tgid(int pid) {
        return statusNumber(pid, "\nTgid:");
    }

    /** The first number after {@code label} in /proc/[pid]/status, or -1 if it is gone or unreadable. */
    private int statusNumber(int pid, String label) {
        String status = text("/proc/" + pid + "/status");
        int at = status == null ? -1 : status.indexOf(label);
        if (at < 0) {
            return -1;
        }
        int i = at + label.length();
        while (i < status.length() && (status.charAt(i) == '\t' || status.charAt(i) == ' ')) {
            i++;
        }
        int value = 0;
        int digits = 0;
        for (; i < status.length() && status.charAt(i) >= '0' && status.charAt(i) <= '9' && digits < 10; i++, digits++) {
            value = value * 10 + (status.charAt(i) - '0');
        }
        return digits == 0 ? -1 : value;
    }

    @Override
    public String environ(int pid) {
        return text("/proc/" + pid + "/environ");
    }

    @Override
    public long ticksSinceBoot() {
        String uptime = text("/proc/uptime");
        int space = uptime == null ? -1 : uptime.indexOf(' ');
        try {
            return space < 0 ? -1 : (long) (Double.parseDouble(uptime.substring(0, space)) * (1000 / ProcEntry.MILLIS_PER_TICK));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String text(String path) {
        int n = read(path, false);
        return n < 0 ? null : new String(BUFFER.get()[0], 0, n, StandardCharsets.ISO_8859_1);
    }

    @Override
    public String wchan(int pid) {
        int n = read("/proc/" + pid + "/wchan", false);
        return n < 0 ? "" : new String(BUFFER.get()[0], 0, n, StandardCharsets.ISO_8859_1).trim();
    }

    private static final byte[] PROC = "/proc/".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] STAT = "/stat".getBytes(StandardCharsets.ISO_8859_1);

    /**
     * "/proc/[pid]/stat" for {@code pid} &gt; 0, written digit by digit: a wait builds one per process, often before the JIT has compiled
     * anything, where a string concatenation costs twice as much (measured: 4.5 against 2 ms for 1000).
     */
    private static String statPath(int pid) {
        int digits = 1;
        for (int rest = pid; rest >= 10; rest /= 10) {
            digits++;
        }
        byte[] path = new byte[PROC.length + digits + STAT.length];
        System.arraycopy(PROC, 0, path, 0, PROC.length);
        for (int i = PROC.length + digits - 1, rest = pid; i >= PROC.length; i--, rest /= 10) {
            path[i] = (byte) ('0' + rest % 10);
        }
        System.arraycopy(STAT, 0, path, PROC.length + digits, STAT.length);
        return new String(path, StandardCharsets.ISO_8859_1);
    }

    /**
     * Reads a whole /proc file into this thread's buffer; its length, or -1 if it is gone or unreadable. {@code oneLine}:
     * the file is one line (a stat file), so a read that ends with its newline ends the file, and the read that would
     * return 0 is saved (a wait reads a stat file per process, often before the JIT has compiled this).
     */
    private static int read(String path, boolean oneLine) {
        byte[][] holder = BUFFER.get();
        try (FileInputStream in = new FileInputStream(path)) {
            int n = 0;
            int r;
            while ((r = in.read(holder[0], n, holder[0].length - n)) > 0) {
                n += r;
                if (oneLine && holder[0][n - 1] == '\n') {
                    break;
                }
                if (n == holder[0].length) {
                    holder[0] = Arrays.copyOf(holder[0], n * 2);
                }
            }
            return n;
        } catch (IOException gone) {
            // ENOENT (exited and reaped), ESRCH (exiting), EACCES (hidepid): all mean "not ours to see".
            return -1;
        }
    }

    private static int[] numbers(String[] names) {
        if (names == null) {
            return new int[0];
        }
        int[] pids = new int[names.length];
        int n = 0;
        for (String name : names) {
            int pid = parsePid(name);
            if (pid > 0) {
                pids[n++] = pid;
            }
        }
        return Arrays.copyOf(pids, n);
    }

    private static int parsePid(String name) {
        if (name.isEmpty() || name.length() > 9) {
            return -1;
        }
        int pid = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            pid = pid * 10 + (c - '0');
        }
        return pid;
    }
}
