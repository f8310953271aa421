package dev.treekill.demo;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Starts a realistic process tree, calls {@code destroyForcibly()} on it and reports what is left.
 * Run it with and without a tree-killing -javaagent to see the difference; it knows nothing of the agent.
 */
public final class Demo {
    static final String USAGE = String.join(System.lineSeparator(),
            "usage: java [-javaagent:treekill-agent.jar] -jar treekill-demo.jar [--workers N] [--serve] [--help]",
            "  Starts sh -> java server (listening on a loopback port) -> N x (sh -> sleep),",
            "  calls destroyForcibly() on the sh and prints one line:",
            "  treekill-demo: tree=<processes> survivors=<n> port_free=<true|false> elapsed_ms=<t> agent=<on|off>",
            "  --workers N  worker processes of the server (default 3)",
            "  --serve      keep the JVM and its tree running (for JConsole, VisualVM, the treekill CLI)",
            "  --help       show this text");

    private static final int EXIT_OK = 0;
    private static final int EXIT_FAILED = 2;
    private static final long ROOT_EXIT_TIMEOUT_SECONDS = 60;

    private Demo() {
    }

    public static void main(String[] args) throws InterruptedException {
        System.exit(run(args));
    }

    static int run(String[] args) throws InterruptedException {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("treekill-demo: " + e.getMessage());
            System.err.println(USAGE);
            return EXIT_FAILED;
        }
        if (options.help) {
            System.out.println(USAGE);
            return EXIT_OK;
        }
        try {
            return options.serve ? serve(options.workers) : destroyAndReport(options.workers);
        } catch (IOException e) {
            System.err.println("treekill-demo: " + e.getMessage());
            return EXIT_FAILED;
        }
    }

    private static int destroyAndReport(int workers) throws IOException, InterruptedException {
        DemoTree tree = DemoTree.start(workers);
        List<ProcessHandle> members = tree.awaitReady();

        long start = System.nanoTime();
        tree.root().destroyForcibly();
        tree.root().waitFor(ROOT_EXIT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        List<ProcessHandle> survivors = members.stream().filter(ProcStates::isRunning).collect(Collectors.toList());
        DemoResult result = new DemoResult(members.size(), survivors.size(), Ports.isFree(tree.port()),
                elapsedMillis, agentOn(ManagementFactory.getRuntimeMXBean().getInputArguments()));
        System.out.println(result.line());
        System.out.flush();

        int cleaned = tree.killLeftovers(survivors);
        if (cleaned > 0) {
            System.err.println("treekill-demo: cleaned up " + cleaned + " leftover processes");
        }
        return EXIT_OK;
    }

    private static int serve(int workers) throws IOException, InterruptedException {
        DemoTree tree = DemoTree.start(workers);
        List<ProcessHandle> members = tree.awaitReady();
        Runtime.getRuntime().addShutdownHook(new Thread(tree::destroy, "treekill-demo-cleanup"));
        System.out.println("treekill-demo: serving pid=" + ProcessHandle.current().pid()
                + " tree_root=" + tree.root().pid() + " tree=" + members.size());
        System.out.flush();
        // Until the JVM is stopped; the shutdown hook then takes the tree down.
        Thread.sleep(Long.MAX_VALUE);
        return EXIT_OK;
    }

    /**
     * Only labels the result line. The demo must behave identically with and without the agent, so it
     * never asks the agent anything; it just looks at how its own JVM was started.
     */
    static boolean agentOn(List<String> jvmArguments) {
        return jvmArguments.stream().anyMatch(arg -> arg.startsWith("-javaagent:") && arg.contains("treekill"));
    }

    static final class Options {
        int workers = 3;
        boolean serve;
        boolean help;

        static Options parse(String... args) {
            Options options = new Options();
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--workers":
                        options.workers = parseWorkers(i + 1 < args.length ? args[++i] : null);
                        break;
                    case "--serve":
                        options.serve = true;
                        break;
                    case "--help":
                        options.help = true;
                        break;
                    default:
                        throw new IllegalArgumentException("unknown option: " + args[i]);
                }
            }
            return options;
        }

        private static int parseWorkers(String value) {
            try {
                int workers = Integer.parseInt(String.valueOf(value));
                if (workers >= 0) {
                    return workers;
                }
            } catch (NumberFormatException e) {
                // reported below, together with negative numbers
            }
            throw new IllegalArgumentException("--workers needs a number >= 0, got: " + value);
        }
    }
}
