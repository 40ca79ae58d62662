package dev.coffer.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatastoreTest {
    @TempDir
    Path tmp;

    @Test
    void createMakesTheLayout() throws IOException {
        Path root = tmp.resolve("a/b/store");
        try (Datastore store = Datastore.create(root)) {
            assertThat(store.root()).isEqualTo(root.toRealPath());
        }
        assertThat(root.resolve(".chunks")).isDirectory();
        assertThat(root.resolve(".lock")).isRegularFile();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).isEqualTo("rwx------");
        String marker = Files.readString(root.resolve(".coffer-datastore"));
        assertThat(marker).matches("\\{\"format\":\"coffer-datastore\",\"version\":1,"
                + "\"created\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\"}\n");
        try (var entries = Files.list(root)) {
            assertThat(entries.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(".chunks", ".lock", ".coffer-datastore");
        }
    }

    @Test
    void createOnAnExistingDatastoreOpensIt() {
        Path root = tmp.resolve("store");
        Datastore.create(root).close();
        try (Datastore again = Datastore.create(root); Datastore opened = Datastore.open(root)) {
            assertThat(again.root()).isEqualTo(opened.root());
        }
    }

    @Test
    void createInAnEmptyDirectory() throws IOException {
        Path root = Files.createDirectory(tmp.resolve("empty"));
        Datastore.create(root).close();
        Datastore.open(root).close();
    }

    @Test
    void createFinishesAnInterruptedCreate() throws IOException {
        Path root = Files.createDirectory(tmp.resolve("half"));
        Files.createDirectory(root.resolve(".chunks"));
        Files.createFile(root.resolve(".lock"));
        Files.createFile(root.resolve(".tmp-0123456789abcdef"));
        Datastore.create(root).close();
        Datastore.open(root).close();
    }

    @Test
    void createRefusesANonEmptyDirectory() throws IOException {
        Path root = Files.createDirectory(tmp.resolve("data"));
        Files.writeString(root.resolve("thesis.tex"), "x");
        assertThatThrownBy(() -> Datastore.create(root))
                .isInstanceOf(CofferException.class)
                .hasMessage(root.toAbsolutePath() + " is not empty and not a Coffer datastore");
        assertThat(root.resolve(".coffer-datastore")).doesNotExist();
    }

    @Test
    void createRefusesAFile() throws IOException {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertThatThrownBy(() -> Datastore.create(file))
                .isInstanceOf(CofferException.class)
                .hasMessage(file + " exists and is not a directory");
    }

    @Test
    void openMissingDirectory() {
        Path root = tmp.resolve("nowhere");
        assertThatThrownBy(() -> Datastore.open(root))
                .isInstanceOf(RepositoryNotFoundException.class)
                .hasMessage("no datastore at " + root)
                .satisfies(e -> assertThat(((CofferException) e).hint())
                        .isEqualTo("check --repository / COFFER_REPOSITORY, or create one by running a backup"));
    }

    @Test
    void openDirectoryWithoutMarker() throws IOException {
        Path root = Files.createDirectory(tmp.resolve("plain"));
        assertThatThrownBy(() -> Datastore.open(root))
                .isInstanceOf(RepositoryNotFoundException.class)
                .hasMessage(root + " is not a Coffer datastore");
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertThatThrownBy(() -> Datastore.open(file))
                .isInstanceOf(RepositoryNotFoundException.class)
                .hasMessage(file + " is not a Coffer datastore");
    }

    @Test
    void openRelativePathReportsAbsolutePath() {
        Path relative = Path.of("definitely-not-here-" + System.nanoTime());
        assertThatThrownBy(() -> Datastore.open(relative))
                .hasMessage("no datastore at " + relative.toAbsolutePath());
    }

    @Test
    void corruptMarker() throws IOException {
        Path root = tmp.resolve("store");
        Datastore.create(root).close();
        Path marker = root.resolve(".coffer-datastore");
        for (String text : new String[] {"", "{", "not json", "[1]", "{\"format\":\"coffer-datastore\"}",
            "{\"format\":\"other\",\"version\":1}", "{\"format\":\"coffer-datastore\",\"version\":\"1\"}",
            "{\"format\":\"coffer-datastore\",\"version\":1} trailing"}) {
            Files.writeString(marker, text);
            assertThatThrownBy(() -> Datastore.open(root))
                    .as(text)
                    .isInstanceOf(CorruptDataException.class)
                    .hasMessageStartingWith(marker + " is corrupt: ");
        }
        Files.write(marker, new byte[100_000]);
        assertThatThrownBy(() -> Datastore.open(root)).isInstanceOf(CorruptDataException.class);
    }

    @Test
    void markerWithUnknownMembersAndEscapes() throws IOException {
        Path root = tmp.resolve("store");
        Datastore.create(root).close();
        Files.writeString(root.resolve(".coffer-datastore"), " {\"version\" : 1, \"x\": {\"a\": [1, 2.5e3, true, null,"
                + " {\"b\": \"\\u00e9\\n\"}]}, \"format\": \"coffer\\u002ddatastore\", \"created\": \"2026-11-23T10:15:00Z\"}\n");
        Datastore.open(root).close();
    }

    @Test
    void unsupportedVersion() throws IOException {
        Path root = tmp.resolve("store");
        Datastore.create(root).close();
        Files.writeString(root.resolve(".coffer-datastore"), "{\"format\":\"coffer-datastore\",\"version\":2}",
                StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Datastore.open(root))
                .isExactlyInstanceOf(CofferException.class)
                .hasMessage("datastore " + root + " has format version 2, which this version of Coffer cannot use");
    }

    @Test
    void missingChunksDirectory() throws IOException {
        Path root = tmp.resolve("store");
        Datastore.create(root).close();
        Files.delete(root.resolve(".chunks"));
        assertThatThrownBy(() -> Datastore.open(root))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageEndingWith("is damaged: its .chunks directory is missing");
    }

    @Test
    void atomicWriteReplacesAndSetsPermissions() throws IOException {
        Path file = tmp.resolve("key.json");
        AtomicFiles.write(file, "one".getBytes(StandardCharsets.UTF_8), PosixFilePermissions.fromString("rw-------"));
        AtomicFiles.write(file, "two".getBytes(StandardCharsets.UTF_8), PosixFilePermissions.fromString("rw-------"));
        assertThat(file).hasContent("two");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        try (var entries = Files.list(tmp)) {
            assertThat(entries).containsExactly(file);
        }
    }

    @Test
    void atomicWriteReportsFailure() {
        Path file = tmp.resolve("missing-dir/file");
        assertThatThrownBy(() -> AtomicFiles.write(file, new byte[1], null))
                .isInstanceOf(CofferException.class)
                .hasMessage("cannot write " + file + ": no such file or directory");
    }
}
