package dev.treekill.agent.proc;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** {@link ProcSource} over the real /proc file system. */
final class ProcFs implements ProcSource {
    static final ProcFs INSTANCE = new ProcFs();

    /** A stat line is well under 1 KiB; the buffer is per thread because kills may run concurrently. */
    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[2048]);

    private ProcFs() {
    }

    @Override
    public int[] pids() {
        String[] names = new File("/proc").list();
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
        return java.util.Arrays.copyOf(pids, n);
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

    @Override
    public String stat(int pid) {
        byte[] buf = BUFFER.get();
        try (FileInputStream in = new FileInputStream("/proc/" + pid + "/stat")) {
            int n = 0;
            int r;
            while (n < buf.length && (r = in.read(buf, n, buf.length - n)) > 0) {
                n += r;
            }
            return new String(buf, 0, n, StandardCharsets.ISO_8859_1);
        } catch (IOException gone) {
            // ENOENT (exited and reaped), ESRCH (exiting), EACCES (hidepid): all mean "not ours to see".
            return null;
        }
    }
}
