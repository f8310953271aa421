package dev.treekill.agent.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Test;

/** Over the JNA the build hides under TREEKILL-INF/jna/: every property call of it goes to JnaProperties. */
class JnaPropertyRedirectTest {
    /** Calls that would read or write the JVM's properties and that the redirect does not cover. */
    private static final List<String> UNCOVERED = List.of("java/lang/System.getProperties",
            "java/lang/System.setProperties", "java/lang/Integer.getInteger", "java/lang/Long.getLong");

    @Test
    void noClassOfTheHiddenJnaTouchesTheJvmsProperties() throws Exception {
        List<Path> classes = hiddenJnaClasses();
        assertTrue(classes.size() > 50, "the build unpacked JNA: " + classes.size() + " classes");
        List<String> left = new ArrayList<>();
        int redirected = 0;
        for (Path c : classes) {
            byte[] rewritten = JnaPropertyRedirect.rewrite(Files.readAllBytes(c));
            for (String call : calls(rewritten)) {
                String owner = call.substring(0, call.indexOf('.'));
                String name = call.substring(call.indexOf('.') + 1);
                if (JnaPropertyRedirect.isPropertyCall(owner, name) || UNCOVERED.contains(call)) {
                    left.add(c.getFileName() + ": " + call);
                }
                if (call.startsWith(JnaProperties.class.getName().replace('.', '/') + ".")) {
                    redirected++;
                }
            }
        }
        assertEquals(List.of(), left, "property calls left in the hidden JNA");
        assertTrue(redirected >= 30, "JNA 5.17 makes about 40 property calls; redirected: " + redirected);
    }

    @Test
    void aClassWithoutPropertyCallsIsLeftAsItIs() throws IOException {
        byte[] pointer = Files.readAllBytes(hiddenJna().resolve("com/sun/jna/ptr/IntByReference.class"));
        assertSame(pointer, JnaPropertyRedirect.rewrite(pointer));
    }

    @Test
    void thePrivateViewReadsThroughAndKeepsItsWritesToItself() {
        String key = "treekill.test." + System.nanoTime();
        System.setProperty(key, "jvm");
        try {
            assertEquals("jvm", JnaProperties.getProperty(key), "reads see the JVM's properties");
            assertEquals("jvm", JnaProperties.setProperty(key, "own"));
            assertEquals("own", JnaProperties.getProperty(key));
            assertEquals("jvm", System.getProperty(key), "the JVM's value is untouched");
            assertEquals("own", JnaProperties.clearProperty(key));
            assertNull(JnaProperties.getProperty(key), "cleared for the hidden JNA");
            assertEquals("fallback", JnaProperties.getProperty(key, "fallback"));
            assertEquals("jvm", System.getProperty(key));
            JnaProperties.setProperty(key, "TRUE");
            assertTrue(JnaProperties.getBoolean(key));
            assertFalse(Boolean.getBoolean(key));
        } finally {
            System.clearProperty(key);
        }
    }

    private static Path hiddenJna() {
        try {
            Path classes = Paths.get(NativeAccess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return classes.resolve(HiddenLoader.PREFIX);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Path> hiddenJnaClasses() throws IOException {
        try (Stream<Path> files = Files.walk(hiddenJna())) {
            return files.filter(p -> p.toString().endsWith(".class")).collect(Collectors.toList());
        }
    }

    private static List<String> calls(byte[] bytes) {
        List<String> out = new ArrayList<>();
        new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] ex) {
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int op, String owner, String mname, String mdesc, boolean itf) {
                        out.add(owner + "." + mname);
                    }
                };
            }
        }, 0);
        return out;
    }
}
