package dev.treekill.agent.exit;

/**
 * Tells whether the JVM's shutdown has begun, at the very moment the JDK decides it: once it has, it refuses
 * new shutdown hooks (the application hooks are about to run, or running). Asked by registering a hook that
 * does nothing and removing it again; no reflection into the JDK.
 */
final class ShutdownProbe {
    /** Never started, unless shutdown begins between the two calls below; then it runs and does nothing. */
    private final Thread probe = new Thread("treekill-shutdown-probe");

    /** Whether shutdown has begun. A few hundred nanoseconds: two small synchronized map updates. */
    synchronized boolean begun() {
        Runtime runtime = Runtime.getRuntime();
        try {
            runtime.addShutdownHook(probe);
        } catch (IllegalStateException shuttingDown) {
            return true;
        } catch (IllegalArgumentException alreadyRan) {
            return true; // shutdown caught it registered and started it: shutdown has begun
        }
        try {
            runtime.removeShutdownHook(probe);
        } catch (IllegalStateException shuttingDown) {
            return true;
        }
        return false;
    }
}
