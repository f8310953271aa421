package dev.treekill.agent.starts;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * This JVM's cookies: the one place they are minted, the one place the cookie this JVM inherited is read, and the
 * one opt-out rule. Cookies are compared as they stand in an environment block, one char per byte (see
 * {@link Cookies#in}).
 */
public final class CookieIssuer {
    /** The cookie this JVM was started with, one char per byte, or null: asked on each need (a map lookup). */
    private final Supplier<String> inheritedSource;
    /**
     * Unique to this JVM on this machine: its pid and a random number, beneath the cookie it inherited (see
     * {@link Cookies#prefix}); made on the first start.
     */
    private volatile String prefix;
    private final AtomicLong minted = new AtomicLong();

    /** {@code inheritedSource}: the cookie this JVM was started with (one char per byte), or null. */
    public CookieIssuer(Supplier<String> inheritedSource) {
        this.inheritedSource = inheritedSource;
    }

    /** The cookies of this JVM, beneath the one in its own environment. A class, not a lambda: built in premain. */
    public static CookieIssuer forThisJvm() {
        return new CookieIssuer(new Supplier<String>() {
            @Override
            public String get() {
                return fromEnvironment();
            }
        });
    }

    /**
     * For the guard, which kills on behalf of a JVM that is gone: that JVM's cookies, all beginning with {@code
     * family} (what its {@link #family()} returned). It mints nothing of its own.
     */
    public static CookieIssuer ofFamily(String family) {
        CookieIssuer issuer = forThisJvm(); // what the guard inherited is its own, as for any JVM
        issuer.prefix = family;
        return issuer;
    }

    /**
     * TREEKILL_COOKIE of this JVM's environment as the bytes of an environment block: System.getenv decoded them
     * with the platform's charset (sun.jnu.encoding), encoded back here, so that a non-ASCII value is still itself
     * and other bytes that only look alike one char per byte are not.
     */
    private static String fromEnvironment() {
        String value;
        try {
            value = System.getenv(Cookies.VARIABLE);
        } catch (SecurityException e) {
            return null;
        }
        return value == null ? null : new String(value.getBytes(platformCharset()), StandardCharsets.ISO_8859_1);
    }

    private static Charset platformCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding"));
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }

    /** The cookie this JVM was started with (one char per byte), or null. */
    public String inherited() {
        return inheritedSource.get();
    }

    /**
     * A new cookie, unique to one start: this JVM's prefix (pid and a random number, beneath the cookie it
     * inherited), then a sequence number. See {@link Cookies}.
     */
    public String mint() {
        return prefix() + minted.incrementAndGet();
    }

    /** What every cookie of this JVM begins with (made now if no start made it yet); see {@link #ofFamily}. */
    public String family() {
        return prefix();
    }

    /**
     * Whether {@code value} is a cookie this JVM handed out, or one minted beneath one of those (by a nested JVM
     * with the agent): the processes of this JVM's trees, wherever they went.
     */
    public boolean isOurs(String value) {
        String p = prefix;
        return value != null && p != null && value.startsWith(p);
    }

    /**
     * The one opt-out rule: {@code cookie} was set on purpose (by whoever built the ProcessBuilder): it is neither
     * one this JVM handed out nor the one it inherited (which every process it did not tag carries). Such a
     * process is no escapee of anybody's, and outlives the exit kill.
     */
    public boolean isOptOut(String cookie) {
        return cookie != null && !isOurs(cookie) && !cookie.equals(inherited());
    }

    /**
     * Not SecureRandom: a cookie is a name, not a secret, and SecureRandom's providers cost ~20 ms of start-up.
     * The pid makes it unique among the JVMs running here, the random part among those of the same pid.
     */
    private String prefix() {
        String p = prefix;
        if (p == null) {
            synchronized (this) {
                if (prefix == null) {
                    prefix = Cookies.prefix(inherited(), ProcessHandle.current().pid(), new Random().nextInt());
                }
                p = prefix;
            }
        }
        return p;
    }
}
