package dev.treekill.junit.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The test's tag ({@code TREEKILL_TEST_TAG=<uuid>}): every JVM a test starts carries it, and so does every
 * process those start. After each test whatever still carries it is killed, found by the tag alone.
 */
public final class TaggedProcesses implements AfterEachCallback {
    public static final String TAG_VARIABLE = "TREEKILL_TEST_TAG";

    private final String tag = UUID.randomUUID().toString();

    public String tag() {
        return tag;
    }

    /** True if /proc shows {@code pid} and it is neither a zombie nor dead. */
    public static boolean isLive(long pid) {
        String stat = read(Paths.get("/proc", Long.toString(pid), "stat"));
        if (stat == null) {
            return false;
        }
        char state = stat.charAt(stat.lastIndexOf(')') + 2);
        return state != 'Z' && state != 'X';
    }

    /** Live processes carrying this test's tag. */
    public List<Long> survivors() {
        List<Long> out = new ArrayList<>();
        String needle = TAG_VARIABLE + "=" + tag;
        String[] names = new java.io.File("/proc").list();
        for (String name : names == null ? new String[0] : names) {
            if (!name.chars().allMatch(Character::isDigit)) {
                continue;
            }
            String environ = read(Paths.get("/proc", name, "environ"));
            if (environ != null && List.of(environ.split("\0")).contains(needle) && isLive(Long.parseLong(name))) {
                out.add(Long.parseLong(name));
            }
        }
        return out;
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        for (int round = 0; round < 20; round++) {
            List<Long> left = survivors();
            if (left.isEmpty()) {
                return;
            }
            for (long pid : left) {
                // ProcessHandle checks the start time, and we found the pid by our tag: only ours die.
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            Thread.sleep(50);
        }
    }

    private static String read(Path p) {
        try {
            return new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
