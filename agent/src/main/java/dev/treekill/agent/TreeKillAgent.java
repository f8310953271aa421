package dev.treekill.agent;

import dev.treekill.agent.cli.Cli;
import dev.treekill.agent.exit.ExitKill;
import dev.treekill.agent.hook.DestroyHooks;
import dev.treekill.agent.hook.HiddenFromListings;
import dev.treekill.agent.hook.Hooks;
import dev.treekill.agent.hook.PatchCache;
import dev.treekill.agent.hook.ProcessClassPatcher;
import dev.treekill.agent.hook.StartHooks;
import dev.treekill.agent.jmx.JmxBackend;
import dev.treekill.agent.jmx.PlatformRegistration;
import dev.treekill.agent.jmx.PlatformServerPatcher;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.options.AgentOptions;
import dev.treekill.agent.reaping.Adoption;
import dev.treekill.agent.options.Settings;
import dev.treekill.agent.sys.JdkProcessTable;
import dev.treekill.agent.sys.NativeAccess;
import java.io.File;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.jar.JarFile;

/**
 * Entry points: {@code -javaagent} (premain), dynamic attach (agentmain) and the command line (main).
 * Nothing heavy happens here: the process classes are patched when they load, the engine is built
 * when the first process class loads. No lambdas on the premain path: bootstrapping the first
 * invokedynamic costs milliseconds of start-up (and string concatenation is compiled inline for the
 * same reason, see the pom).
 */
public final class TreeKillAgent {
    private TreeKillAgent() {
    }

    public static void premain(String args, Instrumentation inst) throws Exception {
        install(args, inst, false);
    }

    public static void agentmain(String args, Instrumentation inst) throws Exception {
        install(args, inst, true);
    }

    public static void main(String[] args) {
        System.exit(Cli.run(args));
    }

    private static void install(String args, Instrumentation inst, boolean attached) throws Exception {
        if (TreeKillAgent.class.getClassLoader() != null) {
            installFromBootClassPath(args, inst, attached);
            return;
        }
        AgentOptions options = parseOrSayWhy(args, attached);
        if (Hooks.installed()) {
            Log.warn("agent already active in this JVM; options '" + args + "' ignored");
            return;
        }
        Log.setLevel(options.log());
        NativeAccess.setModuleOpener(new Consumer<Module>() {
            @Override
            public void accept(Module module) {
                inst.redefineModule(Object.class.getModule(), Set.of(), Map.of(),
                        Map.of("java.lang", Set.of(module), "jdk.internal.module", Set.of(module)), Set.of(), Map.of());
            }
        });
        JdkProcessTable.setOpener(new Runnable() {
            @Override
            public void run() { // to the agent alone (the boot class path's unnamed module), for the cold kill's scans
                inst.redefineModule(Object.class.getModule(), Set.of(), Map.of(),
                        Map.of("java.lang", Set.of(JdkProcessTable.class.getModule())), Set.of(), Map.of());
            }
        });
        // Whether orphans come here, decided once, before the first patch starts the reaper and before any start.
        // (Should another agent win Hooks.install below in the meantime, this JVM stays a subreaper that this
        // agent does not reap for: the same narrow race as before, now before the install instead of after it.)
        Adoption adoption = Adoption.forThisJvm(options.subreaper() && AgentRuntime.becomeSubreaper());
        AgentRuntime runtime = new AgentRuntime(new Settings(options), attached, adoption);
        ExitKill exit = options.exitKill()
                ? ExitKill.install(runtime.fullEngineSupplier(), runtime.settings(), runtime.started(), attached, exporterTo(inst)) : null;
        if (!Hooks.install(new DestroyHooks(runtime.settings(), runtime, runtime.stats(), runtime.started()),
                new StartHooks(runtime.started(), options.cookie(), exit))) {
            Log.warn("agent already active in this JVM; options '" + args + "' ignored");
            return;
        }
        if (exit != null) { // the guard and its launcher, the agent's own processes, are no child of the application's
            Hooks.hideFromListings(new HiddenFromListings(runtime.started().hiddenChildren()));
        }
        LibraryBridge.bind(runtime);
        PatchCache cache = PatchCache.forThisUser();
        ProcessClassPatcher patcher = new ProcessClassPatcher(runtime.backgroundTask(), options.cookie(), cache);
        inst.addTransformer(patcher, true);
        PlatformServerPatcher serverPatcher = options.jmx() ? expectPlatformServer(inst, runtime, cache) : null;
        Class<?> managementFactory = retransformLoaded(inst, patcher, serverPatcher);
        if (managementFactory != null) {
            // Loaded before the patch (under attach, or another agent ran first): the server may exist already.
            inst.redefineModule(managementFactory.getModule(), Set.of(), Map.of(),
                    Map.of("java.lang.management", Set.of(PlatformRegistration.class.getModule())), Set.of(), Map.of());
            PlatformRegistration.registerIfServerExists(managementFactory);
        }
        if (Log.enabled(Log.Level.INFO)) {
            Log.info("active (" + options + ")");
        }
    }

