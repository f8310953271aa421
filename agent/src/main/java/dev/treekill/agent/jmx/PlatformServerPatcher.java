package dev.treekill.agent.jmx;

import dev.treekill.agent.hook.PatchCache;
import dev.treekill.agent.log.Log;
import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;

/**
 * Patches {@code java.lang.management.ManagementFactory.getPlatformMBeanServer()} when it loads (or on
 * retransformation): the server it is about to return goes to {@link PlatformRegistration#serverReady}
 * first. The method is {@code static synchronized} on JDK 11 to 25, so the caller that creates the
 * platform server registers the MBean before that server reaches anyone (the rewrite:
 * {@link PlatformServerRewriter}; later JVMs on the same JDK take it from the {@link PatchCache}). The JVM
 * itself makes java.management read the boot class path's unnamed module, where PlatformRegistration lives,
 * once it is transformed (java.lang.instrument's package documentation).
 */
public final class PlatformServerPatcher implements ClassFileTransformer {
    static final String MANAGEMENT_FACTORY = PlatformServerRewriter.MANAGEMENT_FACTORY;

    private final PatchCache cache;

    /** {@code cache}: where the patch is kept for later JVMs (what it inserts: {@link PlatformServerRewriter}). */
    public PlatformServerPatcher(PatchCache cache) {
        this.cache = cache;
    }

    /** Whether {@code c} is patched here; asks the name only of java.management's classes (see ProcessClassPatcher). */
    public boolean isTarget(Class<?> c) {
        return c.getClassLoader() == null && "java.management".equals(c.getModule().getName())
                && c.getName().equals("java.lang.management.ManagementFactory");
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
            byte[] bytes) {
        if (loader != null || !MANAGEMENT_FACTORY.equals(className)) {
            return null;
        }
        try {
            // Only a class being loaded goes through the cache (see ProcessClassPatcher.patch).
            PatchCache.Patch cached = redefined == null ? cache.find(MANAGEMENT_FACTORY, bytes) : null;
            if (cached != null) {
                return cached.bytes;
            }
            byte[] patched = PlatformServerRewriter.patch(bytes);
            if (patched != null && redefined == null) {
                cache.store(MANAGEMENT_FACTORY, bytes, new PatchCache.Patch(patched, ""));
            } else if (patched == null) {
                Log.warn("ManagementFactory.getPlatformMBeanServer has another shape on this JDK: the MBean is not"
                        + " registered");
            }
            return patched;
        } catch (Throwable t) {
            Log.warn("cannot patch ManagementFactory; the MBean is not registered", t);
            return null;
        }
    }
}
