package dev.treekill.agent.options;

import dev.treekill.agent.log.Log;
import dev.treekill.mbeans.Durations;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The agent's options, {@code key=value,key=value}, parsed strictly: an unknown key or a bad value is an
 * {@link IllegalArgumentException} that names it and lists every valid key, so a typo stops the JVM
 * instead of silently running with defaults. The message carries no prefix: whoever shows it adds the one of
 * its surface ({@code [treekill]} at premain, {@code treekill:} on the command line, the library's own).
 */
public final class AgentOptions {
    public enum OnTimeout { WARN, THROW }

    /**
     * What destroy() does: SIGTERM to the whole tree; to the root only (the JDK's own behaviour); or, like
     * systemd's {@code KillMode=mixed}, SIGTERM to the root only and, when {@code grace} ends, SIGKILL to
     * whatever is left of the whole tree as it was at destroy() (so it needs {@code grace}).
     */
    public enum DestroyMode { TREE, CHILD, MIXED }

    public enum Scope { DESCENDANTS, USER }

    static final String VALID_KEYS =
            "timeout=<duration>, warn=<duration>, onTimeout=warn|throw, destroy=tree|child|mixed, "
                    + "jmx=true|false, scope=descendants|user, log=off|warn|info|debug, cookie=true|false, "
                    + "subreaper=true|false, grace=<duration>|off, exitKill=true|false";

    private static final long DEFAULT_TIMEOUT_MILLIS = 30_000;
    private static final long MAX_DEFAULT_WARN_MILLIS = 10_000;

    private long timeoutMillis = DEFAULT_TIMEOUT_MILLIS;
    private Long warnMillis;
    private OnTimeout onTimeout = OnTimeout.WARN;
    private DestroyMode destroy = DestroyMode.TREE;
    private boolean jmx = true;
    private Scope scope = Scope.DESCENDANTS;
    private Log.Level log = Log.Level.WARN;
    private boolean cookie = true;
    private boolean subreaper;
    /** 0: off. */
    private long graceMillis;
    private boolean exitKill;

    private AgentOptions() {
    }

    public static AgentOptions defaults() {
        return new AgentOptions();
    }

    /** Parses the text after {@code -javaagent:treekill-agent.jar=}; null or blank means all defaults. */
    public static AgentOptions parse(String text) {
        AgentOptions options = new AgentOptions();
        for (Map.Entry<String, String> e : split(text).entrySet()) {
            options.set(e.getKey(), e.getValue());
        }
        if (options.destroy == DestroyMode.MIXED && options.graceMillis == 0) {
            throw bad("destroy=mixed needs grace=<duration>: how long the root has to stop the rest of its tree"
                    + " before what is left gets SIGKILL");
        }
        return options;
    }

    private static Map<String, String> split(String text) {
        Map<String, String> pairs = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return pairs;
        }
        for (String pair : text.split(",", -1)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw bad("'" + pair + "' is not key=value");
            }
            String key = pair.substring(0, eq).trim();
            if (pairs.put(key, pair.substring(eq + 1).trim()) != null) {
                throw bad("'" + key + "' is given twice");
            }
        }
        return pairs;
    }

    private void set(String key, String value) {
        switch (key) {
            case "timeout":
                timeoutMillis = positiveDuration(key, value);
                break;
            case "warn":
                warnMillis = positiveDuration(key, value);
                break;
            case "onTimeout":
                onTimeout = choice(key, value, OnTimeout.class);
                break;
            case "destroy":
                destroy = choice(key, value, DestroyMode.class);
                break;
            case "jmx":
                jmx = choice(key, value, Bool.class) == Bool.TRUE;
                break;
            case "scope":
                scope = choice(key, value, Scope.class);
                break;
            case "log":
                log = choice(key, value, Log.Level.class);
                break;
            case "cookie":
                cookie = choice(key, value, Bool.class) == Bool.TRUE;
                break;
            case "subreaper":
                subreaper = choice(key, value, Bool.class) == Bool.TRUE;
                break;
            case "grace":
                graceMillis = "off".equalsIgnoreCase(value) ? 0 : positiveDuration(key, value);
                break;
            case "exitKill":
                exitKill = choice(key, value, Bool.class) == Bool.TRUE;
                break;
            default:
                throw bad("unknown option '" + key + "'");
        }
    }

    private enum Bool { TRUE, FALSE }

    /** The duration rule every entry point shares ({@link Durations}), its reason framed as an option error. */
    private static long positiveDuration(String key, String value) {
        try {
            return Durations.positive(key, Durations.parseMillis(value));
        } catch (IllegalArgumentException e) {
            throw bad("bad value for " + key + ": " + e.getMessage());
        }
    }

    private static <E extends Enum<E>> E choice(String key, String value, Class<E> type) {
        for (E e : type.getEnumConstants()) {
            if (e.name().toLowerCase(Locale.ROOT).equals(value.toLowerCase(Locale.ROOT))) {
                return e;
            }
        }
        throw bad("bad value for " + key + ": '" + value + "'");
    }

    private static IllegalArgumentException bad(String what) {
        return new IllegalArgumentException(what + ". Valid options: " + VALID_KEYS);
    }

    public long timeoutMillis() {
        return timeoutMillis;
    }

    /** {@code warn} if given, else {@link #defaultWarnMillis} of {@code timeout}. */
    public long warnMillis() {
        return warnMillis != null ? warnMillis : defaultWarnMillis(timeoutMillis);
    }

    /**
     * The one computation of a default warn delay, as the README states it for the {@code warn} option:
     * min(10 s, timeout / 2). Used where no warn is configured: the option left out, and the command line's own
     * kill (which has no agent settings). A configured warn (the option, or the MBean's WarnAfterMillis) is used
     * as it is by every kill of the agent, whatever its timeout: a warn at or after the timeout is never given
     * (see the engine's Deadline).
     */
    public static long defaultWarnMillis(long timeoutMillis) {
        return Math.min(MAX_DEFAULT_WARN_MILLIS, timeoutMillis / 2);
    }

    public OnTimeout onTimeout() {
        return onTimeout;
    }

    public DestroyMode destroy() {
        return destroy;
    }

    public boolean jmx() {
        return jmx;
    }

    public Scope scope() {
        return scope;
    }

    public Log.Level log() {
        return log;
    }

    /** Whether every started process carries a TREEKILL_COOKIE, so that its daemonized escapees are found. */
    public boolean cookie() {
        return cookie;
    }

    /** Whether the JVM makes itself a child subreaper (and reaps the orphans it adopts). */
    public boolean subreaper() {
        return subreaper;
    }

    /** How long destroy()'s SIGTERM is given before SIGKILL; 0 when off (SIGTERM only). */
    public long graceMillis() {
        return graceMillis;
    }

    /** Whether every live descendant tree is killed when the JVM exits. */
    public boolean exitKill() {
        return exitKill;
    }

    @Override
    public String toString() {
        return "timeout=" + Durations.format(timeoutMillis) + ",warn=" + Durations.format(warnMillis())
                + ",onTimeout=" + lower(onTimeout) + ",destroy=" + lower(destroy) + ",jmx=" + jmx
                + ",scope=" + lower(scope) + ",log=" + lower(log) + ",cookie=" + cookie + ",subreaper=" + subreaper
                + ",grace=" + (graceMillis == 0 ? "off" : Durations.format(graceMillis)) + ",exitKill=" + exitKill;
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
