package dev.treekill.agent.it;

import java.lang.instrument.Instrumentation;
import java.lang.management.ManagementFactory;

/**
 * A {@code -javaagent} listed before treekill's that creates the platform MBeanServer in its premain, as
 * monitoring agents do: when treekill's premain runs, ManagementFactory is loaded and the server exists.
 */
public final class ServerFirstAgent {
    private ServerFirstAgent() {
    }

    public static void premain(String args, Instrumentation inst) {
        System.out.println("first agent created " + ManagementFactory.getPlatformMBeanServer().getDefaultDomain());
    }
}
