package dev.treekill.agent.it;

/**
 * How the scenario apps' mains end ({@link TreeApp}, {@link EscapeApp}, {@link DestroyModesApp}, {@link RecycleApp}):
 * when the scenario itself could not run, an {@code error <throwable>} line on stdout (what {@link Checks#ok} looks
 * for), the stack trace on stderr, and exit status 3; otherwise stdout flushed and main returns.
 */
final class AppMain {
    /** A scenario app's body: its main with the arguments as given. */
    interface Body {
        void run(String[] args) throws Exception;
    }

    private AppMain() {
    }

    static void run(String[] args, Body body) {
        try {
            body.run(args);
        } catch (Throwable t) {
            System.out.println("error " + t);
            t.printStackTrace();
            System.out.flush();
            System.exit(3);
        }
        System.out.flush();
    }
}
