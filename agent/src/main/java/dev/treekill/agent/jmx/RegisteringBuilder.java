package dev.treekill.agent.jmx;

import javax.management.MBeanServer;
import javax.management.MBeanServerBuilder;
import javax.management.MBeanServerDelegate;

/**
 * The JDK's own builder, plus: when the server being built is the platform MBeanServer, register the
 * treekill MBean in it. Named by {@code javax.management.builder.initial}; public for that reason.
 */
public final class RegisteringBuilder extends MBeanServerBuilder {
    @Override
    public MBeanServer newMBeanServer(String defaultDomain, MBeanServer outer, MBeanServerDelegate delegate) {
        MBeanServer server = super.newMBeanServer(defaultDomain, outer, delegate);
        if (buildingPlatformServer()) {
            PlatformRegistration.registerSoon();
        }
        return server;
    }

    private static boolean buildingPlatformServer() {
        return StackWalker.getInstance().walk(frames -> frames.anyMatch(f ->
                f.getClassName().equals("java.lang.management.ManagementFactory")
                        && f.getMethodName().equals("getPlatformMBeanServer")));
    }
}
