package dev.treekill.agent.exit;

import dev.treekill.agent.log.Log;
import java.lang.reflect.Method;
import java.util.function.Consumer;

/**
 * Registers a hook that runs after every application shutdown hook has finished. The JDK runs all hooks
 * given to {@code Runtime.addShutdownHook} from one system slot ({@code java.lang.Shutdown}, slot 1: they run
 * concurrently, and the slot returns once all have ended); system slots run in order, so a hook in a later
 * free slot runs after them. Slots 0 (console) and 2 (deleteOnExit) are the JDK's, registered on first use:
 * the search starts at the last slot. Reached through the JDK's internal access
 * ({@code SharedSecrets.getJavaLangAccess().registerShutdownHook}), exported to the agent alone.
 */
final class LateShutdownHook {
    /** java.lang.Shutdown.MAX_SYSTEM_HOOKS (10 in JDK 9 to 25). */
    private static final int LAST_SLOT = 9;
    /** The JDK's own slots end here (see above). */
    private static final int FIRST_FREE_SLOT = 3;
    private static final String[] SHARED_SECRETS = {"jdk.internal.access.SharedSecrets", "jdk.internal.misc.SharedSecrets"};

    private LateShutdownHook() {
    }

    /**
     * Registers {@code hook} in the last free system slot; {@code exporter} exports a package of java.base to the
     * agent. Returns the slot, or -1 if none could be had (an unknown JDK): then the caller falls back.
     */
    static int register(Runnable hook, Consumer<String> exporter) {
        Object javaLangAccess;
        Method register;
        try {
            Class<?> secrets = sharedSecrets();
            exporter.accept(secrets.getPackageName());
            javaLangAccess = secrets.getMethod("getJavaLangAccess").invoke(null);
            register = Class.forName(secrets.getPackageName() + ".JavaLangAccess")
                    .getMethod("registerShutdownHook", int.class, boolean.class, Runnable.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            Log.debug("no late shutdown slot: " + e);
            return -1;
        }
        for (int slot = LAST_SLOT; slot >= FIRST_FREE_SLOT; slot--) {
            try {
                register.invoke(javaLangAccess, slot, Boolean.TRUE, hook);
                return slot;
            } catch (ReflectiveOperationException | RuntimeException | InternalError taken) {
                // The JDK says a taken slot with InternalError (wrapped): try the one before.
                Log.debug("shutdown slot " + slot + " not available: " + taken);
            }
        }
        return -1;
    }

    /**
     * The JDK's own slots are taken on first use, and once a later slot runs, taking an earlier one fails:
     * JNA's first load calls File.deleteOnExit, whose hook (slot 2) would then fail to register, and JNA with it,
     * if it loaded during the exit kill. Initialising that hook now takes its slot in time; it deletes nothing
     * unless the application asks it to.
     */
    static void claimEarlierSlots() {
        try {
            Class.forName("java.io.DeleteOnExitHook", true, null);
        } catch (ClassNotFoundException | LinkageError e) {
            Log.debug("cannot take the deleteOnExit slot early: " + e);
        }
    }

    private static Class<?> sharedSecrets() throws ClassNotFoundException {
        for (String name : SHARED_SECRETS) {
            try {
                return Class.forName(name, false, null);
            } catch (ClassNotFoundException next) {
                // JDK 9-11 keep it in jdk.internal.misc
            }
        }
        throw new ClassNotFoundException(SHARED_SECRETS[0]);
    }
}
