package dev.treekill.agent.it;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * An application that uses JMX itself, for the first-look tests: it may create the platform MBeanServer the
 * way applications and libraries do, and then looks for treekill's MBean exactly once per caller.
 *
 * <p>Argument 1, what it does first: {@code create} ({@value #CALLERS} threads call getPlatformMBeanServer()
 * at the same instant, each looks once for the MBean, and it prints {@code looks found=<n> of=<callers>} and
 * {@code names=<the dev.treekill names>}), {@code factory} (loads ManagementFactory through
 * getRuntimeMXBean(), which creates no MBeanServer) or {@code nothing}. Argument 2, optional: {@code wait}
 * prints {@code ready pid=<pid>} and waits until stdin ends (the test attaches or connects meanwhile).
 */
public final class PlatformServerApp {
    static final int CALLERS = 8;

    private PlatformServerApp() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "create":
                createAndLook();
                break;
            case "factory":
                System.out.println("factory uptime=" + ManagementFactory.getRuntimeMXBean().getUptime());
                break;
            case "nothing":
                break;
            default:
                throw new IllegalArgumentException(args[0]);
        }
        if (args.length > 1 && args[1].equals("wait")) {
            System.out.println("ready pid=" + ProcessHandle.current().pid());
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (in.readLine() != null) {
                // until the test closes stdin
            }
        }
    }

    private static void createAndLook() throws Exception {
        ObjectName name = new ObjectName("dev.treekill:type=TreeKiller");
        CyclicBarrier together = new CyclicBarrier(CALLERS);
        ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
        List<Future<Boolean>> looks = new ArrayList<>();
        for (int i = 0; i < CALLERS; i++) {
            looks.add(pool.submit(new Callable<Boolean>() {
                @Override
                public Boolean call() throws Exception {
                    together.await(30, TimeUnit.SECONDS);
                    return ManagementFactory.getPlatformMBeanServer().isRegistered(name);
                }
            }));
        }
        int found = 0;
        for (Future<Boolean> look : looks) {
            found += look.get(60, TimeUnit.SECONDS) ? 1 : 0;
        }
        pool.shutdown();
        System.out.println("looks found=" + found + " of=" + CALLERS);
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        System.out.println("names=" + String.join(",", new TreeSet<>(
                server.queryNames(new ObjectName("dev.treekill:*"), null).stream().map(ObjectName::toString)
                        .collect(java.util.stream.Collectors.toList()))));
    }
}
