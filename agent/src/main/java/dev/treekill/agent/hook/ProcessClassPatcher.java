package dev.treekill.agent.hook;

import dev.treekill.agent.log.Log;
import java.lang.instrument.ClassFileTransformer;
import java.lang.reflect.Modifier;
import java.security.ProtectionDomain;

/**
 * Patches {@code java.lang.ProcessImpl}, {@code java.lang.ProcessHandleImpl} and (with cookies) {@code
 * java.lang.ProcessEnvironment} when they load, or on retransformation, so that they call {@link Hooks} (what
 * is inserted where: {@link ProcessClassRewriter}). A patch made by an earlier JVM on the same JDK comes from
 * the {@link PatchCache}, and then no class of ASM is loaded. The JVM itself makes the patched module read the
 * boot class path's unnamed module, where Hooks lives (java.lang.instrument's package documentation).
 */
public final class ProcessClassPatcher implements ClassFileTransformer {
    static final String PROCESS_IMPL = ProcessClassRewriter.PROCESS_IMPL;
    static final String HANDLE_IMPL = ProcessClassRewriter.HANDLE_IMPL;
    static final String ENVIRONMENT = ProcessClassRewriter.ENVIRONMENT;

    private final Runnable onFirstPatch;
    private final boolean cookies;
    private final PatchCache cache;
    private volatile boolean patchedOnce;

    /**
     * {@code onFirstPatch} runs once, when ProcessImpl is patched: a process is about to start. Not for
     * ProcessHandleImpl, which loads in any JVM that asks for its own pid (many logging libraries do).
     * {@code cookies}: whether started processes get a TREEKILL_COOKIE. {@code cache}: where patches are kept
     * for later JVMs.
     */
    public ProcessClassPatcher(Runnable onFirstPatch, boolean cookies, PatchCache cache) {
        this.onFirstPatch = onFirstPatch;
        this.cookies = cookies;
        this.cache = cache;
    }

    /**
     * Whether {@code c} is patched here. Premain asks this of every loaded class (some 800), and the first
     * getName() of a class makes its name string: only boot classes that are final and not public, as the three
     * targets are (JDK 11 to 25; ProcessClassPatcherTest checks the running JDK), are asked their name.
     */
    public boolean isTarget(Class<?> c) {
        if (c.getClassLoader() != null || c.getModifiers() != Modifier.FINAL) {
            return false;
        }
        String name = c.getName();
        return name.equals("java.lang.ProcessImpl") || name.equals("java.lang.ProcessHandleImpl")
                || (cookies && name.equals("java.lang.ProcessEnvironment"));
    }

    private boolean isTarget(String name) {
        return name.equals(PROCESS_IMPL) || name.equals(HANDLE_IMPL) || (cookies && name.equals(ENVIRONMENT));
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
            byte[] bytes) {
        if (loader != null || className == null || !isTarget(className)) {
            return null;
        }
        try {
            byte[] patched = patch(className, bytes, redefined == null);
            if (!patchedOnce && PROCESS_IMPL.equals(className)) {
                patchedOnce = true;
                onFirstPatch.run();
            }
            return patched;
        } catch (Throwable t) {
            Log.warn("cannot patch " + className + "; destroy() and destroyForcibly() keep the JDK's behaviour", t);
            return null;
        }
    }

    /**
     * From the cache, else rewritten (and then cached); null for a class of another shape. Only a class being
     * loaded ({@code loading}) goes through the cache: for a retransformation (under attach) the JVM rebuilds the
     * class file from the loaded class, bytes that differ from JVM to JVM and would never be found again.
     */
    private byte[] patch(String className, byte[] original, boolean loading) {
        PatchCache.Patch patch = loading ? cache.find(className, original) : null;
        if (patch == null) {
            patch = ProcessClassRewriter.patch(className, original);
            if (patch != null && loading) {
                cache.store(className, original, patch);
            }
        }
        if (patch == null) {
            return null;
        }
        if (!patch.warning.isEmpty()) {
            Log.warn(patch.warning);
        }
        return patch.bytes;
    }
}
