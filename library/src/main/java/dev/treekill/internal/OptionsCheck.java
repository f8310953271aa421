package dev.treekill.internal;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Agent options checked before an attach, by the agent's own parser ({@code AgentOptions.parse}, the one rule
 * for them): a bad option inside {@code agentmain} only shows as "Agent failed to start!" and an attach error
 * that does not say why. The parser is the boot loader's when the agent is active; else it is loaded from the
 * jar about to be attached in a class loader of its own, dropped after the check (the parser and its log
 * level enum only: no engine, nothing the application's class loader sees).
 */
final class OptionsCheck {
    private static final String PARSER = "dev.treekill.agent.options.AgentOptions";
    /** Options already found good (a suite asks once per class). */
    private static final Map<String, Boolean> GOOD = new ConcurrentHashMap<>();

    private OptionsCheck() {
    }

    /**
     * Throws IllegalArgumentException with the agent's message (naming the bad key or value and listing the
     * valid keys) if {@code options} are not valid for the active agent, or else for {@code jar}; null or
     * blank options are the defaults and always valid.
     */
    static void check(String options, File jar) {
        if (options == null || options.isBlank() || GOOD.containsKey(options)) {
            return;
        }
        try {
            Class<?> boot = bootParser();
            if (boot != null) {
                parse(boot, options);
            } else {
                try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toURI().toURL()},
                        ClassLoader.getPlatformClassLoader())) {
                    parse(Class.forName(PARSER, true, loader), options);
                }
            }
            GOOD.put(options, Boolean.TRUE);
        } catch (ReflectiveOperationException | IOException e) {
            throw new IllegalStateException("cannot check agent options with " + jar + ": " + e, e);
        }
    }

    private static Class<?> bootParser() {
        try {
            return Class.forName(PARSER, false, null);
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    private static void parse(Class<?> parser, String options) throws ReflectiveOperationException {
        try {
            parser.getMethod("parse", String.class).invoke(null, options);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IllegalArgumentException) {
                throw new IllegalArgumentException("bad treekill agent options '" + options + "': "
                        + e.getCause().getMessage(), e.getCause());
            }
            throw e;
        }
    }
}
