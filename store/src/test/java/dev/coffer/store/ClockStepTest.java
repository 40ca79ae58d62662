package dev.coffer.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.CofferException;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.store.maint.GarbageCollector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The system clock stepping back (a wrong time corrected, a virtual machine restored) while backups and a
 * garbage collection run. The datastore's clock is replaced by one the test moves; the file system's own
 * clock is not, so the tests look at the times Coffer sets.
 */
class ClockStepTest {
    @TempDir
    Path tmp;

    static ChunkId idOf(byte[] data) throws Exception {
        return ChunkId.of(MessageDigest.getInstance("SHA-256").digest(data));
    }

    static ChunkId store(Datastore ds, String content) throws Exception {
        byte[] blob = content.getBytes(StandardCharsets.UTF_8);
        ChunkId id = idOf(blob);
        ds.insertChunk(id, blob, 0, blob.length);
        return id;
    }

    Path chunkFile(Path root, ChunkId id) {
        return root.resolve(".chunks").resolve(id.hex().substring(0, 4)).resolve(id.hex());
    }

    /** A new datastore at {@code tmp/store}, open. */
    Datastore freshStore() {
        Datastore.create(tmp.resolve("store")).close();
        return Datastore.open(tmp.resolve("store"));
    }

    /** Stores a chunk last used two hours ago. */
    ChunkId storeOld(Datastore ds, String content) throws Exception {
        ChunkId id = store(ds, content);
        Files.setLastModifiedTime(chunkFile(tmp.resolve("store"), id), FileTime.from(Instant.now().minusSeconds(7200)));
        return id;
    }

    @Test
    void aWriterStampsWhatItUsesWithItsStartWhenTheClockGoesBack() throws Exception {
        Path root = tmp.resolve("store");
        try (Datastore ds = freshStore()) {
            ChunkId reused = storeOld(ds, "stored by an earlier backup");
            // the datastore's clock, 10 minutes ahead of the file system's (a clock that was wrong and is about to
            // be put right): the writer's lock file gets the kernel's earlier time, its uses the datastore's
            long start = System.currentTimeMillis() + 600_000;
            AtomicLong clock = new AtomicLong(start);
            ds.clock = clock::get;
            try (SnapshotWriter w = ds.beginSnapshot(new BackupGroup("", "host", "a"), Instant.ofEpochMilli(start))) {
                clock.set(start - 3_600_000); // an hour back
                assertThat(ds.touchChunk(reused)).isTrue();
                ChunkId fresh = store(ds, "stored after the clock went back");
                // a collection that starts now (by the corrected clock) cuts off at this writer's start at the
                // latest: neither chunk may look older than it
                assertThat(ds.oldestLiveWriterStart()).isBeforeOrEqualTo(Instant.ofEpochMilli(start));
                assertThat(Files.getLastModifiedTime(chunkFile(root, reused)).toMillis()).isEqualTo(start);
                assertThat(Files.getLastModifiedTime(chunkFile(root, fresh)).toMillis()).isEqualTo(start);
                // with the clock right again, uses get the clock's time
                clock.set(start + 5_000);
                assertThat(ds.touchChunk(reused)).isTrue();
                assertThat(Files.getLastModifiedTime(chunkFile(root, reused)).toMillis()).isEqualTo(start + 5_000);
            }
        }
    }

    @Test
    void usesAreNeverStampedBeforeTheWriterStartACollectionSees() throws Exception {
        Path root = tmp.resolve("store");
        try (Datastore ds = freshStore()) {
            ChunkId reused = storeOld(ds, "stored by an earlier backup");
            // the datastore's clock is 10 minutes behind the file system's, which dates the writer's lock file
            long behind = System.currentTimeMillis() - 600_000;
            AtomicLong clock = new AtomicLong(behind);
            ds.clock = clock::get;
            try (SnapshotWriter w = ds.beginSnapshot(new BackupGroup("", "host", "b"), Instant.ofEpochMilli(behind + 1_200_000))) {
                Instant writerStart = ds.oldestLiveWriterStart();
                assertThat(writerStart).isAfter(Instant.ofEpochMilli(behind + 300_000));
                clock.set(behind - 3_600_000);
                assertThat(ds.touchChunk(reused)).isTrue();
                ChunkId fresh = store(ds, "stored while the clock is behind");
                for (ChunkId id : List.of(reused, fresh)) {
                    assertThat(Files.getLastModifiedTime(chunkFile(root, id)).toInstant())
                            .as("chunk %s against the writer's start %s", id, writerStart)
                            .isAfterOrEqualTo(writerStart.minusSeconds(1));
                }
            }
        }
    }

