package dev.treekill.agent.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * {@code @TempDir(factory = TrustedTempDirFactory.class)}: an owner-only directory under the module's target/,
 * not under /tmp. UserCache refuses any path below a world-writable directory (sticky or not), so a cache under
 * /tmp would always miss; the worktree's own directories are root's (or this user's) and 755.
 */
public final class TrustedTempDirFactory implements TempDirFactory {
    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws IOException {
        Path base = Files.createDirectories(Path.of("target", "cache-tests").toAbsolutePath());
        return Files.createTempDirectory(base, "cache",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
}
