package dev.treekill.agent.hook;

import dev.treekill.agent.log.Log;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * The ASM rewrite behind {@link ProcessClassPatcher}: {@code destroy()} and {@code destroyForcibly()} of
 * {@code ProcessImpl} and {@code ProcessHandleImpl} call {@link Hooks#enter} first and {@link Hooks#exit}
 * before returning; the static {@code ProcessImpl.start} reports each start ({@link Hooks#starting},
 * {@link Hooks#forking} before the native fork, {@link Hooks#started}, {@link Hooks#startFailed});
 * {@code ProcessHandleImpl}'s lists of processes go through {@link Hooks#processPids} ({@link ListingInjector});
 * {@code ProcessEnvironment.toEnvironmentBlock} gives every child its cookie. No frame or max computation:
 * the inserted code has no branches (the one handler's frame is written by hand), and computing frames could
 * load classes from inside a transformer. A class of its own so that a patch served from the
 * {@link PatchCache} loads none of ASM.
 */
final class ProcessClassRewriter {
    static final String PROCESS_IMPL = "java/lang/ProcessImpl";
    static final String HANDLE_IMPL = "java/lang/ProcessHandleImpl";
    static final String ENVIRONMENT = "java/lang/ProcessEnvironment";
    private static final String START = "start([Ljava/lang/String;Ljava/util/Map;Ljava/lang/String;[Ljava/lang/ProcessBuilder$Redirect;Z)Ljava/lang/Process;";
    private static final String TO_BLOCK = "toEnvironmentBlock(Ljava/util/Map;[I)[B";
    private static final String HOOKS = Hooks.class.getName().replace('.', '/');

    private ProcessClassRewriter() {
    }

    /**
     * Returns the patched class with the warning to give wherever it is used ("" for none; not logged here, so a
     * cached patch warns alike), or null if none of the methods were found (an unknown JDK).
     */
    static PatchCache.Patch patch(String className, byte[] bytes) {
        if (ENVIRONMENT.equals(className)) {
            byte[] patched = patchEnvironment(bytes);
            return patched == null ? null : new PatchCache.Patch(patched, "");
        }
        Map<String, Integer> kinds = kindsOf(className);
        ClassReader reader = new ClassReader(bytes);
        Map<String, Integer> maxLocals = maxLocals(reader, kinds);
        if (maxLocals.isEmpty()) {
            Log.warn(className + " has no destroy()/destroyForcibly() to patch on this JDK");
            return null;
        }
        int[] found = new int[2]; // ProcessImpl: start methods, fork sites
        Map<String, Integer> listings = HANDLE_IMPL.equals(className) ? ListingInjector.callers(reader)
                : Collections.<String, Integer>emptyMap();
        byte[] patched = rewrite(className, reader, kinds, maxLocals, listings, false, found);
        if (PROCESS_IMPL.equals(className) && found[1] == 0) {
            // An unknown JDK: count the whole start as forking, which holds up orphan reaping a little longer.
            patched = rewrite(className, reader, kinds, maxLocals, listings, true, found);
        }
        String warning = PROCESS_IMPL.equals(className) && found[0] == 0
                ? "ProcessImpl.start has another shape on this JDK: no cookies, and adopted orphans are not reaped" : "";
        return new PatchCache.Patch(patched, warning);
    }

    /**
     * One pass over the class; {@code found} counts the start methods and fork sites patched; {@code listings}: the
     * methods whose process lists go through {@link Hooks#processPids}, with their first free local slot.
     */
    private static byte[] rewrite(String className, ClassReader reader, Map<String, Integer> kinds,
            Map<String, Integer> maxLocals, Map<String, Integer> listings, boolean forkingFromEntry, int[] found) {
        found[0] = 0;
        found[1] = 0;
        boolean processImpl = PROCESS_IMPL.equals(className);
        ClassWriter writer = new ClassWriter(reader, 0);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String signature, String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, desc, signature, exceptions);
                // JDK 17 to 25 fork in the constructor. Every other method goes straight to the writer, which then
                // copies it without parsing it: the first start pays for patching a handful of methods, not ~50.
                if (processImpl && ("<init>".equals(name) || forkingFromEntry)) {
                    mv = new ForkInjector(mv, found);
                }
                if (processImpl && START.equals(name + desc) && (access & Opcodes.ACC_STATIC) != 0) {
                    found[0]++;
                    return new StartInjector(mv, forkingFromEntry);
                }
                Integer listingSlot = listings.get(name + desc);
                if (listingSlot != null) {
                    mv = new ListingInjector(mv, listingSlot);
                }
                Integer kind = kinds.get(name + desc);
                return kind == null ? mv : new HookInjector(mv, kind, maxLocals.get(name + desc));
            }
        }, ClassReader.EXPAND_FRAMES);
        return writer.toByteArray();
    }

    private static byte[] patchEnvironment(byte[] bytes) {
        byte[] patched = StaticMethodPatch.apply(bytes, TO_BLOCK, ClassReader.EXPAND_FRAMES, new StaticMethodPatch.Wrapper() {
            @Override
            public MethodVisitor wrap(MethodVisitor method) {
                return new CookieInjector(method);
            }
        });
        if (patched == null) {
            Log.warn("ProcessEnvironment.toEnvironmentBlock has another shape on this JDK: started processes get no cookie");
        }
        return patched;
    }

    private static boolean isForkAndExec(String owner, String name) {
        return PROCESS_IMPL.equals(owner) && "forkAndExec".equals(name);
    }

    /** Hooks.forking() right before ProcessImpl's native fork (JDK 17 to 25): a child may exist from then on. */
    private static final class ForkInjector extends MethodVisitor {
        private final int[] found;

        ForkInjector(MethodVisitor mv, int[] found) {
            super(Opcodes.ASM9, mv);
            this.found = found;
        }

        @Override
        public void visitMethodInsn(int opcode, String owner, String name, String desc, boolean itf) {
            if (isForkAndExec(owner, name)) {
                found[1]++;
                super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, "forking", "()V", false);
            }
            super.visitMethodInsn(opcode, owner, name, desc, itf);
        }
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
            List<Object> locals = new ArrayList<>();
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

    /**
     * ProcessImpl.start: Hooks.starting() first, Hooks.started(process) before the return, and a handler
     * around the whole body calling Hooks.startFailed() and rethrowing. The handler comes last in the
     * exception table, so the method's own handlers keep catching first; its frame holds only the
     * parameters, which start never reassigns. Where the fork itself was not found, the start counts as
     * forking from its entry.
     */
    private static final class StartInjector extends MethodVisitor {
        private final Label tryStart = new Label();
        private final Label handler = new Label();
        private final boolean forkingFromEntry;

        StartInjector(MethodVisitor mv, boolean forkingFromEntry) {
            super(Opcodes.ASM9, mv);
            this.forkingFromEntry = forkingFromEntry;
        }

        @Override
        public void visitCode() {
            super.visitCode();
            super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, "starting", "()V", false);
            if (forkingFromEntry) {
                super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, "forking", "()V", false);
            }
            super.visitLabel(tryStart);
        }

        @Override
        public void visitInsn(int opcode) {
            if (opcode == Opcodes.ARETURN) {
                super.visitInsn(Opcodes.DUP);
                super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, "started", "(Ljava/lang/Object;)V", false);
            }
            super.visitInsn(opcode);
        }

        @Override
        public void visitMaxs(int maxStack, int maxLocals) {
            super.visitTryCatchBlock(tryStart, handler, handler, "java/lang/Throwable");
            super.visitLabel(handler);
            super.visitFrame(Opcodes.F_NEW, 5,
                    new Object[] {"[Ljava/lang/String;", "java/util/Map", "java/lang/String",
                        "[Ljava/lang/ProcessBuilder$Redirect;", Opcodes.INTEGER},
                    1, new Object[] {"java/lang/Throwable"});
            super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, "startFailed", "()V", false);
            super.visitInsn(Opcodes.ATHROW);
            super.visitMaxs(Math.max(maxStack + 1, 1), maxLocals);
        }
    }

    /**
     * ProcessEnvironment.toEnvironmentBlock(map, envc): a null map (inherit the JVM's environment) becomes
     * a copy of the JVM's environment, so that there is a block to add the cookie to; the block returned
     * goes through Hooks.environmentBlock, which adds it.
     */
    private static final class CookieInjector extends MethodVisitor {
        CookieInjector(MethodVisitor mv) {
            super(Opcodes.ASM9, mv);
        }

        @Override
        public void visitCode() {
            super.visitCode();
            super.visitVarInsn(Opcodes.ALOAD, 0);
            super.visitMethodInsn(Opcodes.INVOKESTATIC, ENVIRONMENT, "environment", "()Ljava/util/Map;", false);
            super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, "environment",
                    "(Ljava/util/Map;Ljava/util/Map;)Ljava/util/Map;", false);
            super.visitVarInsn(Opcodes.ASTORE, 0);
        }

        @Override
        public void visitInsn(int opcode) {
            if (opcode == Opcodes.ARETURN) {
                super.visitVarInsn(Opcodes.ALOAD, 1);
                super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, "environmentBlock", "([B[I)[B", false);
            }
            super.visitInsn(opcode);
        }

        @Override
        public void visitMaxs(int maxStack, int maxLocals) {
            super.visitMaxs(maxStack + 2, maxLocals);
        }
    }
}
