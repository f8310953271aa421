package dev.treekill.agent.hook;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * The shape two of the agent's JDK patches share: one static method of a class rewritten with ASM, everything else
 * copied as it is ({@code ProcessEnvironment.toEnvironmentBlock} for cookies, {@code
 * ManagementFactory.getPlatformMBeanServer} for the MBean's registration).
 */
public final class StaticMethodPatch {
    /** What the one method's code passes through. */
    public interface Wrapper {
        MethodVisitor wrap(MethodVisitor method);
    }

    private StaticMethodPatch() {
    }

    /**
     * {@code bytes} with the static method {@code nameAndDescriptor} (e.g. {@code "m(I)V"}) passed through
     * {@code wrapper}, read with {@link ClassReader}'s {@code parsingOptions}; null when the class has no such static
     * method (another shape on this JDK).
     */
    public static byte[] apply(byte[] bytes, String nameAndDescriptor, int parsingOptions, Wrapper wrapper) {
        ClassReader reader = new ClassReader(bytes);
        ClassWriter writer = new ClassWriter(reader, 0);
        boolean[] found = new boolean[1];
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String signature, String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, desc, signature, exceptions);
                if (!nameAndDescriptor.equals(name + desc) || (access & Opcodes.ACC_STATIC) == 0) {
                    return mv;
                }
                found[0] = true;
                return wrapper.wrap(mv);
            }
        }, parsingOptions);
        return found[0] ? writer.toByteArray() : null;
    }
}
