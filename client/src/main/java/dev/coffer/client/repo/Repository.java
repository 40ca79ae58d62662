package dev.coffer.client.repo;

import dev.coffer.core.crypto.ChunkId;
import dev.coffer.store.BackupGroup;
import dev.coffer.store.SnapshotRef;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.store.maint.Prune;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

/**
 * Where snapshots live, as the client sees it: a local datastore today, a server over HTTPS later.
 * Everything passing through here is already encrypted (or deliberately plain): a repository never
 * sees a key.
 */
public interface Repository extends AutoCloseable {

    /** Human-readable location, for messages. */
    String location();

    boolean hasChunk(ChunkId id);

    /**
     * Marks a stored chunk as used now, so that garbage collection running alongside keeps it; false when
     * the repository does not have it.
     */
    boolean touchChunk(ChunkId id);

    /**
     * Stores a blob under its id; returns false when the repository already had it. {@code blob} may be a
     * reused buffer: an implementation must not keep a reference to it after returning.
     */
    boolean insertChunk(ChunkId id, byte[] blob, int off, int len);

    /**
     * {@link #insertChunk} that may finish in the background: {@code blob} may be reused as soon as this
     * returns, and the future completes (true: stored, false: the repository had it) once the chunk is stored
     * as durably as {@link #insertChunk} leaves it, or fails with what it would have thrown. By default it
     * is {@link #insertChunk} itself.
     */
    default java.util.concurrent.CompletableFuture<Boolean> insertChunkAsync(ChunkId id, byte[] blob, int off, int len) {
        return java.util.concurrent.CompletableFuture.completedFuture(insertChunk(id, blob, off, len));
    }

    /**
     * Reads a chunk that {@code snapshot} references (a server serves only chunks of snapshots the caller may
     * read, so the snapshot is part of the request). The array is the caller's: it may overwrite it.
     */
    byte[] readChunk(SnapshotRef snapshot, ChunkId id);

    /** A blob in {@code data[0..length)}; {@code data} may be longer. */
    record Blob(byte[] data, int length) {
    }

    /**
     * {@link #readChunk} into an array taken from {@code pool} where the implementation can (the caller gives
     * {@link Blob#data()} back when done with it); by default a fresh array.
     */
    default Blob readChunkInto(SnapshotRef snapshot, ChunkId id, dev.coffer.core.util.BufferPool pool) {
        byte[] b = readChunk(snapshot, id);
        return new Blob(b, b.length);
    }

    /**
     * A hint that the chunk will be read soon: an implementation may start fetching it in the background.
     * It never fails and never changes what a later read returns; by default it does nothing.
     */
    default void prefetch(SnapshotRef snapshot, ChunkId id) {
    }

    List<SnapshotRef> snapshots(String ns);

    List<SnapshotRef> snapshots(BackupGroup group);

    byte[] readSnapshotFile(SnapshotRef snapshot, String fileName);

    /**
     * Starts writing a snapshot; nothing is visible until {@link SnapshotSession#commit()}. Chunks are touched
     * and inserted while a session is open.
     */
    SnapshotSession beginSnapshot(BackupGroup group, Instant time, CryptMode mode);

    void forget(SnapshotRef snapshot);

    /** Whether the snapshot's last verification failed (such a snapshot is never a base for reuse). */
    default boolean failedVerification(SnapshotRef snapshot) {
        Status s = status(snapshot);
        return s.verify() != null && !s.verify().equals("ok") && !s.verify().equals("none");
    }

    /** What the datastore records beside a snapshot: verify state ("ok", "failed" or "none") and time, protection. */
    record Status(String verify, Instant verifyTime, boolean isProtected) {
    }

    Status status(SnapshotRef snapshot);

    /**
     * A side file of a finished snapshot (protected, notes.txt, notes.blob, drill.json, verify.json), or null
     * when it has none.
     */
    byte[] readSideFile(SnapshotRef snapshot, String name);

    /** Writes, or with null removes, a side file. */
    void writeSideFile(SnapshotRef snapshot, String name, byte[] data);

    /** Applies keep rules to one group (dry run: only plans); the decisions, oldest first. */
    Prune.Result prune(BackupGroup group, Prune.Rules rules, ZoneId zone, boolean dryRun);

    /** Caps the rate at which chunks are stored (sent to a server, or written locally); 0 = no cap. */
    void limitRate(long bytesPerSecond);

    @Override
    void close();

    /** One snapshot being written. Closing without commit discards it. */
    interface SnapshotSession extends AutoCloseable {
        SnapshotRef ref();

        void writeFile(String name, byte[] data);

        SnapshotRef commit();

        @Override
        void close();
    }
}
