package dev.treekill.agent.hook;

import java.util.HashMap;
import java.util.Map;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * Part of {@link ProcessClassRewriter}'s patch of {@code ProcessHandleImpl}: every call of its native
 * {@code getProcessPids0(long pid, long[] pids, long[] ppids, long[] startTimes)}, the one source of
 * {@code children()} and {@code descendants()} (JDK 9 to 25), passes its result through {@link Hooks#processPids},
 * which may take the agent's own processes out of the arrays and returns the new count. The JDK's own code then
 * runs on the arrays as it would have: its loop that asks again with larger arrays, its tree walk, its start time
 * checks. The arguments are kept in new local slots past the method's own, written and read in one straight run of
 * code: no frame needs to know of them.
 */
final class ListingInjector extends MethodVisitor {
    private static final String NATIVE = "getProcessPids0";
    private static final String NATIVE_DESC = "(J[J[J[J)I";
    private static final String HOOKS = Hooks.class.getName().replace('.', '/');

    /** The pid (two slots), then pids, ppids, startTimes. */
    private final int firstSlot;

    ListingInjector(MethodVisitor mv, int firstSlot) {
        super(Opcodes.ASM9, mv);
        this.firstSlot = firstSlot;
    }

    /**
     * The methods of {@code ProcessHandleImpl} (name + descriptor) that call the native, each with its first free
     * local slot: a cheap first pass, without debug information or frames.
     */
    static Map<String, Integer> callers(ClassReader reader) {
        Map<String, Integer> found = new HashMap<>();
        reader.accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String signature, String[] exceptions) {
                String key = name + desc;
                return new MethodVisitor(Opcodes.ASM9) {
                    private boolean calls;

                    @Override
                    public void visitMethodInsn(int opcode, String owner, String callee, String calleeDesc, boolean itf) {
                        calls |= isNative(opcode, owner, callee, calleeDesc);
                    }

                    @Override
                    public void visitMaxs(int maxStack, int maxLocals) {
                        if (calls) {
                            found.put(key, maxLocals);
                        }
                    }
                };
            }
        }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return found;
    }

    private static boolean isNative(int opcode, String owner, String name, String desc) {
        return opcode == Opcodes.INVOKESTATIC && ProcessClassRewriter.HANDLE_IMPL.equals(owner) && NATIVE.equals(name)
                && NATIVE_DESC.equals(desc);
    }

    @Override
    public void visitMethodInsn(int opcode, String owner, String name, String desc, boolean itf) {
        if (!isNative(opcode, owner, name, desc)) {
            super.visitMethodInsn(opcode, owner, name, desc, itf);
            return;
        }
        super.visitVarInsn(Opcodes.ASTORE, firstSlot + 4);
        super.visitVarInsn(Opcodes.ASTORE, firstSlot + 3);
        super.visitVarInsn(Opcodes.ASTORE, firstSlot + 2);
        super.visitVarInsn(Opcodes.LSTORE, firstSlot);
        loadArguments();
        super.visitMethodInsn(opcode, owner, name, desc, itf);
        loadArguments();
        super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, "processPids", "(IJ[J[J[J)I", false);
    }

    private void loadArguments() {
        super.visitVarInsn(Opcodes.LLOAD, firstSlot);
        super.visitVarInsn(Opcodes.ALOAD, firstSlot + 2);
        super.visitVarInsn(Opcodes.ALOAD, firstSlot + 3);
        super.visitVarInsn(Opcodes.ALOAD, firstSlot + 4);
    }

    /** The call's five slots of arguments were on the stack already; the count under them adds one. */
    @Override
    public void visitMaxs(int maxStack, int maxLocals) {
        super.visitMaxs(maxStack + 1, Math.max(maxLocals, firstSlot + 5));
    }
}
