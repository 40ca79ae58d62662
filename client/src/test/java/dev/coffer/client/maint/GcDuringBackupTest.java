package dev.coffer.client.maint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coffer.client.backup.ArchiveSpec;
import dev.coffer.client.backup.BackupEngine;
import dev.coffer.client.backup.BackupStats;
import dev.coffer.client.fs.BytePaths;
import dev.coffer.client.repo.LocalRepository;
import dev.coffer.client.repo.Repository;
import dev.coffer.client.restore.RestoreEngine;
import dev.coffer.client.snapshot.OpenSnapshot;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.crypto.DataKey;
import dev.coffer.core.crypto.KeySet;
import dev.coffer.store.BackupGroup;
import dev.coffer.store.SnapshotRef;
import dev.coffer.store.maint.GarbageCollector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Garbage collection while a backup is held open mid-way removes nothing that backup needs. */
class GcDuringBackupTest {
    @TempDir
    Path tmp;

    /** Delegates to a repository, and stops the backup after its first few chunk operations until released. */
    static final class Pausing implements Repository {
        final LocalRepository inner;
        final CountDownLatch paused = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger calls = new AtomicInteger();
        final java.util.Set<ChunkId> usedBeforePause = java.util.concurrent.ConcurrentHashMap.newKeySet();

        Pausing(LocalRepository inner) {
            this.inner = inner;
        }

        /** {@code had}: the touch found the chunk (else the backup is about to store it, not use it). */
        private void maybePause(ChunkId id, boolean had) {
            if (calls.incrementAndGet() <= 3) {
                if (had) {
                    usedBeforePause.add(id);
                }
                if (calls.get() == 3) {
                    paused.countDown();
                    try {
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        }

        @Override public String location() { return inner.location(); }
        @Override public boolean hasChunk(ChunkId id) { return inner.hasChunk(id); }
        @Override public boolean touchChunk(ChunkId id) {
            boolean had = inner.touchChunk(id);
            maybePause(id, had);
            return had;
        }
        @Override public boolean insertChunk(ChunkId id, byte[] blob, int off, int len) {
            return inner.insertChunk(id, blob, off, len);
        }
        @Override public java.util.concurrent.CompletableFuture<Boolean> insertChunkAsync(ChunkId id, byte[] blob,
                int off, int len) {
            return inner.insertChunkAsync(id, blob, off, len); // the path local backups take
        }
        @Override public byte[] readChunk(SnapshotRef s, ChunkId id) { return inner.readChunk(s, id); }
        @Override public List<SnapshotRef> snapshots(String ns) { return inner.snapshots(ns); }
        @Override public List<SnapshotRef> snapshots(BackupGroup g) { return inner.snapshots(g); }
        @Override public byte[] readSnapshotFile(SnapshotRef s, String f) { return inner.readSnapshotFile(s, f); }
        @Override public SnapshotSession beginSnapshot(BackupGroup g, Instant t, dev.coffer.core.crypto.CryptMode m) {
            return inner.beginSnapshot(g, t, m);
        }
        @Override public Status status(SnapshotRef s) { return inner.status(s); }
        @Override public byte[] readSideFile(SnapshotRef s, String n) { return inner.readSideFile(s, n); }
        @Override public void writeSideFile(SnapshotRef s, String n, byte[] d) { inner.writeSideFile(s, n, d); }
        @Override public dev.coffer.store.maint.Prune.Result prune(BackupGroup g, dev.coffer.store.maint.Prune.Rules r,
                java.time.ZoneId z, boolean d) {
            return inner.prune(g, r, z, d);
        }
        @Override public void forget(SnapshotRef s) { inner.forget(s); }
        @Override public void limitRate(long b) { inner.limitRate(b); }
        @Override public void close() { }
    }

    @Test
    void heldOpenBackupKeepsEverythingItUsesAndThenRestores() throws Exception {
        Path src = tmp.resolve("src");
        Files.createDirectories(src);
        Random r = new Random(5);
        for (int i = 0; i < 6; i++) {
            byte[] b = new byte[300_000];
            r.nextBytes(b);
            Files.write(src.resolve("f" + i), b);
        }
        KeySet keys = KeySet.derive(DataKey.generate());
        BackupGroup group = new BackupGroup("", "host", "h");
        try (LocalRepository repo = LocalRepository.openOrCreate(tmp.resolve("ds"))) {
            // a first snapshot, then forgotten: its chunks are garbage, and old
            SnapshotRef first = backup(repo, src, keys, group).snapshot();
            repo.forget(first);
            try (var s = Files.walk(tmp.resolve("ds/.chunks"))) {
                for (Path p : s.filter(Files::isRegularFile).toList()) {
                    Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(3600)));
                }
            }
            // new data too, so the held-open backup writes fresh chunks as well as reusing old ones
            byte[] extra = new byte[500_000];
            r.nextBytes(extra);
            Files.write(src.resolve("g-new"), extra);

            Pausing pausing = new Pausing(repo);
            CompletableFuture<BackupEngine.Result> running = CompletableFuture.supplyAsync(() -> backup(pausing, src, keys, group));
            assertThat(pausing.paused.await(60, TimeUnit.SECONDS)).as("backup reached its pause").isTrue();

            GarbageCollector.Report gc = GarbageCollector.run(repo.datastore());
            assertThat(gc.removedChunks()).as("old, unreferenced, untouched chunks go").isPositive();
            for (ChunkId id : pausing.usedBeforePause) {
                assertThat(repo.hasChunk(id)).as("chunk the running backup already used: " + id).isTrue();
            }

            pausing.release.countDown();
            BackupEngine.Result done = running.get(120, TimeUnit.SECONDS);
            // everything the finished snapshot references exists, and it restores exactly
            Path out = tmp.resolve("out");
            OpenSnapshot snap = OpenSnapshot.open(repo, done.snapshot(), () -> keys);
            try (RestoreEngine engine = new RestoreEngine(snap, new RestoreEngine.Options(false, List.of(), 2, m -> { }),
                    new RestoreEngine.Stats())) {
                engine.restore("s.cfar", BytePaths.of(out.toString()));
            }
            try (var s = Files.list(src)) {
                for (Path p : s.toList()) {
                    assertThat(Files.mismatch(p, out.resolve(p.getFileName()))).isEqualTo(-1L);
                }
            }
            // and a second collection, with no backup running, reclaims nothing it needs and everything else
            GarbageCollector.Report after = GarbageCollector.run(repo.datastore());
            assertThat(after.keptChunks()).isPositive();
            OpenSnapshot again = OpenSnapshot.open(repo, done.snapshot(), () -> keys);
            for (var a : again.body().archives()) {
                for (var ir : a.indexes()) {
                    again.index(ir).forEachId(id -> assertThat(repo.hasChunk(id))
                            .as("chunk %s of %s, after a second collection", id, ir.file()).isTrue());
                }
            }
        }
    }

    static BackupEngine.Result backup(Repository repo, Path src, KeySet keys, BackupGroup group) {
        return new BackupEngine(new BackupEngine.Options(repo, group, List.of(new ArchiveSpec("s.cfar", src.toString())),
                CryptMode.ENCRYPT, keys, List.of(), 64 << 10, 2, m -> { }, false, null, false), new BackupStats()).run();
    }
}
