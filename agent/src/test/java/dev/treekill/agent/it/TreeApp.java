package dev.treekill.agent.it;

import dev.treekill.testing.TaggedProcesses;
import dev.treekill.testing.TreeShapes;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The application the integration tests run in a child JVM, under the agent or not. Plain JDK only: its
 * class path is the test classes directory and nothing else (the only thing it takes from
 * {@link TreeShapes} and {@link TaggedProcesses} are compile-time constant strings, inlined by javac).
 *
 * <p>Modes (first argument):
 * <ul>
 * <li>{@code kill <shape> <n> [handle] [repeat=<k>] [threads=<t>]} start a tree, destroyForcibly() it (or
 *     {@code ProcessHandle.of(root).get().destroyForcibly()}), print a result line; k times; with t threads
 *     calling it at once on the same process, one result line per thread; {@code atOnce}: kill the moment
 *     the tree has its shape (no pause between looks at it).</li>
 * <li>{@code graceful <shape> <n> <graceMillis>} destroy(), waitFor(grace), print {@code after_destroy ...},
 *     then destroyForcibly() and print a result line.</li>
 * <li>{@code destroy <shape> <n> <settleMillis>} destroy() the tree, then wait up to settleMillis for
 *     the snapshot to die; print a result line.</li>
 * <li>{@code wait <shape> <n> [handle]} start a tree, print {@code ready pid=<this jvm> root=<root>}, read one line
 *     from stdin, then destroyForcibly() and print a result line (dynamic attach happens meanwhile).</li>
 * <li>{@code libs <before|after>} use the application's own JNA and Byte Buddy (before or after this JVM
 *     starts its first process), kill a tree, use JNA again; print {@code lib ...} lines and a result line.</li>
 * <li>{@code probe <class>...} kill a small tree (so the agent is fully loaded), then print whether each
 *     class and its class file resource are visible to the application.</li>
 * <li>{@code hello} print {@code main ran}.</li>
 * </ul>
 * Shapes: {@code wide chain forking zombies obedient} (the snippets of {@link TreeShapes}) and
 * {@code stubborn} (a wide tree that ignores SIGTERM).
 *
 * <p>Result line: {@code tree=<processes in the snapshot> root=<pid> returned_ms=<t> survivors=<live,
 * non-zombie snapshot processes right after the call returned> tagged=<live processes other than this JVM
 * carrying this test's tag, or -1 untagged> exit=<waitFor()> exitValue=<exitValue()>}. Exit status 0; 3
 * when the scenario itself could not run.
 */
public final class TreeApp {
    static final String TAG_VARIABLE = TaggedProcesses.TAG_VARIABLE;
    /** A wide tree that ignores SIGTERM: an ignored signal stays ignored across fork and exec. */
    static final String STUBBORN = "trap '' TERM; " + TreeShapes.WIDE;
    private static final long SELF = ProcessHandle.current().pid();

    private TreeApp() {
    }

    public static void main(String[] args) {
        AppMain.run(args, TreeApp::run);
        System.exit(0);
    }

    private static void run(String[] args) throws Exception {
        String mode = args.length == 0 ? "" : args[0];
        switch (mode) {
            case "kill":
                kill(args);
                break;
            case "destroy":
                destroy(args);
                break;
            case "graceful":
                graceful(args);
                break;
            case "wait":
                waitThenKill(args);
                break;
            case "libs":
                libs(args);
                break;
            case "probe":
                probe(args);
                break;
            case "hello":
                System.out.println("main ran");
                break;
            default:
                throw new IllegalArgumentException("usage: TreeApp kill|destroy|graceful|wait|libs|probe|hello ... (got "
                        + Arrays.toString(args) + ")");
        }
    }

    // ---- modes ----

    /** Kill the moment the tree has its shape, as a watchdog or a failing test does. */
    private static volatile boolean atOnce;

    private static void kill(String[] args) throws Exception {
        String shape = args[1];
        int n = Integer.parseInt(args[2]);
        boolean viaHandle = false;
        int repeat = 1;
        int threads = 1;
        for (int i = 3; i < args.length; i++) {
            if (args[i].equals("handle")) {
                viaHandle = true;
            } else if (args[i].startsWith("repeat=")) {
                repeat = Integer.parseInt(args[i].substring("repeat=".length()));
            } else if (args[i].equals("atOnce")) {
                atOnce = true; // no pause between looks at the tree: killed the moment it is up
            } else if (args[i].startsWith("threads=")) {
                threads = Integer.parseInt(args[i].substring("threads=".length()));
            } else {
                throw new IllegalArgumentException("unknown kill argument " + args[i]);
            }
        }
        for (int r = 0; r < repeat; r++) {
            Tree tree = Tree.start(shape, n);
            if (threads == 1) {
                long start = System.nanoTime();
                killOnce(tree, viaHandle);
                tree.report(start);
            } else {
                killConcurrently(tree, viaHandle, threads);
            }
        }
    }

    private static void killOnce(Tree tree, boolean viaHandle) {
        if (viaHandle) {
            boolean requested = ProcessHandle.of(tree.root.pid()).get().destroyForcibly();
            if (!requested) {
                System.out.println("note handle.destroyForcibly() returned false");
            }
        } else {
            tree.root.destroyForcibly();
        }
    }

    /** {@code threads} threads call destroyForcibly() on the same process at once; each reports on its return. */
    private static void killConcurrently(Tree tree, boolean viaHandle, int threads) throws Exception {
        java.util.concurrent.CyclicBarrier barrier = new java.util.concurrent.CyclicBarrier(threads);
        List<Thread> all = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                try {
                    barrier.await();
                    long start = System.nanoTime();
                    killOnce(tree, viaHandle);
                    tree.report(start);
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "killer-" + t);
            thread.start();
            all.add(thread);
        }
        for (Thread thread : all) {
            thread.join(120_000);
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("a killer thread failed", failures.get(0));
        }
    }

    /** destroy(), wait up to graceMillis for the root, then destroyForcibly(): the usual "graceful, then hard" shutdown. */
    private static void graceful(String[] args) throws Exception {
        Tree tree = Tree.start(args[1], Integer.parseInt(args[2]));
        long grace = Long.parseLong(args[3]);
        tree.root.destroy();
        boolean exited = tree.root.waitFor(grace, TimeUnit.MILLISECONDS);
        System.out.println("after_destroy exited=" + exited + " survivors=" + tree.survivors());
        long start = System.nanoTime();
        tree.root.destroyForcibly();
        tree.report(start);
    }

    private static void destroy(String[] args) throws Exception {
        Tree tree = Tree.start(args[1], Integer.parseInt(args[2]));
        long settle = Long.parseLong(args[3]);
        long start = System.nanoTime();
        tree.root.destroy();
        long returned = System.nanoTime();
        long end = returned + TimeUnit.MILLISECONDS.toNanos(settle);
        while (tree.survivors() > 0 && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        tree.report(start, returned);
    }

    private static void waitThenKill(String[] args) throws Exception {
        Tree tree = Tree.start(args[1], Integer.parseInt(args[2]));
        System.out.println("ready pid=" + SELF + " root=" + tree.root.pid());
        System.out.flush();
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        System.out.println("got " + line);
        long start = System.nanoTime();
        killOnce(tree, args.length > 3 && args[3].equals("handle"));
        tree.report(start);
    }

    private static void libs(String[] args) throws Exception {
        boolean before = args.length > 1 && args[1].equals("before");
        Tree tree = null;
        if (!before) {
            // The first process loads (and the agent patches) ProcessImpl: the agent loads its JNA first.
            tree = Tree.start("wide", 20);
        }
        Class<?> nativeClass = Class.forName("com.sun.jna.Native");
        java.lang.reflect.Field versionField = nativeClass.getField("VERSION"); // declared by package-private Version
        versionField.setAccessible(true);
        Object version = versionField.get(null);
        System.out.println("lib jna version=" + version + " source=" + source(nativeClass) + " loader="
                + loaderName(nativeClass) + " getpid=" + jnaGetpidWorks());
        Class<?> byteBuddy = Class.forName("net.bytebuddy.ByteBuddy");
        Class<?> asm = Class.forName("net.bytebuddy.jar.asm.ClassReader");
        System.out.println("lib bytebuddy version=" + byteBuddyVersion(byteBuddy) + " source=" + source(byteBuddy)
                + " loader=" + loaderName(byteBuddy) + " asm_source=" + source(asm) + " asm_loader=" + loaderName(asm)
                + " generated=" + generateWithByteBuddy(byteBuddy));
        if (tree == null) {
            tree = Tree.start("wide", 20);
        }
        long start = System.nanoTime();
        tree.root.destroyForcibly();
        tree.report(start);
        System.out.println("lib jna after_kill getpid=" + jnaGetpidWorks());
    }

    private static void probe(String[] args) throws Exception {
        Tree tree = Tree.start("wide", 10);
        long start = System.nanoTime();
        tree.root.destroyForcibly();
        tree.report(start);
        for (int i = 1; i < args.length; i++) {
            String name = args[i];
            String line;
            try {
                Class<?> c = Class.forName(name);
                line = "class " + name + " visible=true loader=" + loaderName(c) + " source=" + source(c);
            } catch (ClassNotFoundException | LinkageError e) {
                line = "class " + name + " visible=false (" + e.getClass().getSimpleName() + ")";
            }
            System.out.println(line);
            URL resource = ClassLoader.getSystemResource(name.replace('.', '/') + ".class");
            System.out.println("resource " + name + " visible=" + (resource != null) + (resource == null ? "" : " url=" + resource));
        }
    }

    // ---- the application's own libraries, by reflection (TreeApp compiles without them) ----

    /** Calls libc's getpid() through the application's JNA. */
    private static boolean jnaGetpidWorks() throws Exception {
        Class<?> function = Class.forName("com.sun.jna.Function");
        Object getpid = function.getMethod("getFunction", String.class, String.class).invoke(null, "c", "getpid");
        Object pid = function.getMethod("invokeInt", Object[].class).invoke(getpid, (Object) new Object[0]);
        return ((Integer) pid).longValue() == SELF;
    }

    private static String byteBuddyVersion(Class<?> byteBuddy) throws IOException {
        String version = byteBuddy.getPackage().getImplementationVersion();
        if (version != null) {
            return version;
        }
        // Byte Buddy's manifest has no Implementation-Version; its jar carries Maven's pom.properties.
        URL pom = byteBuddy.getResource("/META-INF/maven/net.bytebuddy/byte-buddy/pom.properties");
        if (pom == null) {
            return "unknown";
        }
        Properties p = new Properties();
        try (InputStream in = pom.openStream()) {
            p.load(in);
        }
        return p.getProperty("version", "unknown");
    }

    /** {@code new ByteBuddy().subclass(Object.class).make().load(loader).getLoaded().getName()}. */
    private static String generateWithByteBuddy(Class<?> byteBuddy) throws Exception {
        ClassLoader cl = byteBuddy.getClassLoader();
        Object bb = byteBuddy.getConstructor().newInstance();
        Object builder = byteBuddy.getMethod("subclass", Class.class).invoke(bb, Object.class);
        Class<?> builderType = Class.forName("net.bytebuddy.dynamic.DynamicType$Builder", true, cl);
        Object unloaded = builderType.getMethod("make").invoke(builder);
        Class<?> unloadedType = Class.forName("net.bytebuddy.dynamic.DynamicType$Unloaded", true, cl);
        Object loaded = unloadedType.getMethod("load", ClassLoader.class).invoke(unloaded, cl);
        Class<?> loadedType = Class.forName("net.bytebuddy.dynamic.DynamicType$Loaded", true, cl);
        Class<?> generated = (Class<?>) loadedType.getMethod("getLoaded").invoke(loaded);
        return generated.getSuperclass() == Object.class ? generated.getName().replace(' ', '_') : "wrong-superclass";
    }

    private static String source(Class<?> c) {
        CodeSource cs = c.getProtectionDomain().getCodeSource();
        if (cs == null || cs.getLocation() == null) {
            return "none";
        }
        try {
            return new File(cs.getLocation().toURI()).getAbsolutePath();
        } catch (Exception e) {
            return cs.getLocation().toString();
        }
    }

    private static String loaderName(Class<?> c) {
        ClassLoader cl = c.getClassLoader();
        if (cl == null) {
            return "boot";
        }
        return cl == ClassLoader.getSystemClassLoader() ? "app" : cl.getClass().getName();
    }

    // ---- trees ----

    /** A started tree and the snapshot of its processes (pid and start time, so a reused pid is not "alive"). */
    private static final class Tree {
        final Process root;
        final Map<Long, Long> snapshot = new LinkedHashMap<>();

        private Tree(Process root) {
            this.root = root;
        }

        static Tree start(String shape, int n) throws Exception {
            ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", snippet(shape), "sh", Integer.toString(n));
            pb.environment().put(TreeShapes.CHAIN_VARIABLE, TreeShapes.CHAIN);
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.redirectError(ProcessBuilder.Redirect.INHERIT);
            Tree tree = new Tree(pb.start());
            tree.awaitShape(shape, n);
            tree.takeSnapshot();
            return tree;
        }

        private static String snippet(String shape) {
            switch (shape) {
                case "wide":
                    return TreeShapes.WIDE;
                case "chain":
                    return TreeShapes.CHAIN;
                case "forking":
                    return TreeShapes.FORKING;
                case "zombies":
                    return TreeShapes.ZOMBIE_PARENT;
                case "obedient":
                    return TreeShapes.OBEDIENT;
                case "stubborn":
                    return STUBBORN;
                default:
                    throw new IllegalArgumentException("unknown shape " + shape);
            }
        }

        /** Waits (at most 60 s) until the tree has its full shape. */
        private void awaitShape(String shape, int n) throws InterruptedException {
            int live;
            int zombies = 0;
            switch (shape) {
                case "wide":
                case "chain":
                    live = n - 1;
                    break;
                case "forking":
                    live = n + 1; // the n loops, and at least one of their short-lived sleeps
                    break;
                case "zombies":
                    live = n;
                    zombies = 2 * n;
                    break;
                case "obedient":
                    live = 2 * n;
                    break;
                case "stubborn":
                    live = n - 1;
                    break;
                default:
                    throw new IllegalArgumentException("unknown shape " + shape);
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                int[] counts = counts();
                if (counts[0] >= live && counts[1] >= zombies) {
                    return;
                }
                if (!root.isAlive() || System.nanoTime() > end) {
                    throw new IllegalStateException("tree " + shape + " " + n + " of pid " + root.pid()
                            + " did not reach " + live + " live and " + zombies + " zombie descendants: "
                            + counts[0] + " and " + counts[1] + (root.isAlive() ? "" : ", root exited"));
                }
                if (atOnce) {
                    Thread.onSpinWait();
                } else {
                    Thread.sleep(10);
                }
            }
        }

        /** Live and zombie descendants of the root right now. */
        private int[] counts() {
            int[] counts = new int[2];
            root.descendants().forEach(d -> {
                String stat = stat(d.pid());
                if (stat != null) {
                    char state = state(stat);
                    if (state == 'Z') {
                        counts[1]++;
                    } else if (state != 'X') {
                        counts[0]++;
                    }
                }
            });
            return counts;
        }

        private void takeSnapshot() {
            add(root.pid());
            root.descendants().forEach(d -> add(d.pid()));
        }

        private void add(long pid) {
            String stat = stat(pid);
            if (stat != null) {
                snapshot.put(pid, startTime(stat));
            }
        }

        int survivors() {
            int alive = 0;
            for (Map.Entry<Long, Long> e : snapshot.entrySet()) {
                if (live(e.getKey(), e.getValue())) {
                    alive++;
                }
            }
            return alive;
        }

        void report(long start) throws InterruptedException {
            report(start, System.nanoTime());
        }

        /** Measures right away (before waitFor), then prints the result line. */
        void report(long start, long returned) throws InterruptedException {
            int survivors = survivors();
            int tagged = taggedLive();
            List<Long> left = new ArrayList<>();
            for (Map.Entry<Long, Long> e : snapshot.entrySet()) {
                if (live(e.getKey(), e.getValue()) && left.size() < 10) {
                    left.add(e.getKey());
                }
            }
            String exit;
            String exitValue;
            if (root.waitFor(60, TimeUnit.SECONDS)) {
                exit = Integer.toString(root.waitFor());
                exitValue = Integer.toString(root.exitValue());
            } else {
                exit = "none";
                exitValue = "none";
            }
            System.out.println("tree=" + snapshot.size() + " root=" + root.pid() + " returned_ms="
                    + TimeUnit.NANOSECONDS.toMillis(returned - start) + " survivors=" + survivors + " tagged=" + tagged
                    + " exit=" + exit + " exitValue=" + exitValue + " first_survivors=" + join(left));
            System.out.flush();
        }
    }

    private static String join(List<Long> pids) {
        StringBuilder sb = new StringBuilder();
        for (long p : pids) {
            sb.append(sb.length() == 0 ? "" : ",").append(p);
        }
        return sb.length() == 0 ? "-" : sb.toString();
    }

    // ---- /proc ----

    /** Live processes other than this JVM that carry this JVM's test tag; -1 when this JVM has none. */
    static int taggedLive() {
        String tag = System.getenv(TAG_VARIABLE);
        if (tag == null) {
            return -1;
        }
        byte[] needle = (TAG_VARIABLE + "=" + tag).getBytes(StandardCharsets.ISO_8859_1);
        String[] names = new File("/proc").list();
        int count = 0;
        for (String name : names == null ? new String[0] : names) {
            if (name.isEmpty() || !name.chars().allMatch(Character::isDigit)) {
                continue;
            }
            long pid = Long.parseLong(name);
            if (pid == SELF) {
                continue;
            }
            byte[] environ = read("/proc/" + name + "/environ");
            if (environ != null && containsEntry(environ, needle)) {
                String stat = stat(pid);
                if (stat != null && state(stat) != 'Z' && state(stat) != 'X') {
                    count++;
                }
            }
        }
        return count;
    }

    private static boolean containsEntry(byte[] environ, byte[] entry) {
        int start = 0;
        for (int i = 0; i <= environ.length; i++) {
            if (i == environ.length || environ[i] == 0) {
                if (i - start == entry.length && Arrays.equals(Arrays.copyOfRange(environ, start, i), entry)) {
                    return true;
                }
                start = i + 1;
            }
        }
        return false;
    }

    static boolean live(long pid, long startTime) {
        String stat = stat(pid);
        if (stat == null || startTime(stat) != startTime) {
            return false;
        }
        char state = state(stat);
        return state != 'Z' && state != 'X';
    }

    static String stat(long pid) {
        byte[] b = read("/proc/" + pid + "/stat");
        return b == null ? null : new String(b, StandardCharsets.ISO_8859_1);
    }

    static char state(String stat) {
        return stat.charAt(stat.lastIndexOf(')') + 2);
    }

    /** Field 22 of /proc/[pid]/stat; the fields after the command start at field 3. */
    static long startTime(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Long.parseLong(fields[22 - 3]);
    }

    private static byte[] read(String path) {
        try {
            return Files.readAllBytes(Paths.get(path));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
