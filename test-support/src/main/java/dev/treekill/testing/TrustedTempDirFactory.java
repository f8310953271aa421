package dev.treekill.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * {@code @TempDir(factory = TrustedTempDirFactory.class)}: an owner-only directory that the per-user cache's trust
 * rule ({@code dev.treekill.mbeans.CacheTrust}, used by the agent's UserCache and the library's BootNamedCopy)
 * accepts. That rule refuses any path below a directory group or others may write to (sticky or not), so never
 * under /tmp: under the module's target/ where every directory above it passes, else (a checkout under /tmp, say)
 * under {@code ~/.cache/treekill-tests}, which JUnit empties after each test.
 */
public final class TrustedTempDirFactory implements TempDirFactory {
    /** Write bits for group and others. */
    private static final int GROUP_OR_OTHERS_WRITE = 0022;

    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws IOException {
        Path target = Path.of("target").toAbsolutePath().normalize();
        Path base = trusted(target) ? target.resolve("cache-tests") : outsideTheCheckout();
        Files.createDirectories(base);
        return Files.createTempDirectory(base, "cache",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /** {@code ~/.cache/treekill-tests}: where tests keep caches when their checkout is not {@link #trusted}. */
    public static Path outsideTheCheckout() {
        return Path.of(System.getProperty("user.home"), ".cache", "treekill-tests").toAbsolutePath().normalize();
    }

    /**
     * Whether {@code dir} and every existing directory above it are root's or this user's, writable by their owner
     * alone: roughly {@code CacheTrust}'s rule, which test-support cannot depend on.
     */
    public static boolean trusted(Path dir) throws IOException {
        int euid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                int uid = (Integer) Files.getAttribute(p, "unix:uid");
                int mode = (Integer) Files.getAttribute(p, "unix:mode");
                if ((uid != 0 && uid != euid) || (mode & GROUP_OR_OTHERS_WRITE) != 0) {
                    return false;
                }
            }
        }
        return true;
    }
}
