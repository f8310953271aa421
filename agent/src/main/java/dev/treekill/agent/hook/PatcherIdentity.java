package dev.treekill.agent.hook;

import dev.treekill.agent.sys.JvmOptionVariables;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.Adler32;
import java.util.zip.CRC32;

/**
 * Which agent a cached patch came from (see {@link PatchCache}): a fingerprint of the agent jar(s) this JVM was
 * started with, so a patch cached by another build of the agent is never used (it could call a Hooks method that
 * no longer exists). Any rebuild of the jar changes its size, modification time or inode, and so the identity;
 * reading the jar's bytes instead cost 30-360 ms per JVM, far more than a cache hit saves (~10 ms).
 *
 * <p>The jars are the {@code -javaagent:<path>[=options]} arguments of {@code /proc/self/cmdline}. An agent given
 * any other way (JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS, an @argfile, dynamic attach) leaves no such argument: then
 * there is no identity, and no cache. Where options may come from elsewhere (an @argfile or -XX:VMOptionsFile on
 * the command line, a -javaagent in JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS or _JAVA_OPTIONS) there is none either:
 * the command line's agents could then be others (a coverage agent, say), whose jars do not change with ours.
 * Every argument counts, also the application's own after the main class: that only costs a cache hit.
 */
final class PatcherIdentity {
    private static final String JAVAAGENT = "-javaagent:";
    /** Environment variables from which the JVM or the launcher takes options that /proc/self/cmdline lacks. */

    private PatcherIdentity() {
    }

    /**
     * The identity of the agent jars of this JVM; null if none is named on its command line, options may come
     * from elsewhere, or /proc cannot be read. Not logged: at log=debug every JVM would print it (ColdKillIT
     * allows only kill reports).
     */
    static String ofRunningJvm() {
        // FileInputStream, not System.getenv: this may run while ProcessEnvironment itself loads.
        try (FileInputStream cmdline = new FileInputStream("/proc/self/cmdline");
                FileInputStream environ = new FileInputStream("/proc/self/environ")) {
            return ofCommandLine(cmdline.readAllBytes(), environ.readAllBytes(), System.getProperty("java.home", ""));
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Adler-32 and CRC-32 (16 hex digits) over {@code javaHome} and, for each {@code -javaagent:} argument of
     * {@code cmdline} (NUL-separated, as in /proc/pid/cmdline) whose path (up to the first '=') is a regular file,
     * its absolute (normalized) path, size, modification time (ns), device and inode; null if there is no such
     * file, or if options may come from elsewhere: an {@code @argfile} or {@code -XX:VMOptionsFile=} argument, or
     * a {@code -javaagent:} in an option variable of {@code environ} (NUL-separated NAME=value, as in
     * /proc/pid/environ).
     */
    static String ofCommandLine(byte[] cmdline, byte[] environ, String javaHome) {
        for (String variable : strings(environ, "J_")) {
            if (JvmOptionVariables.sets(variable) && variable.contains(JAVAAGENT)) {
                return null;
            }
        }
        StringBuilder fingerprint = new StringBuilder(javaHome).append('\n');
        boolean anyJar = false;
        for (String arg : strings(cmdline, null)) {
            if (arg.startsWith("@") || arg.startsWith("-XX:VMOptionsFile=")) {
                return null;
            }
            if (arg.startsWith(JAVAAGENT)) {
                String jar = arg.substring(JAVAAGENT.length());
                int options = jar.indexOf('=');
                anyJar |= appendJar(fingerprint, options < 0 ? jar : jar.substring(0, options));
            }
        }
        if (!anyJar) {
            return null;
        }
        byte[] bytes = fingerprint.toString().getBytes(StandardCharsets.UTF_8);
        // Both native in the JDK (CRC32C is Java code, slow in the interpreter, where this runs).
        Adler32 adler32 = new Adler32();
        adler32.update(bytes, 0, bytes.length);
        CRC32 crc32 = new CRC32();
        crc32.update(bytes, 0, bytes.length);
        return hex8(adler32.getValue()) + hex8(crc32.getValue());
    }

    /**
     * The NUL-terminated strings of a /proc file (a last one without its NUL too), only those starting with one
     * of {@code firstChars} (ASCII; null: all): decoding every variable of a large environment costs.
     */
    private static List<String> strings(byte[] nulSeparated, String firstChars) {
        List<String> strings = new ArrayList<>();
        for (int start = 0, end; start < nulSeparated.length; start = end + 1) {
            end = start;
            while (end < nulSeparated.length && nulSeparated[end] != 0) {
                end++;
            }
            if (firstChars != null && (end == start || firstChars.indexOf(nulSeparated[start]) < 0)) {
                continue;
            }
            strings.add(new String(nulSeparated, start, end - start, StandardCharsets.UTF_8));
        }
        return strings;
    }

    /** Appends one line for {@code jar} if it is a regular file (following links); whether it did. */
    private static boolean appendJar(StringBuilder fingerprint, String jar) {
        try {
            Path path = Path.of(jar).toAbsolutePath().normalize();
            Map<String, Object> a = Files.readAttributes(path, "unix:isRegularFile,size,lastModifiedTime,dev,ino");
            if (!(Boolean) a.get("isRegularFile")) {
                return false;
            }
            fingerprint.append(path).append('\0').append(a.get("size")).append('\0')
                    .append(((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS)).append('\0')
                    .append(a.get("dev")).append('\0').append(a.get("ino")).append('\n');
            return true;
        } catch (IOException | InvalidPathException | UnsupportedOperationException e) {
            return false; // no such file, or no unix view: this jar adds nothing
        }
    }

    /** Eight hex digits (no Formatter: this may run while java.base classes are still loading). */
    private static String hex8(long value) {
        String hex = Long.toHexString(value);
        return "00000000".substring(hex.length()) + hex;
    }
}
