package dev.treekill.agent.it;

/** A main that does nothing: what a JVM loads before it is the agent's premain path. */
public final class EmptyApp {
    private EmptyApp() {
    }

    public static void main(String[] args) {
        // nothing
    }
}