    @Test
    void aTouchNeverMovesATimeBackAndAnEndedWriterNoLongerCounts() throws Exception {
        Path root = tmp.resolve("store");
        try (Datastore ds = freshStore()) {
            ChunkId x = store(ds, "used by a writer in another process whose clock is ahead");
            long ahead = System.currentTimeMillis() + 3_600_000;
            Files.setLastModifiedTime(chunkFile(root, x), FileTime.fromMillis(ahead));
            assertThat(ds.touchChunk(x)).isTrue();
            assertThat(Files.getLastModifiedTime(chunkFile(root, x)).toMillis()).as("not moved back").isEqualTo(ahead);

            // a writer begun while the clock read a day ahead, then ended: its start no longer stamps anything
            ChunkId y = storeOld(ds, "reused later");
            long wrong = System.currentTimeMillis() + 86_400_000L;
            ds.clock = () -> wrong;
            ds.beginSnapshot(new BackupGroup("", "host", "c"), Instant.ofEpochMilli(wrong)).close();
            ds.clock = System::currentTimeMillis;
            long before = System.currentTimeMillis();
            assertThat(ds.touchChunk(y)).isTrue();
            assertThat(Files.getLastModifiedTime(chunkFile(root, y)).toMillis())
                    .isBetween(before - 1000, System.currentTimeMillis() + 1000);
        }
    }

    @Test
    void garbageCollectionStopsWhenTheClockGoesBackWhileItRuns() throws Exception {
        Path root = tmp.resolve("store");
        try (Datastore ds = freshStore()) {
            List<ChunkId> unused = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                unused.add(storeOld(ds, "unused " + i));
            }
            long now = System.currentTimeMillis();
            AtomicInteger reads = new AtomicInteger();
            // the first reading is the collection's start; by the sweep the clock has gone back an hour
            ds.clock = () -> reads.getAndIncrement() == 0 ? now : now - 3_600_000;
            assertThatThrownBy(() -> GarbageCollector.run(ds)).isInstanceOf(CofferException.class)
                    .hasMessage("garbage collection stopped: the system clock went back by 3600 s while it ran; "
                            + "0 unused chunks were removed before that, and nothing after");
            for (ChunkId id : unused) {
                assertThat(ds.hasChunk(id)).isTrue();
            }
            // the clock goes back between a chunk's second time check and its unlink: it is put back
            AtomicInteger reads2 = new AtomicInteger();
            ds.clock = () -> reads2.getAndIncrement() < 2 ? now : now - 3_600_000;
            assertThatThrownBy(() -> GarbageCollector.run(ds)).isInstanceOf(CofferException.class)
                    .hasMessageStartingWith("garbage collection stopped: the system clock went back by 3600 s");
            for (ChunkId id : unused) {
                assertThat(ds.hasChunk(id)).isTrue();
            }
            try (var left = Files.walk(root.resolve(".chunks"))) {
                assertThat(left.filter(p -> p.getFileName().toString().startsWith(".tmp-gc-")).toList()).isEmpty();
            }
            ds.clock = System::currentTimeMillis;
            assertThat(GarbageCollector.run(ds).removedChunks()).isEqualTo(3);
            for (ChunkId id : unused) {
                assertThat(ds.hasChunk(id)).isFalse();
            }
        }
    }

    @Test
    void leftoverTemporaryFilesStayWhenTheClockGoesBack() throws Exception {
        Path root = tmp.resolve("store");
        Datastore.create(root).close();
        Path leftover = root.resolve(".chunks/abcd/.tmp-0123456789abcdef");
        Files.createDirectories(leftover.getParent());
        Files.writeString(leftover, "an interrupted insert");
        Files.setLastModifiedTime(leftover, FileTime.from(Instant.now().minusSeconds(3 * 3600)));
        try (Datastore ds = Datastore.open(root)) {
            long now = System.currentTimeMillis();
            AtomicInteger reads = new AtomicInteger();
            ds.clock = () -> reads.getAndIncrement() == 0 ? now : now - 7_200_000;
            assertThatThrownBy(() -> GarbageCollector.run(ds)).isInstanceOf(CofferException.class)
                    .hasMessage("garbage collection stopped: the system clock went back by 7200 s while it ran; "
                            + "0 unused chunks were removed before that, and nothing after");
            assertThat(leftover).exists();
            ds.clock = System::currentTimeMillis;
            assertThat(GarbageCollector.run(ds).tempFilesRemoved()).isEqualTo(1);
            assertThat(leftover).doesNotExist();
        }
    }
}
