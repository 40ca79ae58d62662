package dev.coffer.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coffer.core.crypto.ChunkId;
import dev.coffer.store.maint.GarbageCollector;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Garbage collection that runs while a backup in another process is in the middle of its commit (its writer
 * lock file already deleted, its directory not yet renamed) keeps every chunk of that backup.
 */
class GcDuringCommitTest {
    @TempDir
    Path tmp;

    @Test
    void aCollectionDuringAnotherProcesssCommitKeepsItsChunks() throws Exception {
        Path root = tmp.resolve("store");
        Datastore.create(root).close();
        Process child = KilledWriterTest.startJava(CommittingWriterMain.class, root.toString(), "slow");
        try (Datastore store = Datastore.open(root)) {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertThat(line).as("child output").isNotNull().startsWith("COMMITTING ");
            List<ChunkId> ids = new ArrayList<>();
            for (String hex : line.substring("COMMITTING ".length()).split(" ")) {
                ids.add(ChunkId.parse(hex));
            }
            CompletableFuture<GarbageCollector.Report> gc = CompletableFuture.supplyAsync(() -> GarbageCollector.run(store));
            // a collection that does not wait for the commit has finished long before this
            Thread.sleep(1500);
            try (OutputStream in = child.getOutputStream()) {
                in.write('\n');
            }
            assertThat(out.readLine()).isEqualTo("COMMITTED");
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).isZero();
            GarbageCollector.Report report = gc.get(30, TimeUnit.SECONDS);
            assertThat(store.snapshots(new BackupGroup("", "host", "slow"))).hasSize(1);
            for (ChunkId id : ids) {
                assertThat(store.hasChunk(id)).as("chunk %s of the snapshot committed during the collection", id).isTrue();
            }
            assertThat(report.removedChunks()).isZero();
        } finally {
            child.destroyForcibly();
        }
    }
}
