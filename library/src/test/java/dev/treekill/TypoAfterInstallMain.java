package dev.treekill;

/**
 * A JVM where the library installs the agent, then is asked to install it again: with a typo (refused), with good
 * options (ignored: the agent is active). One fact a line on stdout.
 */
public final class TypoAfterInstallMain {
    private TypoAfterInstallMain() {
    }

    public static void main(String[] args) {
        TreeKill.install();
        System.out.println("ACTIVE " + TreeKill.isActive());
        try {
            TreeKill.install("bogusKey=1");
            System.out.println("TYPO accepted");
        } catch (IllegalArgumentException e) {
            System.out.println("TYPO refused: " + e.getMessage());
        }
        TreeKill.install("timeout=5s");
        System.out.println("GOOD ignored");
    }
}
