package dev.treekill.agent.jmx;

import dev.treekill.agent.hook.StaticMethodPatch;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * The ASM rewrite behind {@link PlatformServerPatcher}: every return of {@code
 * ManagementFactory.getPlatformMBeanServer()} first hands the server to {@link PlatformRegistration#serverReady}.
 * The inserted code is {@code DUP; INVOKESTATIC}: no branch, no new local, so no frame changes. A class of its
 * own so that a patch served from the cache loads none of ASM.
 */
final class PlatformServerRewriter {
    static final String MANAGEMENT_FACTORY = "java/lang/management/ManagementFactory";
    private static final String METHOD = "getPlatformMBeanServer()Ljavax/management/MBeanServer;";
    private static final String REGISTRATION = PlatformRegistration.class.getName().replace('.', '/');

    private PlatformServerRewriter() {
    }

    /** The patched class, or null when the method is not there as a static method. */
    static byte[] patch(byte[] bytes) {
        return StaticMethodPatch.apply(bytes, METHOD, 0, new StaticMethodPatch.Wrapper() {
            @Override
            public MethodVisitor wrap(MethodVisitor method) {
                return new MethodVisitor(Opcodes.ASM9, method) {
                    @Override
                    public void visitInsn(int opcode) {
                        if (opcode == Opcodes.ARETURN) {
                            super.visitInsn(Opcodes.DUP);
                            super.visitMethodInsn(Opcodes.INVOKESTATIC, REGISTRATION, "serverReady",
                                    "(Ljavax/management/MBeanServer;)V", false);
                        }
                        super.visitInsn(opcode);
                    }

                    @Override
                    public void visitMaxs(int maxStack, int maxLocals) {
                        super.visitMaxs(maxStack + 1, maxLocals);
                    }
                };
            }
        });
    }
}
