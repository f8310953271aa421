package dev.treekill.agent.sys;

import java.lang.reflect.Method;

/**
 * On JDK 22+ loading JNA's library prints a "restricted method" warning, then enables native access
 * for every unnamed module anyway. When the JVM is in that default "warn" mode, this enables it the
 * same way without the warning; in "deny" mode it does nothing (JNA then fails and the portable engine
 * is used). Loaded by {@link HiddenLoader}: java.lang and jdk.internal.module are opened to that
 * loader's module alone, not to the application.
 */
public final class NativeAccessGrant {
    private NativeAccessGrant() {
    }

    public static void grantIfWarnMode() throws ReflectiveOperationException {
        Method mode = Class.forName("jdk.internal.module.ModuleBootstrap").getDeclaredMethod("illegalNativeAccess");
        mode.setAccessible(true);
        if ("WARN".equals(String.valueOf(mode.invoke(null)))) {
            // Unnamed modules share one flag: this is the call the JDK makes right after its warning.
            Method enable = Module.class.getDeclaredMethod("implAddEnableNativeAccessToAllUnnamed");
            enable.setAccessible(true);
            enable.invoke(null);
        }
    }
}