    /**
     * The options, or the parser's exception rethrown after one line on stderr that says what is wrong: the JVM's
     * own report of a failed premain (a native abort, the message deep in a stack trace) follows it. A bad option
     * stops the JVM by design (at premain; under attach only the attach fails): never run with defaults instead.
     */
    private static AgentOptions parseOrSayWhy(String args, boolean attached) {
        try {
            return AgentOptions.parse(args);
        } catch (IllegalArgumentException e) {
            Log.fatal("bad agent options '" + args + (attached ? "', the agent is not loaded: " : "', the JVM stops: ")
                    + e.getMessage());
            throw e;
        }
    }

    /** Exports a package of java.base to the agent (the boot class path's unnamed module) alone. */
    private static Consumer<String> exporterTo(Instrumentation inst) {
        return new Consumer<String>() {
            @Override
            public void accept(String pkg) {
                inst.redefineModule(Object.class.getModule(), Set.of(), Map.of(pkg, Set.of(Hooks.class.getModule())),
                        Map.of(), Set.of(), Map.of());
            }
        };
    }

    /**
     * The MBean is registered by whoever creates the platform MBeanServer, inside ManagementFactory's
     * getPlatformMBeanServer (see PlatformRegistration); the agent never creates it. Null without java.management.
     */
    private static PlatformServerPatcher expectPlatformServer(Instrumentation inst, AgentRuntime runtime,
            PatchCache cache) {
        Optional<Module> management = ModuleLayer.boot().findModule("java.management");
        if (management.isEmpty()) {
            Log.info("no java.management module in this JVM: no MBean");
            return null;
        }
        PlatformRegistration.expect(new JmxBackend(runtime.settings(), runtime.stats(), runtime, runtime.started()));
        PlatformServerPatcher patcher = new PlatformServerPatcher(cache);
        inst.addTransformer(patcher, true);
        return patcher;
    }

    /**
     * Under attach, or when a class was loaded earlier, the classes to patch are already there: retransforms
     * them; returns ManagementFactory if it was among them.
     */
    private static Class<?> retransformLoaded(Instrumentation inst, ProcessClassPatcher patcher,
            PlatformServerPatcher serverPatcher) throws UnmodifiableClassException {
        List<Class<?>> loaded = new ArrayList<>();
        Class<?> managementFactory = null;
        for (Class<?> c : inst.getAllLoadedClasses()) {
            if (patcher.isTarget(c)) {
                loaded.add(c);
            } else if (serverPatcher != null && serverPatcher.isTarget(c)) {
                loaded.add(c);
                managementFactory = c;
            }
        }
        if (!loaded.isEmpty()) {
            inst.retransformClasses(loaded.toArray(new Class<?>[0]));
        }
        return managementFactory;
    }

    /**
     * The manifest's Boot-Class-Path names the jar as {@code treekill-agent.jar}; a renamed jar is not
     * found there and we were loaded by the application class loader instead. Append the jar to the
     * boot class path (the JVM may then print a class-sharing warning) and start the boot copy.
     */
    private static void installFromBootClassPath(String args, Instrumentation inst, boolean attached) throws Exception {
        File jar = new File(TreeKillAgent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        inst.appendToBootstrapClassLoaderSearch(new JarFile(jar));
        Class<?> boot = Class.forName(TreeKillAgent.class.getName(), true, null);
        try {
            boot.getDeclaredMethod(attached ? "agentmain" : "premain", String.class, Instrumentation.class)
                    .invoke(null, args, inst);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
        }
    }
}
