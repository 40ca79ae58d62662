package dev.coffer.client.backup;

import dev.coffer.client.repo.Repository;
import dev.coffer.core.CofferException;
import dev.coffer.core.chunking.ChunkStream;
import dev.coffer.core.crypto.BlobCodec;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.format.IndexWriter;
import dev.coffer.core.util.BufferPool;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * The parallel half of the backup pipeline. The reading thread cuts chunks; worker threads hash,
 * look the id up (touching chunks the repository has), and only for unknown chunks compress, encrypt and store.
 * Memory stays bounded: at most {@code threads + 1} chunks, and at most 24 MiB of their plaintext (or one
 * larger chunk), exist between the chunker and the repository. Chunk arrays come from a {@link BufferPool}
 * and go back to it, and each worker builds its blobs in one array of its own (kept between chunks up to
 * {@link #blobKeepBytes}), so a backup allocates almost nothing per chunk.
 * Index entries are appended in stream order whatever order the workers finish in.
 */
public final class ChunkUploader implements AutoCloseable {
    private final Repository repo;
    private final BlobCodec codec;
    private final Set<ChunkId> seen = ConcurrentHashMap.newKeySet();
    private final ExecutorService pool;
    private final Semaphore permits;
    /** In-flight plaintext in KiB: bounds memory whatever the chunk size and thread count. */
    private final Semaphore kibibytes = new Semaphore(BUDGET_KIB);
    static final int BUDGET_KIB = 24 << 10;
    /** Chunk arrays of this backup; up to 24 MiB of them are kept for reuse while not in flight. */
    private final BufferPool buffers = new BufferPool(24L << 20);
    private final BackupStats stats;
    /** The largest blob array a worker keeps for its next chunk: the workers' together stay near the budget. */
    private final int blobKeepBytes;
    /** Stores that may still be running (fsync and link of a written chunk), to wait for on {@link #close}. */
    private final Set<CompletableFuture<Boolean>> storing = ConcurrentHashMap.newKeySet();

    public ChunkUploader(Repository repo, BlobCodec codec, int threads, BackupStats stats) {
        this.repo = repo;
        this.codec = codec;
        this.stats = stats;
        this.blobKeepBytes = (int) Math.max(8L << 20, (BUDGET_KIB * 1024L) / Math.max(1, threads));
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "coffer-chunk");
            t.setDaemon(true);
            return t;
        });
        this.permits = new Semaphore(threads + 1);
    }

    /** A chunk sink feeding one index. */
    public Stream newStream(IndexWriter index, boolean fixed) {
        return new Stream(index, fixed);
    }

    /** The pool that chunk streams feeding this uploader take their chunk arrays from. */
    public BufferPool buffers() {
        return buffers;
    }

    /**
     * Hashes, and for a new chunk encodes and stores, {@code data[0..len)}; gives {@code data} back to the
     * pool as soon as it is encoded, before the store, so fewer chunk arrays are in use. The store may finish
     * after this returns ({@link Repository#insertChunkAsync}): the future completes when the chunk is durable.
     */
    private CompletableFuture<ChunkId> process(byte[] data, int len) {
        byte[] chunk = data;
        try {
            ChunkId id = codec.idOf(data, 0, len);
            stats.chunks.incrementAndGet();
            // a chunk the repository has is touched, not stored: that also tells a concurrent garbage
            // collection that this backup uses it (design.md 13)
            if (seen.add(id) && !repo.touchChunk(id)) {
                byte[] blob = blobArray(BlobCodec.maxBlobLength(len));
                int n = codec.encodeChunkInto(id, data, 0, len, blob);
                buffers.give(chunk);
                chunk = null;
                CompletableFuture<Boolean> store = repo.insertChunkAsync(id, blob, 0, n);
                storing.add(store);
                store.whenComplete((stored, failure) -> storing.remove(store));
                return store.thenApply(stored -> {
                    if (stored) {
                        stats.newChunks.incrementAndGet();
                        stats.newBytes.addAndGet(len);
                        stats.storedNewBytes.addAndGet(n);
                    }
                    return id;
                });
            }
            return CompletableFuture.completedFuture(id);
        } finally {
            buffers.give(chunk);
        }
    }

    /**
     * Each worker thread's blob array, kept for the whole backup and grown to the largest blob it has built,
     * up to {@link #blobKeepBytes}; a larger blob gets an array of its own (a blob is written out, if not yet
     * durable, before its worker takes the next chunk). Taken from the shared pool instead, blob arrays (a
     * little longer than their chunk) missed half the time and made two thirds of the collections.
     */
    private final ThreadLocal<byte[]> blobs = new ThreadLocal<>();

    private byte[] blobArray(int n) {
        byte[] b = blobs.get();
        if (b != null && b.length >= n) {
            return b;
        }
        b = new byte[BufferPool.roundUp(n)];
        if (b.length <= blobKeepBytes) {
            blobs.set(b);
        }
        return b;
    }

    /**
     * Stops the workers and waits for the chunks they were storing, so that a backup that fails still has
     * its session (which tells a garbage collection that it runs, design.md 13) while its last chunks are
     * linked. After a successful backup nothing is left to wait for.
     */
    @Override
    public void close() {
        pool.shutdownNow();
        try {
            if (!pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES)) {
                return;
            }
            for (CompletableFuture<Boolean> s : storing) {
                try {
                    s.get(1, java.util.concurrent.TimeUnit.MINUTES);
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    // a failed store fails the backup through its stream; here only its end matters
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One stream's chunks, in order. Used by a single producing thread. */
    public final class Stream implements ChunkStream.ChunkSink {
        private record Pending(long end, int length, Future<ChunkId> id) {
        }

        private final IndexWriter index;
        private final boolean fixed;
        private final ArrayDeque<Pending> pending = new ArrayDeque<>();
        private long position;

        private Stream(IndexWriter index, boolean fixed) {
            this.index = index;
            this.fixed = fixed;
        }

        @Override
        public void chunk(byte[] data, int len) {
            int kib = Math.min(BUDGET_KIB, (len + 1023) >>> 10);
            try {
                permits.acquire();
                try {
                    kibibytes.acquire(kib);
                } catch (InterruptedException e) {
                    permits.release();
                    throw e;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CofferException("interrupted");
            }
            position += len;
            stats.streamBytes.addAndGet(len);
            Future<ChunkId> f;
            try {
                f = CompletableFuture.supplyAsync(() -> {
                    try {
                        return process(data, len);
                    } finally {
                        kibibytes.release(kib);
                        permits.release();
                    }
                }, pool).thenCompose(durable -> durable); // done when the chunk is durable, not just encoded
            } catch (RuntimeException e) {
                buffers.give(data);
                kibibytes.release(kib);
                permits.release();
                throw e;
            }
            pending.add(new Pending(position, len, f));
            while (!pending.isEmpty() && pending.peekFirst().id().isDone()) {
                append(pending.pollFirst());
            }
        }

        /**
         * Places a chunk the repository already holds (and that the caller has touched) into this stream
         * by reference, after the chunks handed in so far.
         */
        public void appendExisting(ChunkId id, int len) {
            seen.add(id);
            position += len;
            stats.streamBytes.addAndGet(len);
            stats.chunks.incrementAndGet();
            pending.add(new Pending(position, len, CompletableFuture.completedFuture(id)));
        }

        private void append(Pending p) {
            ChunkId id = await(p.id());
            if (fixed) {
                index.addFixed(id, p.length());
            } else {
                index.addDynamic(p.end(), id);
            }
        }

        /** Waits for every chunk and returns the finished index file. */
        public byte[] finish() {
            while (!pending.isEmpty()) {
                append(pending.pollFirst());
            }
            return index.finish();
        }
    }

    private static ChunkId await(Future<ChunkId> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CofferException("interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new CofferException("storing a chunk failed: " + e.getCause(), null, e.getCause());
        }
    }
}
