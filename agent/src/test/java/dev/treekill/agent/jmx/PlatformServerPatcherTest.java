package dev.treekill.agent.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Test;

/** Patches the running JDK's ManagementFactory; the out-of-process tests (FirstLookIT) run the patched code. */
class PlatformServerPatcherTest {
    private static final String METHOD = "getPlatformMBeanServer()Ljavax/management/MBeanServer;";

    @Test
    void everyReturnOfGetPlatformMBeanServerHandsTheServerToTheRegistrationFirst() throws IOException {
        byte[] original = jdkClass();
        List<String> before = instructions(original, METHOD);
        List<String> after = instructions(PlatformServerRewriter.patch(original), METHOD);
        List<String> expected = new ArrayList<>();
        for (String insn : before) {
            if (insn.equals("ARETURN")) {
                expected.add("DUP");
                expected.add("dev/treekill/agent/jmx/PlatformRegistration.serverReady(Ljavax/management/MBeanServer;)V");
            }
            expected.add(insn);
        }
        assertEquals(expected, after);
    }

    @Test
    void otherMethodsAreLeftAsTheyWere() throws IOException {
        byte[] original = jdkClass();
        byte[] patched = PlatformServerRewriter.patch(original);
        String other = "getRuntimeMXBean()Ljava/lang/management/RuntimeMXBean;";
        assertEquals(instructions(original, other), instructions(patched, other));
    }

    @Test
    void aClassWithoutTheMethodIsNotPatched() throws IOException {
        try (InputStream in = Object.class.getResourceAsStream("/java/lang/Object.class")) {
            assertNull(PlatformServerRewriter.patch(in.readAllBytes()));
        }
    }

    private static byte[] jdkClass() throws IOException {
        try (InputStream in = java.lang.management.ManagementFactory.class.getResourceAsStream(
                "/" + PlatformServerPatcher.MANAGEMENT_FACTORY + ".class")) {
            assertNotNull(in);
            return in.readAllBytes();
        }
    }

    /** The opcodes of one method, calls spelled out as owner.name+descriptor. */
    private static List<String> instructions(byte[] bytes, String method) {
        List<String> out = new ArrayList<>();
        new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] ex) {
                if (!method.equals(name + desc)) {
                    return null;
                }
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitInsn(int opcode) {
                        out.add(opcode == Opcodes.ARETURN ? "ARETURN" : opcode == Opcodes.DUP ? "DUP" : "op" + opcode);
                    }

                    @Override
                    public void visitMethodInsn(int op, String owner, String name, String desc, boolean itf) {
                        out.add(owner + "." + name + desc);
                    }

                    @Override
                    public void visitFieldInsn(int op, String owner, String name, String desc) {
                        out.add("field " + name);
                    }
                };
            }
        }, 0);
        return out;
    }
}
