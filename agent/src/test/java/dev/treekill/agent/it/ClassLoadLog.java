package dev.treekill.agent.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JVM's class loading as {@code -Xlog:class+load=info:file=<path>:tid} writes it ({@link #jvmArg}): which thread
 * loaded which class, in order.
 */
final class ClassLoadLog {
    /** {@code [<tid>] <class name> source: <where>}. */
    private static final Pattern LOADED = Pattern.compile("^\\[(\\d+)\\]\\s*(\\S+) source: (.*)$");
    static final String AGENT_PACKAGES = "dev.treekill.";

    /** One class loaded: by which native thread (tid), and its name. */
    static final class Loaded {
        final String tid;
        final String name;

        Loaded(String tid, String name) {
            this.tid = tid;
            this.name = name;
        }
    }

    private ClassLoadLog() {
    }

    /** The JVM option that writes the log this class reads into {@code file}. */
    static String jvmArg(Path file) {
        return "-Xlog:class+load=info:file=" + file + ":tid";
    }

    static List<Loaded> read(Path file) throws IOException {
        List<Loaded> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            Matcher m = LOADED.matcher(line);
            if (m.matches()) {
                out.add(new Loaded(m.group(1), m.group(2)));
            }
        }
        return out;
    }

    /** The thread that loaded {@code marker}, or null if nobody did. */
    static String loaderOf(List<Loaded> log, Class<?> marker) {
        for (Loaded l : log) {
            if (l.name.equals(marker.getName())) {
                return l.tid;
            }
        }
        return null;
    }

    /**
     * The agent's classes that thread {@code tid} loaded after {@code from} (exclusive) and before {@code to}, in
     * order; from the log's start when {@code from} is null.
     */
    static List<String> agentClassesBetween(List<Loaded> log, String tid, Class<?> from, Class<?> to) {
        List<String> out = new ArrayList<>();
        boolean in = from == null;
        for (Loaded l : log) {
            if (!l.tid.equals(tid)) {
                continue;
            }
            if (l.name.equals(to.getName())) {
                break;
            }
            if (in && l.name.startsWith(AGENT_PACKAGES)) {
                out.add(l.name);
            }
            in |= from != null && l.name.equals(from.getName());
        }
        return out;
    }
}
