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
 * executor, several ahead of the reader, and kept in a small cache; every chunk is checked against its id
 * before any byte of it is returned.
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
    private final Map<Integer, CompletableFuture<byte[]>> cache;
    private final BufferPool buffers;

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
        int capacity = readAhead + 2;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, CompletableFuture<byte[]>> e) {
                if (size() <= capacity) {
                    return false;
                }
                release(e.getValue());
                return true;
            }
        };
    }

    /** Gives a decoded chunk's array back to the pool once it is no longer needed (or drops it when never used). */
    private void release(CompletableFuture<byte[]> f) {
        if (buffers == null) {
            return;
        }
        if (f.isDone() && !f.isCompletedExceptionally()) {
            buffers.give(f.join());
        } else {
            f.thenAccept(buffers::give); // still decoding: hand it back when it is done
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
        CompletableFuture<byte[]> f = fetch(i);
        for (int k = 1; k <= readAhead && i + k < index.chunkCount(); k++) {
            fetch(i + k);
        }
        try {
            return f.join();
        } catch (CompletionException e) {
            cache.remove(i);
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new CofferException("reading chunk failed: " + e.getCause(), null, e.getCause());
        }
    }

    private CompletableFuture<byte[]> fetch(int i) {
        CompletableFuture<byte[]> f = cache.get(i);
        if (f == null) {
            ChunkId id = index.id(i);
            int expected = chunkLength(i);
            f = CompletableFuture.supplyAsync(() -> {
                // the blob is ours alone: decrypting it in place saves an array per chunk
                byte[] blob = repo.readChunk(snapshot, id);
                byte[] plain;
                int length;
                if (buffers == null) {
                    plain = codec.decodeChunkConsuming(id, blob);
                    length = plain.length;
                } else {
                    BlobCodec.Decoded d = codec.decodeChunkInto(id, blob, buffers);
                    plain = d.data();
                    length = d.length();
                }
                if (length != expected) {
                    throw new dev.coffer.core.CorruptDataException("chunk " + id + ": has " + length
                            + " bytes, the index says " + expected);
                }
                return plain;
            }, executor);
            cache.put(i, f);
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

    /** The whole stream from the start, as an InputStream. */
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
                int n = (int) Math.min(len, index.size() - pos);
                StreamReader.this.read(pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }
}
