package dev.treekill.agent.cli;

/** The command line of treekill-agent.jar. */
public final class Cli {
    private Cli() {
    }

    public static int run(String[] args) {
        System.err.println("usage: java -javaagent:treekill-agent.jar[=options] ... (the command line comes with the JMX work)");
        return 2;
    }
}
