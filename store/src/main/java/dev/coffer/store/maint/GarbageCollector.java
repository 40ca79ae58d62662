package dev.coffer.store.maint;

import dev.coffer.core.CofferException;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.format.Index;
import dev.coffer.core.util.IdSet;
import dev.coffer.store.Datastore;
import dev.coffer.store.SnapshotRef;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Removes chunks that no snapshot references (design.md 13). Mark: every index of every finished snapshot.
 * Sweep: an unreferenced chunk goes only if it was last used before the cutoff — the start of this run or of
 * the oldest backup still running, whichever is earlier. Backups touch every chunk they reuse and write new
 * ones fresh, so nothing a running backup needs is ever older than the cutoff. With no backup running one
 * run reclaims everything unreferenced.
 *
 * <p>Memory: the marked ids are held in an {@link IdSet}, about 41 bytes per distinct referenced chunk (at most
 * 46), plus one snapshot's indexes at a time.
 */
public final class GarbageCollector {
    /** Slack for the kernel's coarse file timestamps, which may lag this process's clock by a tick. */
    static final Duration SLACK = Duration.ofSeconds(1);

    /**
     * @param heldBackBy the start of the oldest backup that was running, when it (not the collection's own start)
     *        set the cutoff: chunks last used after it stay until a collection after it ends; else null
     */
    public record Report(long snapshots, long removedChunks, long removedBytes, long keptChunks, long keptBytes,
            long logicalBytes, int tempFilesRemoved, Instant cutoff, Instant heldBackBy) {
        /** Logical bytes of all snapshots per stored byte kept. */
        public double dedupFactor() {
            return keptBytes == 0 ? 0 : (double) logicalBytes / keptBytes;
        }
    }

    /** What the mark phase held, for capacity planning: distinct referenced chunks and the set's heap bytes. */
    public record MarkStats(long markedChunks, long references, long setBytes, Duration markTime) {
        public double bytesPerChunk() {
            return markedChunks == 0 ? 0 : (double) setBytes / markedChunks;
        }
    }

    private GarbageCollector() {
    }

    /**
     * Stops the sweep when the clock has gone back past the collection's start: a backup begun since then stamps
     * the chunks it uses with times before the cutoff, and they would look unused (design.md 13.3).
     */
    private static void checkClock(Datastore ds, Instant start, long removedSoFar) {
        long now = ds.nowMillis();
        if (now < start.toEpochMilli() - SLACK.toMillis()) {
            throw new CofferException("garbage collection stopped: the system clock went back by "
                    + (start.toEpochMilli() - now + 999) / 1000 + " s while it ran; " + removedSoFar
                    + " unused chunks were removed before that, and nothing after",
                    "run 'coffer gc' again once the clock is right");
        }
    }

    public static Report run(Datastore ds) {
        return run(ds, null);
    }

    /** {@link #run(Datastore)}, handing {@code markStats} (if not null) the mark phase's figures before the sweep. */
    public static Report run(Datastore ds, Consumer<MarkStats> markStats) {
        Instant start = Instant.ofEpochMilli(ds.nowMillis());
        long t0 = System.nanoTime();
        Instant oldestWriter = ds.oldestLiveWriterStart();
        Instant cutoff = (oldestWriter != null && oldestWriter.isBefore(start) ? oldestWriter : start).minus(SLACK);
        IdSet marked = new IdSet();
        byte[] scratch = new byte[ChunkId.LENGTH];
        long references = 0;
        long logical = 0;
        long snapshots = 0;
        for (SnapshotRef s : ds.allSnapshots()) {
            SnapshotIndexes.Loaded l;
            try {
                l = SnapshotIndexes.load(ds, s);
            } catch (CofferException e) {
                throw new CofferException("garbage collection stopped before removing anything: " + e.getMessage(),
                        "a snapshot whose indexes cannot be read might reference any chunk; run 'coffer verify', "
                                + "then forget the damaged snapshot if it cannot be repaired");
            }
            for (Index idx : l.indexes()) {
                for (int i = 0, n = idx.chunkCount(); i < n; i++) {
                    idx.id(i).copyTo(scratch, 0);
                    marked.add(scratch, 0);
                }
                references += idx.chunkCount();
                logical += idx.size();
            }
            snapshots++;
        }
        if (markStats != null) {
            markStats.accept(new MarkStats(marked.size(), references, marked.memoryBytes(),
                    Duration.ofNanos(System.nanoTime() - t0)));
        }
        AtomicLong removed = new AtomicLong();
        AtomicLong removedBytes = new AtomicLong();
        AtomicLong kept = new AtomicLong();
        AtomicLong keptBytes = new AtomicLong();
        ds.forEachChunk(id -> {
            id.copyTo(scratch, 0);
            if (!marked.contains(scratch, 0)) {
                checkClock(ds, start, removed.get());
                long size = ds.removeChunkIfUnusedSince(id, cutoff, () -> checkClock(ds, start, removed.get()));
                if (size >= 0) {
                    removed.incrementAndGet();
                    removedBytes.addAndGet(size);
                    return;
                }
            }
            try {
                keptBytes.addAndGet(ds.chunkSize(id));
                kept.incrementAndGet();
            } catch (dev.coffer.store.ChunkMissingException gone) {
                // removed meanwhile (moved aside by a verify)
            }
        });
        checkClock(ds, start, removed.get());
        int temps = ds.removeChunkTempFiles(cutoff.minus(Duration.ofHours(1)));
        ds.syncDirtyChunkDirs();
        return new Report(snapshots, removed.get(), removedBytes.get(), kept.get(), keptBytes.get(), logical, temps, cutoff,
                oldestWriter != null && oldestWriter.isBefore(start) ? oldestWriter : null);
    }
}
