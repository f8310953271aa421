package dev.treekill.agent;

import dev.treekill.agent.cli.Cli;
import dev.treekill.agent.hook.DestroyHooks;
import dev.treekill.agent.hook.Hooks;
import dev.treekill.agent.hook.ProcessClassPatcher;
import dev.treekill.agent.hook.StartHooks;
import dev.treekill.agent.jmx.JmxBackend;
import dev.treekill.agent.jmx.PlatformRegistration;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.options.AgentOptions;
import dev.treekill.agent.options.Settings;
import dev.treekill.agent.sys.NativeAccess;
import java.io.File;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
        AgentOptions options = AgentOptions.parse(args); // a bad option stops the JVM here, by design
        AgentRuntime runtime = new AgentRuntime(new Settings(options), attached);
        if (!Hooks.install(new DestroyHooks(runtime.settings(), runtime, runtime.stats(), runtime.started()),
                new StartHooks(runtime.started(), options.cookie()))) {
            Log.warn("agent already active in this JVM; options '" + args + "' ignored");
            return;
        }
        Log.setLevel(options.log());
        LibraryBridge.bind(runtime);
        // The patched java.base classes call Hooks, which lives in the boot loader's unnamed module.
        inst.redefineModule(Object.class.getModule(), Set.of(Hooks.class.getModule()), Map.of(), Map.of(),
                Set.of(), Map.of());
        NativeAccess.setModuleOpener(new Consumer<Module>() {
            @Override
            public void accept(Module module) {
                inst.redefineModule(Object.class.getModule(), Set.of(), Map.of(),
                        Map.of("java.lang", Set.of(module), "jdk.internal.module", Set.of(module)), Set.of(), Map.of());
            }
        });
        if (options.subreaper()) {
            runtime.becomeSubreaper(); // before the first patch starts the reaper, and before any start
        }
        ProcessClassPatcher patcher = new ProcessClassPatcher(runtime.backgroundTask(), options.cookie());
        inst.addTransformer(patcher, true);
        retransformLoaded(inst, patcher);
        if (options.exitKill()) {
            Runtime.getRuntime().addShutdownHook(runtime.exitKillHook());
        }
        if (options.jmx()) {
            JmxBackend backend = new JmxBackend(runtime.settings(), runtime.stats(), runtime, runtime.started());
            // Attached to a running JVM: start-up is over and its platform MBeanServer may exist already.
            PlatformRegistration.register(backend, attached);
        }
        if (Log.enabled(Log.Level.INFO)) {
            Log.info("active (" + options + ")");
        }
    }

    /** Under attach, or when a class was loaded earlier, the process classes are already there. */
    private static void retransformLoaded(Instrumentation inst, ProcessClassPatcher patcher) throws UnmodifiableClassException {
        List<Class<?>> loaded = new ArrayList<>();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            if (patcher.isTarget(c)) {
                loaded.add(c);
            }
        }
        if (!loaded.isEmpty()) {
            inst.retransformClasses(loaded.toArray(new Class<?>[0]));
        }
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
