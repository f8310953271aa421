package dev.treekill.agent.it;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;

/**
 * Reads a class file's constant pool (JVMS 4.4) for the entries that make the JVM run a bootstrap method when an
 * instruction first uses them: {@code CONSTANT_InvokeDynamic} (lambdas, method references, indy string
 * concatenation) and {@code CONSTANT_Dynamic}. No ASM: the test must not share a parser with the code it checks.
 */
final class ClassFileScan {
    private static final int MAGIC = 0xCAFEBABE;

    private ClassFileScan() {
    }

    /** How many {@code CONSTANT_InvokeDynamic} and {@code CONSTANT_Dynamic} entries {@code classFile} has. */
    static int bootstrapEntries(byte[] classFile) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile))) {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not a class file");
            }
            in.readUnsignedShort(); // minor
            in.readUnsignedShort(); // major
            int count = in.readUnsignedShort();
            int found = 0;
            for (int index = 1; index < count; index++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1: // Utf8
                        in.skipBytes(in.readUnsignedShort());
                        break;
                    case 7: // Class
                    case 8: // String
                    case 16: // MethodType
                    case 19: // Module
                    case 20: // Package
                        in.skipBytes(2);
                        break;
                    case 15: // MethodHandle
                        in.skipBytes(3);
                        break;
                    case 3: // Integer
                    case 4: // Float
                    case 9: // Fieldref
                    case 10: // Methodref
                    case 11: // InterfaceMethodref
                    case 12: // NameAndType
                        in.skipBytes(4);
                        break;
                    case 17: // Dynamic
                    case 18: // InvokeDynamic
                        in.skipBytes(4);
                        found++;
                        break;
                    case 5: // Long
                    case 6: // Double: takes two entries
                        in.skipBytes(8);
                        index++;
                        break;
                    default:
                        throw new IllegalArgumentException("unknown constant pool tag " + tag + " at entry " + index);
                }
            }
            return found;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated class file", e);
        }
    }
}
