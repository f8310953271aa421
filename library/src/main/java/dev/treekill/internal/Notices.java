package dev.treekill.internal;

import java.io.PrintStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.NOPLoggerFactory;

/**
 * Where the library and the JUnit extension tell the user what must not vanish (an agent that could not be
 * installed as asked, leaks, survivors): through the given SLF4J logger when the application has an SLF4J
 * binding that takes the level, else on stderr, each line prefixed {@code [treekill]}. Many applications and
 * suites have no binding (SLF4J then hands out no-operation loggers); one with a binding gets the text where its
 * other logs go, not twice. Not API.
 */
public final class Notices {
    private static final String PREFIX = "[treekill] ";

    private Notices() {
    }

    /** {@code text} at WARN, with {@code cause} (may be null) where SLF4J shows it; else on stderr. */
    public static void warn(Logger log, String text, Throwable cause) {
        if (slf4jShows() && log.isWarnEnabled()) {
            log.warn("{}", text, cause);
        } else {
            print(text);
        }
    }

    /** {@code text} at ERROR where SLF4J shows it; else on stderr. */
    public static void error(Logger log, String text) {
        if (slf4jShows() && log.isErrorEnabled()) {
            log.error("{}", text);
        } else {
            print(text);
        }
    }

    /** Whether SLF4J has a binding: without one it hands out no-operation loggers (slf4j-nop does too). */
    static boolean slf4jShows() {
        return !(LoggerFactory.getILoggerFactory() instanceof NOPLoggerFactory);
    }

    private static void print(String text) {
        PrintStream err = System.err;
        for (String line : text.split("\n")) {
            err.println(PREFIX + line);
        }
    }
}
