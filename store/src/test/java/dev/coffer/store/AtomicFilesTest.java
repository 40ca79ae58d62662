package dev.coffer.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path tmp;

    /**
     * A restored tree (a drill's) holds directories in their archived modes, read-only ones too: removing it
     * must not stop at them. (Run as root, permissions do not stop the removal anyway; as a user they did.)
     */
    @Test
    void deleteTreeRemovesReadOnlyAndUnreadableDirectories() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("restored/mod/cache"));
        Files.writeString(root.resolve("file"), "x");
        Path locked = Files.createDirectories(tmp.resolve("restored/locked"));
        Files.writeString(locked.resolve("inside"), "y");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("r-xr-xr-x"));
        Files.setPosixFilePermissions(root.getParent(), PosixFilePermissions.fromString("r-xr-xr-x"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        AtomicFiles.deleteTree(tmp.resolve("restored"));
        assertThat(tmp.resolve("restored")).doesNotExist();
        // gone already: nothing to do
        AtomicFiles.deleteTree(tmp.resolve("restored"));
    }
}
