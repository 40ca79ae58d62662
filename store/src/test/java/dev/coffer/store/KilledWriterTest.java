package dev.coffer.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.crypto.ChunkId;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A backup process killed with SIGKILL half way leaves no visible snapshot and does not block the next. */
class KilledWriterTest {
    static final Instant T = Instant.parse("2026-11-23T10:15:00Z");
    static final BackupGroup GROUP = new BackupGroup("", "host", "victim");

    @TempDir
    Path tmp;

    /** Runs {@code main} in a JVM of its own on this test's class path; its errors go to this one's. */
    static Process startJava(Class<?> main, String... args) throws java.io.IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    @Test
    void killedWriterLeavesNoSnapshot() throws Exception {
        Path root = tmp.resolve("store");
        Datastore.create(root).close();

        Process child = startJava(KillableWriterMain.class, root.toString(), GROUP.id(), T.toString());
        try (Datastore store = Datastore.open(root)) {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertThat(line).as("child output").isNotNull().startsWith("READY ");
            String[] parts = line.split(" ", 3);
            ChunkId childChunk = ChunkId.parse(parts[1]);
            Path childTmp = Path.of(parts[2]);
            assertThat(childTmp).isDirectory();

            // while the other process writes: its snapshot is invisible, its shared lock keeps out an exclusive holder,
            // its temporary directory and its time survive another backup of the group
            assertThat(store.snapshots(GROUP)).isEmpty();
            assertThat(store.groups("")).isEmpty();
            assertThatThrownBy(store::exclusiveLock)
                    .isInstanceOf(DatastoreBusyException.class)
                    .hasMessage("datastore is busy: a backup is running");
            try (SnapshotWriter concurrent = store.beginSnapshot(GROUP, T)) {
                assertThat(concurrent.ref().time()).isEqualTo(T.plusSeconds(1));
            }
            assertThat(childTmp).isDirectory();

            child.destroyForcibly();
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).isNotEqualTo(3);

            assertThat(store.snapshots(GROUP)).isEmpty();
            assertThat(store.groups("")).isEmpty();
            assertThat(store.hasChunk(childChunk)).isTrue();
            // the kernel dropped the dead process's locks
            store.exclusiveLock().close();

            try (SnapshotWriter next = store.beginSnapshot(GROUP, T)) {
                assertThat(childTmp).doesNotExist();
                assertThat(next.ref().time()).isEqualTo(T);
                next.writeFile("manifest.cfm", new byte[] {42});
                next.commit();
            }
            assertThat(store.snapshots(GROUP)).containsExactly(new SnapshotRef(GROUP, T));
            assertThat(store.snapshotFiles(new SnapshotRef(GROUP, T))).containsExactly("manifest.cfm");
        } finally {
            child.destroyForcibly();
        }
    }
}
