package dev.coffer.client.repo;

import dev.coffer.core.crypto.ChunkId;
import dev.coffer.store.BackupGroup;
import dev.coffer.store.SnapshotRef;
import java.time.Instant;
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

    /** Stores a blob under its id; returns false when the repository already had it. */
    boolean insertChunk(ChunkId id, byte[] blob, int off, int len);

    byte[] readChunk(ChunkId id);

    List<SnapshotRef> snapshots(String ns);

    List<SnapshotRef> snapshots(BackupGroup group);

    byte[] readSnapshotFile(SnapshotRef snapshot, String fileName);

    /** Starts writing a snapshot; nothing is visible until {@link SnapshotSession#commit()}. */
    SnapshotSession beginSnapshot(BackupGroup group, Instant time);

    void forget(SnapshotRef snapshot);

    /** Whether the snapshot's last verification failed (such a snapshot is never a base for reuse). */
    default boolean failedVerification(SnapshotRef snapshot) {
        return false;
    }

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
