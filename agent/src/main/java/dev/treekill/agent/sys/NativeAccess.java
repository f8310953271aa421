package dev.treekill.agent.sys;

import dev.treekill.agent.log.Log;
import java.io.File;
import java.util.function.Consumer;

/** Loads the {@link Syscalls} of this machine, once. */
public final class NativeAccess {
    private static final Object LOCK = new Object();
    private static volatile Syscalls loaded;
    private static volatile Throwable failure;
    private static volatile Consumer<Module> moduleOpener;
    static final String PLATFORM_LIBRARY_PATH = "jna.platform.library.path";

    private NativeAccess() {
    }

    /**
     * The native calls, loading JNA on first use (40-70 ms: warm this up off the caller's thread).
     *
     * @throws IllegalStateException if they cannot be had here (not Linux, JNA refused to load)
     */
    public static Syscalls syscalls() {
        Syscalls s = loaded;
        if (s != null) {
            return s;
        }
        synchronized (LOCK) {
            if (loaded == null && failure == null) {
                try {
                    loaded = load();
                } catch (Throwable t) {
                    failure = t;
                }
            }
        }
        if (loaded == null) {
            throw new IllegalStateException("native calls unavailable: " + failure, failure);
        }
        return loaded;
    }

    /**
     * Given by the agent (it holds the Instrumentation): opens java.lang and jdk.internal.module to one
     * module, so that JNA can be loaded without the JDK 22+ native-access warning.
     */
    public static void setModuleOpener(Consumer<Module> opener) {
        moduleOpener = opener;
    }

    /** True on Linux once {@link #syscalls()} succeeded or would be tried. */
    public static boolean isLinux() {
        return System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("linux");
    }

    private static Syscalls load() throws ReflectiveOperationException {
        if (!isLinux()) {
            throw new UnsupportedOperationException("not Linux");
        }
        avoidLdconfig();
        ClassLoader own = NativeAccess.class.getClassLoader();
        ClassLoader files = own != null ? own : ClassLoader.getSystemClassLoader();
        ClassLoader loader = HiddenLoader.available(files) ? new HiddenLoader(own, files) : files;
        if (loader instanceof HiddenLoader) {
            avoidNativeAccessWarning(loader);
            String cached = DispatchLibraryCache.prepare(files);
            if (cached != null) {
                JnaProperties.preset(DispatchLibraryCache.BOOT_PATH_PROPERTY, cached);
            }
        }
        Class<?> impl = Class.forName("dev.treekill.agent.sys.JnaSyscalls", true, loader);
        java.lang.reflect.Constructor<?> ctor = impl.getDeclaredConstructor();
        ctor.setAccessible(true);
        return (Syscalls) ctor.newInstance();
    }

    private static void avoidNativeAccessWarning(ClassLoader hidden) {
        Consumer<Module> opener = moduleOpener;
        if (opener == null || Runtime.version().feature() < 22) {
            return;
        }
        try {
            opener.accept(hidden.getUnnamedModule());
            Class.forName("dev.treekill.agent.sys.NativeAccessGrant", true, hidden)
                    .getDeclaredMethod("grantIfWarnMode").invoke(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            Log.debug("cannot avoid the native-access warning: " + e);
        }
    }

    /**
     * Left unset, JNA's first use runs {@code /sbin/ldconfig -p} as a child process to learn library
     * paths: a process started by our own kill path, through our own hook. Set for the hidden JNA alone
     * (see {@link JnaProperties}): the application's JNA still builds its own list from the linker's cache.
     * libc, all the agent loads, is in these directories.
     */
    private static void avoidLdconfig() {
        StringBuilder path = new StringBuilder();
        String arch = System.getProperty("os.arch", "").equals("amd64") ? "x86_64" : System.getProperty("os.arch");
        for (String dir : new String[] {"/usr/lib/" + arch + "-linux-gnu", "/lib/" + arch + "-linux-gnu",
                "/usr/lib64", "/lib64", "/usr/lib", "/lib"}) {
            if (new File(dir).isDirectory()) {
                path.append(path.length() == 0 ? "" : File.pathSeparator).append(dir);
            }
        }
        JnaProperties.preset(PLATFORM_LIBRARY_PATH, path.toString());
    }
}
