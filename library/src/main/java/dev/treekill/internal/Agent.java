package dev.treekill.internal;

import dev.treekill.mbeans.KillReport;
import java.io.File;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import net.bytebuddy.agent.ByteBuddyAgent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The treekill agent active in this JVM, seen from the application's class loader. The agent lives in the
 * boot loader (its jar puts itself on the boot class path); this class reaches its {@code LibraryBridge}
 * there by name and calls it through method handles with JDK types only, so the engine exists once, in
 * the agent. Not API: treekill-library and treekill-junit use it; applications use {@code TreeKill}.
 */
public final class Agent {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);
    private static final String BRIDGE = "dev.treekill.agent.LibraryBridge";
    private static final String HOOKS = "dev.treekill.agent.hook.Hooks";
    private static final int BRIDGE_VERSION = 1;

    private static Agent instance;
    private static AgentUnavailableException failure;
    /** Test seam: what the engine's reports pass through before a caller sees them. */
    private static volatile UnaryOperator<KillReport> reportFilter = UnaryOperator.identity();

    private final MethodHandle addStartListener;
    private final MethodHandle removeStartListener;
    private final MethodHandle liveMembers;
    private final MethodHandle destroyed;
    private final MethodHandle killStarted;
    private final MethodHandle killTree;
    /** How it came here: "-javaagent" or "attached from <jar>". */
    private final String origin;

    private Agent(Class<?> bridge, String origin) throws ReflectiveOperationException {
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        MethodType report = MethodType.methodType(Map.class, Process.class, long.class, String.class);
        this.addStartListener = lookup.findStatic(bridge, "addStartListener", MethodType.methodType(void.class, Consumer.class));
        this.removeStartListener = lookup.findStatic(bridge, "removeStartListener", MethodType.methodType(void.class, Consumer.class));
        this.liveMembers = lookup.findStatic(bridge, "liveMembers", MethodType.methodType(long[][].class, Process[].class));
        this.destroyed = lookup.findStatic(bridge, "destroyed", MethodType.methodType(boolean.class, Process.class));
        this.killStarted = lookup.findStatic(bridge, "killStarted", report);
        this.killTree = lookup.findStatic(bridge, "killTree", report.changeParameterType(0, ProcessHandle.class));
        this.origin = origin;
    }

    /**
     * The active agent, installed into this JVM on the first call when it did not come with
     * {@code -javaagent} (dynamic self-attach through byte-buddy-agent, with {@code options}; later calls'
     * valid options are ignored). Tried once: a failure is remembered and thrown again.
     *
     * @throws IllegalArgumentException when {@code options} are not valid, on every call (see {@link #checkOptions})
     * @throws AgentUnavailableException when the agent is not active and cannot be installed
     */
    public static synchronized Agent installed(String options) {
        checkOptions(options); // first: a typo is refused whether or not the agent is active already
        if (instance != null) {
            return instance;
        }
        if (failure != null) {
            throw failure;
        }
        try {
            Class<?> bridge = bootClass(BRIDGE);
            String origin = "-javaagent";
            if (bridge == null || !isActive(bridge)) {
                if (bootClass(HOOKS) != null) {
                    throw new IllegalStateException("an older treekill agent without the library bridge is active; "
                            + "use the agent jar of the same version as treekill-library");
                }
                File jar = AgentJar.locate();
                BootNamed named = bootNamed(jar);
                try {
                    attach(named.file, options);
                } catch (RuntimeException e) {
                    throw named.noCopy == null ? e : new IllegalStateException(e.getMessage() + "; " + jar
                            + " was attached as it is, since " + named.noCopy, e);
                }
                bridge = bootClass(BRIDGE);
                if (bridge == null || !isActive(bridge)) {
                    throw new IllegalStateException("attached " + named.file + " but the agent did not become "
                            + "active (its own message is on stderr)" + (named.noCopy == null ? ""
                                    : "; it was attached as it is, since " + named.noCopy));
                }
                origin = "attached from " + jar;
            }
            int version = bridge.getField("VERSION").getInt(null);
            if (version != BRIDGE_VERSION) {
                throw new IllegalStateException("the active treekill agent speaks bridge version " + version
                        + ", this library " + BRIDGE_VERSION + ": use jars of the same treekill version");
            }
            instance = new Agent(bridge, origin);
            LOG.info("treekill agent active in this JVM (pid {}): {}", ProcessHandle.current().pid(), origin);
            return instance;
        } catch (RuntimeException | ReflectiveOperationException | LinkageError e) {
            failure = new AgentUnavailableException("treekill: the agent is not active in this JVM and cannot be "
                    + "installed into it (" + e.getMessage() + "). Start the JVM with "
                    + "-javaagent:/path/to/treekill-agent.jar (Surefire/Failsafe <argLine>, Gradle jvmArgs)", e);
            throw failure;
        }
    }

    /**
     * Checks agent options ({@code key=value,...}) with the agent's own parser: the active agent's, else the
     * one in the jar an attach would use. Not remembered as a failure: a later call with good options may
     * still install the agent.
     *
     * @throws IllegalArgumentException naming the bad key or value and listing the valid keys
     */
    public static void checkOptions(String options) {
        if (options == null || options.isBlank()) {
            return;
        }
        File jar;
        try {
            jar = activeWithoutInstalling() ? null : AgentJar.locate();
        } catch (IllegalStateException noJar) {
            return; // nothing to check against; the install says why it cannot find the jar
        }
        OptionsCheck.check(options, jar);
    }

    /**
     * The jar to attach: {@code jar}, or its copy named {@code treekill-agent.jar} (see BootNamedCopy); if no
     * copy may be made (a cache that is not this user's alone, say), {@code jar} itself, which works but makes
     * the JVM print a boot class path warning: then the user is told why (SLF4J, else stderr), and the reason
     * goes into the failure's message should that attach fail too. Not even {@code jar} itself when others could
     * put a treekill-agent.jar beside it (see BootNamedCopy#checkNothingCanBePlantedBeside).
     *
     * @throws IllegalStateException when neither a copy nor {@code jar} may be attached, saying why for both
     */
    private static BootNamed bootNamed(File jar) {
        try {
            return new BootNamed(BootNamedCopy.of(jar), null);
        } catch (IOException | RuntimeException e) {
            String noCopy = "no copy named treekill-agent.jar was made: " + e.getMessage();
            try {
                BootNamedCopy.checkNothingCanBePlantedBeside(jar);
            } catch (IOException unsafe) {
                // The cache's refusal ends with the same remedy as this one: said once, at the end.
                String why = String.valueOf(e.getMessage());
                String remedy = " " + BootNamedCopy.REMEDY;
                throw new IllegalStateException("no copy named treekill-agent.jar was made: "
                        + (why.endsWith(remedy) ? why.substring(0, why.length() - remedy.length()) : why) + "; and "
                        + unsafe.getMessage(), unsafe);
            }
            Notices.warn(LOG, "attaching " + jar + " as it is (the JVM will warn that treekill-agent.jar is not "
                    + "added to the boot class path; the agent works): " + noCopy, null);
            return new BootNamed(jar, noCopy);
        }
    }

    /** The jar to attach, and why it is not a copy named treekill-agent.jar (null: it is, or needs none). */
    private static final class BootNamed {
        final File file;
        final String noCopy;

        BootNamed(File file, String noCopy) {
            this.file = file;
            this.noCopy = noCopy;
        }
    }

    /** The agent as an earlier {@link #installed} call found or installed it; null if none did. */
    public static synchronized Agent ifActive() {
        return instance;
    }

    /** Whether an agent with the bridge is active in this JVM, without installing one. */
    public static boolean activeWithoutInstalling() {
        try {
            Class<?> bridge = bootClass(BRIDGE);
            return bridge != null && isActive(bridge);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /** Where the agent came from: {@code -javaagent} or {@code attached from <jar>}. */
    public String origin() {
        return origin;
    }

    private static void attach(File jar, String options) {
        String pid = Long.toString(ProcessHandle.current().pid());
        LOG.debug("attaching {} to this JVM (pid {}) with options '{}'", jar, pid, options);
        // Handles JDK 9+'s ban on attaching to oneself (it attaches from a helper JVM then).
        ByteBuddyAgent.attach(jar, pid, options == null ? "" : options);
    }

    /** The class as the boot loader has it, or null: never loaded from the application's class path. */
    private static Class<?> bootClass(String name) {
        try {
            return Class.forName(name, true, null);
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    private static boolean isActive(Class<?> bridge) throws ReflectiveOperationException {
        return (Boolean) bridge.getMethod("active").invoke(null);
    }

    /** Hears of every later start, on the starting thread; must be quick. */
    public void addStartListener(Consumer<Process> listener) {
        invoke(() -> addStartListener.invoke(listener));
    }

    public void removeStartListener(Consumer<Process> listener) {
        invoke(() -> removeStartListener.invoke(listener));
    }

    /**
     * For each process started here, the live processes left of it: its tree (while its root is unreaped), root
     * first, and its escapees. One pass over /proc.
     */
    public long[][] liveMembers(Process[] processes) {
        return (long[][]) invoke(() -> liveMembers.invoke(processes));
    }

    /** Whether destroy() or destroyForcibly() was called on it. */
    public boolean destroyed(Process process) {
        return (Boolean) invoke(() -> destroyed.invoke(process));
    }

    /** Kills what is left of a process started here and waits, zombie-aware, up to the timeout. */
    public KillReport killStarted(Process process, long timeoutMillis, String trigger) {
        return report(invoke(() -> killStarted.invoke(process, timeoutMillis, trigger)));
    }

    /**
     * Kills the tree of the process {@code root} names (and a started process's escapees) and waits up to the
     * timeout; a stale handle (its process gone) is nothing to do.
     */
    public KillReport killTree(ProcessHandle root, long timeoutMillis, String trigger) {
        return report(invoke(() -> killTree.invoke(root, timeoutMillis, trigger)));
    }

    /**
     * Test seam: every report goes through {@code filter} (identity by default). Lets a test show what a
     * caller does with a tree the kernel did not let go within the timeout, which a real test cannot make
     * happen on demand without an uninterruptible sleep.
     */
    public static void setReportFilterForTests(UnaryOperator<KillReport> filter) {
        reportFilter = filter == null ? UnaryOperator.identity() : filter;
    }

    /** The bridge's report: {@code KillReport.toItems()} in the agent, so only JDK types crossed. */
    @SuppressWarnings("unchecked")
    private static KillReport report(Object items) {
        return reportFilter.apply(KillReport.fromItems((Map<String, ?>) items));
    }

    private interface Call {
        Object run() throws Throwable;
    }

    private static Object invoke(Call call) {
        try {
            return call.run();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
