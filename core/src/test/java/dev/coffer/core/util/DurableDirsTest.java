package dev.coffer.core.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableDirsTest {
    @TempDir
    Path tmp;

    @Test
    void createsEveryMissingLevelWithTheGivenModeAndLeavesExistingOnesAlone() throws Exception {
        Path existing = Files.createDirectory(tmp.resolve("home"));
        Files.setPosixFilePermissions(existing, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path deep = existing.resolve(".config/coffer/keys");
        DurableDirs.create(deep, PosixFilePermissions.fromString("rwx------"));
        for (Path p = deep; !p.equals(existing); p = p.getParent()) {
            assertThat(p).isDirectory();
            assertThat(Files.getPosixFilePermissions(p)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        }
        assertThat(Files.getPosixFilePermissions(existing)).isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
        DurableDirs.create(deep, PosixFilePermissions.fromString("rwx------")); // again: nothing to do
        assertThat(deep).isDirectory();
    }

    @Test
    void aFileInTheWayIsAnError() throws Exception {
        Path file = Files.writeString(tmp.resolve("config"), "x");
        assertThatThrownBy(() -> DurableDirs.create(file.resolve("coffer"), null))
                .isInstanceOf(java.nio.file.FileSystemException.class);
        assertThatThrownBy(() -> DurableDirs.create(file, null)).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readString(file)).isEqualTo("x");
    }
}
