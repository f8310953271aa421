package dev.treekill.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tells a running process from one that is gone. A zombie counts as gone: it has already released its
 * memory, ports and files, yet the JDK still reports it as alive.
 */
final class ProcStates {
    private static final Path PROC = Path.of("/proc");
    private static final boolean HAS_PROC = Files.isDirectory(PROC);

    private ProcStates() {
    }

    static boolean isRunning(ProcessHandle process) {
        // Handles remember their start time, so isAlive() is false for a pid that was reused since.
        if (!process.isAlive()) {
            return false;
        }
        if (!HAS_PROC) {
            return true;
        }
        try {
            char state = stateOf(Files.readString(PROC.resolve(Long.toString(process.pid())).resolve("stat"),
                    StandardCharsets.US_ASCII));
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false; // the process vanished between the two checks
        }
    }

    /** The state field of /proc/[pid]/stat; it follows the command name, which may itself contain ')' and spaces. */
    static char stateOf(String stat) {
        return stat.charAt(stat.lastIndexOf(')') + 2);
    }

    /**
     * Whether {@code process}'s environment (as it was at its exec, from /proc/[pid]/environ) holds
     * {@code name=value}. False when it cannot be read: no /proc, gone, or another user's process.
     */
    static boolean hasVariable(ProcessHandle process, String name, String value) {
        if (!HAS_PROC) {
            return false;
        }
        try {
            byte[] environ = Files.readAllBytes(PROC.resolve(Long.toString(process.pid())).resolve("environ"));
            String wanted = name + "=" + value;
            for (String entry : new String(environ, StandardCharsets.UTF_8).split("\0")) {
                if (entry.equals(wanted)) {
                    return true;
                }
            }
            return false;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }
}
