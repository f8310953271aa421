package dev.treekill.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * {@code @TempDir(factory = TrustedTempDirFactory.class)}: an owner-only directory under the module's target/,
 * not under /tmp. The per-user cache's trust rule ({@code dev.treekill.mbeans.CacheTrust}, used by the agent's
 * UserCache and the library's BootNamedCopy) refuses any path below a world-writable directory (sticky or not),
 * so a cache under /tmp would always be refused; the worktree's own directories are root's (or this user's) and
 * 755.
 */
public final class TrustedTempDirFactory implements TempDirFactory {
    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws IOException {
        Path base = Files.createDirectories(Path.of("target", "cache-tests").toAbsolutePath());
        return Files.createTempDirectory(base, "cache",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
}
