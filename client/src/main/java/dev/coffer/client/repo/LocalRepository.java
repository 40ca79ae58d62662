package dev.coffer.client.repo;

import dev.coffer.core.crypto.ChunkId;
import dev.coffer.store.BackupGroup;
import dev.coffer.store.Datastore;
import dev.coffer.store.SnapshotRef;
import dev.coffer.store.SnapshotWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** A datastore on a local (or mounted) filesystem, used in-process with no server. */
public final class LocalRepository implements Repository {
    private final Datastore store;

    private LocalRepository(Datastore store) {
        this.store = store;
    }

    /** Opens an existing datastore; a missing one is an error that says so. */
    public static LocalRepository open(Path root) {
        return new LocalRepository(Datastore.open(root));
    }

    /** Opens the datastore, creating it first when the directory does not exist yet. */
    public static LocalRepository openOrCreate(Path root) {
        return new LocalRepository(Datastore.create(root));
    }

    public Datastore datastore() {
        return store;
    }

    @Override
    public String location() {
        return store.root().toString();
    }

    @Override
    public boolean hasChunk(ChunkId id) {
        return store.hasChunk(id);
    }

    @Override
    public boolean touchChunk(ChunkId id) {
        return store.touchChunk(id);
    }

    @Override
    public boolean insertChunk(ChunkId id, byte[] blob, int off, int len) {
        return store.insertChunk(id, blob, off, len);
    }

    @Override
    public byte[] readChunk(ChunkId id) {
        return store.readChunk(id);
    }

    @Override
    public List<SnapshotRef> snapshots(String ns) {
        return store.snapshots(ns);
    }

    @Override
    public List<SnapshotRef> snapshots(BackupGroup group) {
        return store.snapshots(group);
    }

    @Override
    public byte[] readSnapshotFile(SnapshotRef snapshot, String fileName) {
        return store.readSnapshotFile(snapshot, fileName);
    }

    @Override
    public SnapshotSession beginSnapshot(BackupGroup group, Instant time) {
        SnapshotWriter writer = store.beginSnapshot(group, time);
        return new SnapshotSession() {
            @Override
            public SnapshotRef ref() {
                return writer.ref();
            }

            @Override
            public void writeFile(String name, byte[] data) {
                writer.writeFile(name, data);
            }

            @Override
            public SnapshotRef commit() {
                return writer.commit();
            }

            @Override
            public void close() {
                writer.close();
            }
        };
    }

    @Override
    public boolean failedVerification(SnapshotRef snapshot) {
        var st = dev.coffer.store.maint.Verifier.state(store, snapshot);
        return st != null && !st.state().equals("ok");
    }

    @Override
    public void forget(SnapshotRef snapshot) {
        store.forgetSnapshot(snapshot);
    }

    @Override
    public void close() {
        store.close();
    }
}
