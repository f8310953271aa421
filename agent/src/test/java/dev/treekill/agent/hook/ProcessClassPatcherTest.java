package dev.treekill.agent.hook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Test;

/** Patches the real JDK classes of the running JDK; the out-of-process tests run the patched code. */
class ProcessClassPatcherTest {
    private static final PatchCache NO_CACHE = new PatchCache(() -> null, () -> "test");

    private static byte[] jdkClass(String internalName) throws IOException {
        try (InputStream in = Object.class.getResourceAsStream("/" + internalName + ".class")) {
            assertNotNull(in, internalName);
            return in.readAllBytes();
        }
    }

    /** For each method: the calls it makes, in order, as owner.name. */
    private static Map<String, List<String>> calls(byte[] bytes) {
        Map<String, List<String>> out = new TreeMap<>();
        new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] ex) {
                List<String> list = new ArrayList<>();
                out.put(name + desc, list);
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int op, String owner, String mname, String mdesc, boolean itf) {
                        list.add(owner.substring(owner.lastIndexOf('/') + 1) + "." + mname);
                    }
                };
            }
        }, 0);
        return out;
    }

    @Test
    void processImplDestroyMethodsCallTheHooksAroundTheJdkCode() throws IOException {
        byte[] original = jdkClass(ProcessClassPatcher.PROCESS_IMPL);
        Map<String, List<String>> before = calls(original);
        Map<String, List<String>> after = calls(ProcessClassRewriter.patch(ProcessClassPatcher.PROCESS_IMPL, original).bytes);
        for (String method : List.of("destroy()V", "destroyForcibly()Ljava/lang/Process;")) {
            List<String> expected = new ArrayList<>();
            expected.add("Hooks.enter");
            expected.addAll(before.get(method));
            expected.add("Hooks.exit");
            assertEquals(expected, after.get(method), method);
        }
        List<String> start = after.get(START);
        assertEquals("Hooks.starting", start.get(0));
        assertEquals("Hooks.startFailed", start.get(start.size() - 1), "the handler around the body comes last");
        List<String> jdkCalls = new ArrayList<>(start);
        jdkCalls.removeIf(c -> c.startsWith("Hooks."));
        assertEquals(before.get(START), jdkCalls, "start keeps every call of its own, in order");
        assertEquals(1, start.stream().filter("Hooks.started"::equals).count(), "one return, one started()");
        String init = before.keySet().stream().filter(m -> before.get(m).contains("ProcessImpl.forkAndExec"))
                .findFirst().orElseThrow(() -> new AssertionError("no method calls forkAndExec"));
        List<String> expectedInit = new ArrayList<>();
        for (String call : before.get(init)) {
            if (call.equals("ProcessImpl.forkAndExec")) {
                expectedInit.add("Hooks.forking"); // right before the fork: a child may exist from here on
            }
            expectedInit.add(call);
        }
        assertEquals(expectedInit, after.get(init), init);
        before.keySet().stream().filter(m -> !m.startsWith("destroy()") && !m.startsWith("destroyForcibly()")
                && !m.equals(START) && !m.equals(init))
                .forEach(m -> assertEquals(before.get(m), after.get(m), m + " must be untouched"));
    }

    private static final String START =
            "start([Ljava/lang/String;Ljava/util/Map;Ljava/lang/String;[Ljava/lang/ProcessBuilder$Redirect;Z)Ljava/lang/Process;";

    @Test
    void startsHandlerIsTheLastEntryOfItsExceptionTable() throws IOException {
        byte[] patched = ProcessClassRewriter.patch(ProcessClassPatcher.PROCESS_IMPL, jdkClass(ProcessClassPatcher.PROCESS_IMPL)).bytes;
        List<String> handlerTypes = new ArrayList<>();
        new ClassReader(patched).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] ex) {
                return !START.equals(name + desc) ? null : new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitTryCatchBlock(net.bytebuddy.jar.asm.Label s, net.bytebuddy.jar.asm.Label e,
                            net.bytebuddy.jar.asm.Label h, String type) {
                        handlerTypes.add(String.valueOf(type));
                    }
                };
            }
        }, 0);
        assertTrue(handlerTypes.size() > 1, "the JDK's own handlers are kept: " + handlerTypes);
        assertEquals("java/lang/Throwable", handlerTypes.get(handlerTypes.size() - 1),
                "ours must come last, or it would catch what the JDK's own handlers are there for");
    }

    @Test
    void environmentBlocksGoThroughTheCookieHook() throws IOException {
        byte[] original = jdkClass(ProcessClassPatcher.ENVIRONMENT);
        Map<String, List<String>> before = calls(original);
        Map<String, List<String>> after = calls(ProcessClassRewriter.patch(ProcessClassPatcher.ENVIRONMENT, original).bytes);
        String toBlock = "toEnvironmentBlock(Ljava/util/Map;[I)[B";
        List<String> expected = new ArrayList<>(List.of("ProcessEnvironment.environment", "Hooks.environment"));
        expected.addAll(before.get(toBlock));
        expected.add("Hooks.environmentBlock");
        assertEquals(expected, after.get(toBlock));
        before.keySet().stream().filter(m -> !m.equals(toBlock))
                .forEach(m -> assertEquals(before.get(m), after.get(m), m + " must be untouched"));
    }

    @Test
    void theEnvironmentIsOnlyPatchedWithCookiesOn() throws IOException {
        byte[] bytes = jdkClass(ProcessClassPatcher.ENVIRONMENT);
        assertNotNull(new ProcessClassPatcher(() -> { }, true, NO_CACHE).transform(null, ProcessClassPatcher.ENVIRONMENT, null, null, bytes));
        assertNull(new ProcessClassPatcher(() -> { }, false, NO_CACHE).transform(null, ProcessClassPatcher.ENVIRONMENT, null, null, bytes));
    }

    @Test
    void processHandleImplDestroyMethodsCallTheHooks() throws IOException {
        byte[] original = jdkClass(ProcessClassPatcher.HANDLE_IMPL);
        Map<String, List<String>> after = calls(ProcessClassRewriter.patch(ProcessClassPatcher.HANDLE_IMPL, original).bytes);
        assertEquals(List.of("Hooks.enter", "ProcessHandleImpl.destroyProcess", "Hooks.exit"), after.get("destroyForcibly()Z"));
        assertEquals(List.of("Hooks.enter", "ProcessHandleImpl.destroyProcess", "Hooks.exit"), after.get("destroy()Z"));
    }

    /** The running JDK's children(long) and descendants(): each list from the native goes through Hooks.processPids. */
    @Test
    void processHandleImplListsGoThroughTheListingHook() throws IOException {
        byte[] original = jdkClass(ProcessClassPatcher.HANDLE_IMPL);
        Map<String, List<String>> after = calls(ProcessClassRewriter.patch(ProcessClassPatcher.HANDLE_IMPL, original).bytes);
        int sites = 0;
        for (Map.Entry<String, List<String>> method : after.entrySet()) {
            List<String> calls = method.getValue();
            for (int i = 0; i < calls.size(); i++) {
                if (calls.get(i).equals("ProcessHandleImpl.getProcessPids0")) {
                    sites++;
                    assertEquals("Hooks.processPids", i + 1 < calls.size() ? calls.get(i + 1) : "", method.getKey());
                }
            }
        }
        assertEquals(2, sites, "children(long) and descendants() on JDK 17 to 25");
        assertTrue(after.get("descendants()Ljava/util/stream/Stream;").contains("Hooks.processPids"));
        assertTrue(after.get("children(J)Ljava/util/stream/Stream;").contains("Hooks.processPids"));
    }

    @Test
    void theLoadedTargetsAreRecognisedAndOnlyThey() throws ClassNotFoundException {
        ProcessClassPatcher patcher = new ProcessClassPatcher(() -> { }, true, NO_CACHE);
        for (String target : List.of(ProcessClassPatcher.PROCESS_IMPL, ProcessClassPatcher.HANDLE_IMPL,
                ProcessClassPatcher.ENVIRONMENT)) {
            Class<?> c = Class.forName(target.replace('/', '.'));
            assertEquals(Modifier.FINAL, c.getModifiers(), target + ": isTarget's shortcut expects final, not public");
            assertTrue(patcher.isTarget(c), target);
        }
        assertFalse(new ProcessClassPatcher(() -> { }, false, NO_CACHE).isTarget(
                Class.forName("java.lang.ProcessEnvironment")), "no cookies, no environment patch");
        assertFalse(patcher.isTarget(Process.class));
        assertFalse(patcher.isTarget(String.class));
    }

    @Test
    void otherClassesAndLoadersAreLeftAlone() throws IOException {
        ProcessClassPatcher patcher = new ProcessClassPatcher(() -> { }, true, NO_CACHE);
        byte[] bytes = jdkClass(ProcessClassPatcher.PROCESS_IMPL);
        assertNull(patcher.transform(getClass().getClassLoader(), ProcessClassPatcher.PROCESS_IMPL, null, null, bytes));
        assertNull(patcher.transform(null, "java/lang/String", null, null, jdkClass("java/lang/String")));
    }

    @Test
    void onlyProcessImplStartsTheWarmUpOnceAndBrokenBytesAreNotFatal() throws IOException {
        int[] runs = {0};
        ProcessClassPatcher patcher = new ProcessClassPatcher(() -> runs[0]++, true, NO_CACHE);
        byte[] bytes = jdkClass(ProcessClassPatcher.HANDLE_IMPL);
        assertNotNull(patcher.transform(null, ProcessClassPatcher.HANDLE_IMPL, null, null, bytes));
        assertEquals(0, runs[0], "ProcessHandle.current() alone starts no process: no warm-up");
        byte[] processImpl = jdkClass(ProcessClassPatcher.PROCESS_IMPL);
        assertNotNull(patcher.transform(null, ProcessClassPatcher.PROCESS_IMPL, null, null, processImpl));
        assertNotNull(patcher.transform(null, ProcessClassPatcher.PROCESS_IMPL, null, null, processImpl));
        assertEquals(1, runs[0]);
        byte[] garbage = {1, 2, 3};
        assertNull(patcher.transform(null, ProcessClassPatcher.PROCESS_IMPL, null, null, garbage));
        assertArrayEquals(new byte[] {1, 2, 3}, garbage);
    }
}
