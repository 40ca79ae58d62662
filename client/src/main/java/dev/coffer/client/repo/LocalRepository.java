package dev.coffer.client.repo;

import dev.coffer.core.crypto.ChunkId;
import dev.coffer.store.BackupGroup;
import dev.coffer.store.Datastore;
import dev.coffer.store.SnapshotRef;
import dev.coffer.store.SnapshotWriter;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.store.maint.Prune;
import dev.coffer.store.maint.Verifier;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.Instant;
import java.util.List;

/** A datastore on a local (or mounted) filesystem, used in-process with no server. */
public final class LocalRepository implements Repository {
    private final Datastore store;
    private volatile Throttle throttle;

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
        Throttle t = throttle;
        if (t != null) {
            t.acquire(len);
        }
        return store.insertChunk(id, blob, off, len);
    }

    /**
     * Writes the chunk's file now and leaves its fsync and link to a background thread, so the worker that
     * encoded it goes on encoding while the disk catches up (each chunk's fsync took the worker off the CPU).
     * At most {@link #SYNCS_IN_FLIGHT} chunks wait for their fsync; a further call waits for one of them.
     */
    @Override
    public java.util.concurrent.CompletableFuture<Boolean> insertChunkAsync(ChunkId id, byte[] blob, int off, int len) {
        Throttle t = throttle;
        if (t != null) {
            t.acquire(len);
        }
        syncSlots.acquireUninterruptibly();
        Datastore.PendingChunk p;
        try {
            p = store.writeChunk(id, blob, off, len);
        } catch (RuntimeException | Error e) { // an Error too: a slot lost for good would hang the backup
            syncSlots.release();
            throw e;
        }
        if (p.existed()) {
            syncSlots.release();
            return java.util.concurrent.CompletableFuture.completedFuture(false);
        }
        try {
            return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return p.finish();
                } finally {
                    syncSlots.release();
                }
            }, syncer());
        } catch (RuntimeException | Error e) {
            p.abandon();
            syncSlots.release();
            throw e;
        }
    }

    /** Chunks written by {@link #insertChunkAsync} whose fsync may be outstanding at once. */
    static final int SYNCS_IN_FLIGHT = 16;
    private final java.util.concurrent.Semaphore syncSlots = new java.util.concurrent.Semaphore(SYNCS_IN_FLIGHT);
    private java.util.concurrent.ExecutorService syncer;

    /** Slots for further chunks waiting for their fsync (all of them when none waits). */
    int freeSyncSlots() {
        return syncSlots.availablePermits();
    }

    private synchronized java.util.concurrent.ExecutorService syncer() {
        if (syncer == null) {
            syncer = java.util.concurrent.Executors.newFixedThreadPool(4, r -> {
                Thread th = new Thread(r, "coffer-chunk-sync");
                th.setDaemon(true);
                return th;
            });
        }
        return syncer;
    }

    @Override
    public byte[] readChunk(SnapshotRef snapshot, ChunkId id) {
        return store.readChunk(id);
    }

    @Override
    public Blob readChunkInto(SnapshotRef snapshot, ChunkId id, dev.coffer.core.util.BufferPool pool) {
        byte[][] data = new byte[1][];
        int length = store.readChunkInto(id, n -> data[0] = pool.take(n));
        return new Blob(data[0], length);
    }

    /** Starts reading the chunk's file into the page cache (the disk works ahead of the decoding threads). */
    @Override
    public void prefetch(SnapshotRef snapshot, ChunkId id) {
        try {
            dev.coffer.client.fs.Posix.prefetch(dev.coffer.client.fs.BytePaths.of(store.chunkPath(id)));
        } catch (RuntimeException | LinkageError e) {
            // only a hint: the read itself reports whatever is wrong
        }
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
    public SnapshotSession beginSnapshot(BackupGroup group, Instant time, CryptMode mode) {
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
    public Status status(SnapshotRef snapshot) {
        Verifier.State st = Verifier.state(store, snapshot);
        return new Status(st == null ? "none" : st.state(), st == null ? null : st.time(), store.isProtected(snapshot));
    }

    @Override
    public byte[] readSideFile(SnapshotRef snapshot, String name) {
        return store.readSnapshotSideFile(snapshot, name);
    }

    @Override
    public void writeSideFile(SnapshotRef snapshot, String name, byte[] data) {
        store.writeSnapshotSideFile(snapshot, name, data);
    }

    @Override
    public Prune.Result prune(BackupGroup group, Prune.Rules rules, ZoneId zone, boolean dryRun) {
        return Prune.run(store, group, rules, zone, dryRun, forgotten -> { });
    }

    @Override
    public void forget(SnapshotRef snapshot) {
        store.forgetSnapshot(snapshot);
    }

    @Override
    public void limitRate(long bytesPerSecond) {
        throttle = bytesPerSecond > 0 ? new Throttle(bytesPerSecond) : null;
    }

    /** Lets the chunks still waiting for their fsync finish (at most {@link #SYNCS_IN_FLIGHT}), then closes. */
    @Override
    public void close() {
        java.util.concurrent.ExecutorService s;
        synchronized (this) {
            s = syncer;
        }
        if (s != null) {
            s.shutdown();
            try {
                s.awaitTermination(5, java.util.concurrent.TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        store.close();
    }
}
