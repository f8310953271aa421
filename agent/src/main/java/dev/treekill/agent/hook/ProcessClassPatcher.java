package dev.treekill.agent.hook;

import dev.treekill.agent.log.Log;
import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.HashMap;
import java.util.Map;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * Patches {@code java.lang.ProcessImpl} and {@code java.lang.ProcessHandleImpl} when they load (or on
 * retransformation): {@code destroy()} and {@code destroyForcibly()} call {@link Hooks#enter} first and
 * {@link Hooks#exit} before returning. Plain ASM, no frame or max computation: the inserted code has no
 * branches, and computing frames could load classes from inside a transformer.
 */
public final class ProcessClassPatcher implements ClassFileTransformer {
    static final String PROCESS_IMPL = "java/lang/ProcessImpl";
    static final String HANDLE_IMPL = "java/lang/ProcessHandleImpl";
    private static final String HOOKS = Hooks.class.getName().replace('.', '/');

    private final Runnable onFirstPatch;
    private volatile boolean patchedOnce;

    /**
     * {@code onFirstPatch} runs once, when ProcessImpl is patched: a process is about to start. Not for
     * ProcessHandleImpl, which loads in any JVM that asks for its own pid (many logging libraries do).
     */
    public ProcessClassPatcher(Runnable onFirstPatch) {
        this.onFirstPatch = onFirstPatch;
    }

    public static boolean isTarget(Class<?> c) {
        String name = c.getName().replace('.', '/');
        return c.getClassLoader() == null && (name.equals(PROCESS_IMPL) || name.equals(HANDLE_IMPL));
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
            byte[] bytes) {
        if (loader != null || !(PROCESS_IMPL.equals(className) || HANDLE_IMPL.equals(className))) {
            return null;
        }
        try {
            byte[] patched = patch(className, bytes);
            if (!patchedOnce && PROCESS_IMPL.equals(className)) {
                patchedOnce = true;
                onFirstPatch.run();
            }
            return patched;
        } catch (Throwable t) {
            Log.warn("cannot patch " + className + "; destroy() and destroyForcibly() keep the JDK's behaviour", t);
            return null;
        }
    }

    /** Returns the patched class, or null if none of the methods were found (an unknown JDK). */
    static byte[] patch(String className, byte[] bytes) {
        Map<String, Integer> kinds = kindsOf(className);
        ClassReader reader = new ClassReader(bytes);
        Map<String, Integer> maxLocals = maxLocals(reader, kinds);
        if (maxLocals.isEmpty()) {
            Log.warn(className + " has no destroy()/destroyForcibly() to patch on this JDK");
            return null;
        }
        ClassWriter writer = new ClassWriter(reader, 0);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String signature, String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, desc, signature, exceptions);
                Integer kind = kinds.get(name + desc);
                return kind == null ? mv : new HookInjector(mv, kind, maxLocals.get(name + desc));
            }
        }, ClassReader.EXPAND_FRAMES);
        return writer.toByteArray();
    }

    private static Map<String, Integer> kindsOf(String className) {
        Map<String, Integer> kinds = new HashMap<>();
        if (PROCESS_IMPL.equals(className)) {
            kinds.put("destroy()V", Hooks.PROCESS_DESTROY);
            kinds.put("destroyForcibly()Ljava/lang/Process;", Hooks.PROCESS_DESTROY_FORCIBLY);
        } else {
            kinds.put("destroy()Z", Hooks.HANDLE_DESTROY);
            kinds.put("destroyForcibly()Z", Hooks.HANDLE_DESTROY_FORCIBLY);
        }
        return kinds;
    }

    /** A first, cheap pass: the token goes in a new local slot just past the method's own. */
    private static Map<String, Integer> maxLocals(ClassReader reader, Map<String, Integer> kinds) {
        Map<String, Integer> found = new HashMap<>();
        reader.accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String signature, String[] exceptions) {
                String key = name + desc;
                if (!kinds.containsKey(key) || (access & Opcodes.ACC_STATIC) != 0) {
                    return null;
                }
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMaxs(int maxStack, int locals) {
                        found.put(key, locals);
                    }
                };
            }
        }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return found;
    }

    /** Calls Hooks.enter(this, kind) on entry, keeps the token in a new local, Hooks.exit(token) before each return. */
    private static final class HookInjector extends MethodVisitor {
        private final int kind;
        private final int tokenSlot;

        HookInjector(MethodVisitor mv, int kind, int tokenSlot) {
            super(Opcodes.ASM9, mv);
            this.kind = kind;
            this.tokenSlot = tokenSlot;
        }

        @Override
        public void visitCode() {
            super.visitCode();
            super.visitVarInsn(Opcodes.ALOAD, 0);
            super.visitInsn(Opcodes.ICONST_0 + kind);
            super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, "enter", "(Ljava/lang/Object;I)Ljava/lang/Object;", false);
            super.visitVarInsn(Opcodes.ASTORE, tokenSlot);
        }

        @Override
        public void visitInsn(int opcode) {
            if (opcode >= Opcodes.IRETURN && opcode <= Opcodes.RETURN) {
                super.visitVarInsn(Opcodes.ALOAD, tokenSlot);
                super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, "exit", "(Ljava/lang/Object;)V", false);
            }
            super.visitInsn(opcode);
        }

        /** Existing frames must declare the token too, or a return after a branch would not verify. */
        @Override
        public void visitFrame(int type, int numLocal, Object[] local, int numStack, Object[] stack) {
            int slots = 0;
            java.util.List<Object> locals = new java.util.ArrayList<>();
            for (int i = 0; i < numLocal; i++) {
                locals.add(local[i]);
                slots += local[i] == Opcodes.LONG || local[i] == Opcodes.DOUBLE ? 2 : 1;
            }
            for (; slots < tokenSlot; slots++) {
                locals.add(Opcodes.TOP);
            }
            locals.add("java/lang/Object");
            super.visitFrame(type, locals.size(), locals.toArray(), numStack, stack);
        }

        @Override
        public void visitMaxs(int maxStack, int maxLocals) {
            super.visitMaxs(maxStack + 2, Math.max(maxLocals, tokenSlot + 1));
        }
    }
}
