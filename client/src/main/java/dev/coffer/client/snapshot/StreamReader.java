package dev.coffer.client.snapshot;

import dev.coffer.client.repo.Repository;
import dev.coffer.store.SnapshotRef;
import dev.coffer.core.CofferException;
import dev.coffer.core.crypto.BlobCodec;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.format.Index;
import dev.coffer.core.util.BufferPool;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Reads one stream of a snapshot by offset. Chunks are fetched, authenticated and decoded on the given
 * executor, several ahead of the reader, and kept in a small cache keyed by chunk id (a stream may list the
 * same chunk more than once: a re-backup's payload stream repeats a base chunk wherever a run of unchanged
 * files resumes in it, and it is then decoded once); every chunk is checked against its id before any byte
 * of it is returned. A reader made {@link #forCheckedContents} leaves out one of those checks, for a caller
 * that checks what it reads against digests of its own.
 *
 * <p>A reader told which chunks will be read ({@link #plan}) fetches ahead only those, so a restore does not
 * decode the parts of a stream that no restored file points to.
 *
 * <p>With a {@link BufferPool}, decoded chunks live in pooled arrays that go back to the pool when they leave
 * the cache: an array returned by {@link #chunk} may then be longer than the chunk, and is valid only until
 * the next call on this reader. One thread reads from a reader.
 */
public final class StreamReader {
    private final Repository repo;
    private final SnapshotRef snapshot;
    private final BlobCodec codec;
    private final Index index;
    private final Executor executor;
    private final int readAhead;
    private final Map<ChunkId, CompletableFuture<BlobCodec.Decoded>> cache;
    private final BufferPool buffers;
    /** The chunks that will be read; null: all of them. */
    private java.util.BitSet planned;
    /**
     * How many chunks beyond the read-ahead the repository is told about ({@link Repository#prefetch}): a
     * local datastore then reads their files while the chunks before them are decoded. 16 chunks are about
     * 64 MiB of page cache.
     */
    static final int HINT_AHEAD = 16;
    /** The last chunk index up to which hints were given. */
    private int hintedThrough = -1;
    /** How many decoded chunks the cache keeps (see {@link #forWholeChunks}). */
    private int capacity;
    /** Whether the caller checks every byte it reads against a SHA-256 (see {@link #forCheckedContents}). */
    private boolean contentsChecked;

    public StreamReader(Repository repo, SnapshotRef snapshot, BlobCodec codec, Index index, Executor executor, int readAhead) {
        this(repo, snapshot, codec, index, executor, readAhead, null);
    }

    /** A reader whose decoded chunks live in arrays from {@code buffers} (null: fresh arrays). */
    public StreamReader(Repository repo, SnapshotRef snapshot, BlobCodec codec, Index index, Executor executor, int readAhead,
            BufferPool buffers) {
        this.buffers = buffers;
        this.repo = repo;
        this.snapshot = snapshot;
        this.codec = codec;
        this.index = index;
        this.executor = executor;
        this.readAhead = readAhead;
        // the chunk being read, the ones fetched ahead, and one behind for a range that straddles a boundary
        this.capacity = readAhead + 2;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ChunkId, CompletableFuture<BlobCodec.Decoded>> e) {
                if (size() <= capacity) {
                    return false;
                }
                release(e.getValue());
                return true;
            }
        };
    }

    /**
     * Declares that the caller checks every byte it reads from this reader against a SHA-256 recorded at
     * backup before it keeps any of it (a directory restore checks each file it writes). An encrypted chunk's
     * id is then not recomputed from its plaintext: AES-GCM has authenticated the chunk with its id bound in,
     * and the caller's digests check the plaintext end to end (see
     * {@link BlobCodec#decodeAuthenticatedChunkInto}). Only for a reader with a pool; returns this reader.
     */
    public StreamReader forCheckedContents() {
        if (buffers == null) {
            throw new IllegalStateException("forCheckedContents needs a reader with a buffer pool");
        }
        contentsChecked = true;
        return this;
    }

    /**
     * Declares that the caller reads whole chunks with {@link #chunk} and is done with each array before it
     * asks for the next chunk (an image restore copies it out at once): the reader then keeps no chunk behind
     * the one being read, and that array goes back to the pool one chunk earlier. Returns this reader.
     */
    public StreamReader forWholeChunks() {
        if (!cache.isEmpty()) {
            throw new IllegalStateException("forWholeChunks must come before the first read");
        }
        capacity = readAhead + 1;
        return this;
    }

    /**
     * Tells the reader which byte ranges will be read: read-ahead then skips chunks that none of them
     * overlaps. Reading elsewhere still works (such a chunk is fetched when asked for). Calls add up.
     */
    public void plan(long pos, long len) {
        if (len <= 0 || pos < 0 || pos + len > index.size()) {
            return; // read() reports a bad range
        }
        if (planned == null) {
            planned = new java.util.BitSet(index.chunkCount());
        }
        int first = index.chunkIndexAt(pos);
        int last = index.chunkIndexAt(pos + len - 1);
        planned.set(first, last + 1);
    }

    /** Gives a decoded chunk's array back to the pool once it is no longer needed (or drops it when never used). */
    private void release(CompletableFuture<BlobCodec.Decoded> f) {
        if (buffers == null) {
            return;
        }
        if (f.isDone() && !f.isCompletedExceptionally()) {
            buffers.give(f.join().data());
        } else {
            f.thenAccept(d -> buffers.give(d.data())); // still decoding: hand it back when it is done
        }
    }

    /** Length of chunk i (an array from {@link #chunk} may be longer when the reader has a pool). */
    public int chunkLength(int i) {
        return (int) (index.end(i) - index.start(i));
    }

    public long size() {
        return index.size();
    }

    public Index index() {
        return index;
    }

    /** The decoded bytes of chunk i. */
    public byte[] chunk(int i) {
        CompletableFuture<BlobCodec.Decoded> f = fetch(i);
        int ahead = i;
        for (int k = 1; k <= readAhead && ahead >= 0; k++) {
            ahead = next(ahead);
            if (ahead >= 0) {
                fetch(ahead);
            }
        }
        if (ahead >= 0) {
            hint(ahead, Math.min(index.chunkCount() - 1, i + readAhead + HINT_AHEAD));
        }
        BlobCodec.Decoded d;
        try {
            d = f.join();
        } catch (CompletionException e) {
            cache.remove(index.id(i));
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new CofferException("reading chunk failed: " + e.getCause(), null, e.getCause());
        }
        if (d.length() != chunkLength(i)) {
            throw new dev.coffer.core.CorruptDataException("chunk " + index.id(i) + ": has " + d.length()
                    + " bytes, the index says " + chunkLength(i));
        }
        return d.data();
    }

    /** The next chunk after j that will be read (every one without a plan), or -1 at the end. */
    private int next(int j) {
        int n = planned == null ? j + 1 : planned.nextSetBit(j + 1);
        return n < 0 || n >= index.chunkCount() ? -1 : n;
    }

    /**
     * Tells the repository which chunks after {@code from} up to {@code last} will be read, each once: the
     * storage can work on them while the threads decode the ones before.
     */
    private void hint(int from, int last) {
        int j = Math.max(from, hintedThrough);
        while ((j = next(j)) >= 0 && j <= last) {
            ChunkId id = index.id(j);
            if (!cache.containsKey(id)) {
                repo.prefetch(snapshot, id);
            }
        }
        hintedThrough = Math.max(hintedThrough, last);
    }

    private CompletableFuture<BlobCodec.Decoded> fetch(int i) {
        ChunkId id = index.id(i);
        CompletableFuture<BlobCodec.Decoded> f = cache.get(id);
        if (f == null) {
            f = CompletableFuture.supplyAsync(() -> {
                // the blob is ours alone: decrypting it in place saves an array per chunk
                if (buffers == null) {
                    byte[] plain = codec.decodeChunkConsuming(id, repo.readChunk(snapshot, id));
                    return new BlobCodec.Decoded(plain, plain.length);
                }
                // the blob, too, is read into a pooled array, and goes back once decoded (or refused)
                Repository.Blob blob = repo.readChunkInto(snapshot, id, buffers);
                try {
                    return contentsChecked ? codec.decodeAuthenticatedChunkInto(id, blob.data(), blob.length(), buffers)
                            : codec.decodeChunkInto(id, blob.data(), blob.length(), buffers);
                } finally {
                    buffers.give(blob.data());
                }
            }, executor);
            cache.put(id, f);
        }
        return f;
    }

    /** Copies {@code len} bytes at stream offset {@code pos} into {@code dst}. */
    public void read(long pos, byte[] dst, int off, int len) {
        if (pos < 0 || len < 0 || pos + len > index.size()) {
            throw new dev.coffer.core.CorruptDataException("range " + pos + "+" + len + " lies outside the stream ("
                    + index.size() + " bytes)");
        }
        while (len > 0) {
            int c = index.chunkIndexAt(pos);
            byte[] data = chunk(c);
            int within = (int) (pos - index.start(c));
            int n = Math.min(len, chunkLength(c) - within);
            System.arraycopy(data, within, dst, off, n);
            pos += n;
            off += n;
            len -= n;
        }
    }

    /**
     * The whole stream from the start, as an InputStream. A read returns at most the rest of one chunk, so a
     * reader gets every byte before a damaged chunk before it meets the damage.
     */
    public InputStream sequential() {
        return new InputStream() {
            private long pos;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= index.size()) {
                    return -1;
                }
                int n = (int) Math.min(len, index.end(index.chunkIndexAt(pos)) - pos);
                StreamReader.this.read(pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }
}
