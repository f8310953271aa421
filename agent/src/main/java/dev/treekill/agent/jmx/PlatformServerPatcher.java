package dev.treekill.agent.jmx;

import dev.treekill.agent.log.Log;
import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * Patches {@code java.lang.management.ManagementFactory.getPlatformMBeanServer()} when it loads (or on
 * retransformation): the server it is about to return goes to {@link PlatformRegistration#serverReady}
 * first. The method is {@code static synchronized} on JDK 11 to 25, so the caller that creates the
 * platform server registers the MBean before that server reaches anyone. The inserted code is
 * {@code DUP; INVOKESTATIC}: no branch, no new local, so no frame changes. The JVM itself makes
 * java.management read the boot class path's unnamed module, where PlatformRegistration lives, once it is
 * transformed (java.lang.instrument's package documentation).
 */
public final class PlatformServerPatcher implements ClassFileTransformer {
    static final String MANAGEMENT_FACTORY = "java/lang/management/ManagementFactory";
    private static final String METHOD = "getPlatformMBeanServer()Ljavax/management/MBeanServer;";
    private static final String REGISTRATION = PlatformRegistration.class.getName().replace('.', '/');

    /** Whether {@code c} is patched here; asks the name only of java.management's classes (see ProcessClassPatcher). */
    public boolean isTarget(Class<?> c) {
        return c.getClassLoader() == null && "java.management".equals(c.getModule().getName())
                && c.getName().equals("java.lang.management.ManagementFactory");
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
            byte[] bytes) {
        if (loader != null || !MANAGEMENT_FACTORY.equals(className)) {
            return null;
        }
        try {
            byte[] patched = patch(bytes);
            if (patched == null) {
                Log.warn("ManagementFactory.getPlatformMBeanServer has another shape on this JDK: the MBean is not"
                        + " registered");
            }
            return patched;
        } catch (Throwable t) {
            Log.warn("cannot patch ManagementFactory; the MBean is not registered", t);
            return null;
        }
    }

    /** The patched class, or null when the method is not there as a static method. */
    static byte[] patch(byte[] bytes) {
        ClassReader reader = new ClassReader(bytes);
        ClassWriter writer = new ClassWriter(reader, 0);
        boolean[] found = new boolean[1];
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String signature, String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, desc, signature, exceptions);
                if (!METHOD.equals(name + desc) || (access & Opcodes.ACC_STATIC) == 0) {
                    return mv;
                }
                found[0] = true;
                return new MethodVisitor(Opcodes.ASM9, mv) {
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
        }, 0);
        return found[0] ? writer.toByteArray() : null;
    }
}
