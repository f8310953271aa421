package dev.treekill.agent.sys;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;

/**
 * Loads JNA and {@link JnaSyscalls} privately. The agent jar keeps JNA under {@code TREEKILL-INF/jna/},
 * where no ordinary class loader looks, so the application never sees our JNA and keeps its own (of any
 * version). JNA cannot be relocated instead: its native library binds to the {@code com.sun.jna} names.
 * Child-first for those names only; everything else (our interfaces, the JDK) comes from the parent.
 * JNA's classes are defined with their system-property calls redirected to {@link JnaProperties}.
 */
final class HiddenLoader extends ClassLoader {
    static final String PREFIX = "TREEKILL-INF/jna/";
    private static final String JNA_PACKAGE = "com.sun.jna.";
    private static final String SYSCALLS_CLASS = "dev.treekill.agent.sys.JnaSyscalls";
    private static final String GRANT_CLASS = "dev.treekill.agent.sys.NativeAccessGrant";

    static {
        registerAsParallelCapable();
    }

    /** Where the agent's own files are (the agent jar, or target/classes in a build). */
    private final ClassLoader files;

    HiddenLoader(ClassLoader parent, ClassLoader files) {
        super(parent);
        this.files = files;
    }

    /** True when this build carries a hidden JNA (a packaged agent, or a build's target/classes). */
    static boolean available(ClassLoader files) {
        return files.getResource(PREFIX + "com/sun/jna/Native.class") != null;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (!isHidden(name)) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                c = findClass(name);
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    private static boolean isHidden(String name) {
        return name.startsWith(JNA_PACKAGE) || name.equals(SYSCALLS_CLASS) || name.equals(GRANT_CLASS);
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        String path = name.replace('.', '/') + ".class";
        URL url = files.getResource(name.startsWith(JNA_PACKAGE) ? PREFIX + path : path);
        if (url == null) {
            throw new ClassNotFoundException(name);
        }
        try (InputStream in = url.openStream()) {
            byte[] bytes = in.readAllBytes();
            if (name.startsWith(JNA_PACKAGE)) {
                bytes = JnaPropertyRedirect.rewrite(bytes); // JNA's global properties stay private to it
            }
            return defineClass(name, bytes, 0, bytes.length);
        } catch (IOException | IllegalArgumentException e) { // unreadable, or a class file the redirect does not know
            throw new ClassNotFoundException(name, e);
        }
    }

    /** JNA finds its native library (com/sun/jna/linux-x86-64/libjnidispatch.so) through this. */
    @Override
    protected URL findResource(String name) {
        return name.startsWith("com/sun/jna/") ? files.getResource(PREFIX + name) : null;
    }
}
