package dev.coffer.core.format;

import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import java.util.Objects;

/**
 * Builds an index file (design.md 4). Entries go straight into one growing byte array in their stored form
 * (40 bytes per dynamic entry, 32 per fixed one, plus growth slack); there is no object per chunk. Not
 * thread-safe.
 */
public final class IndexWriter {
    static final byte[] MAGIC = {'C', 'F', 'I', 1};
    static final int HEADER = 32;
    static final int TRAILER = 32;
    /** No chunk is longer than the largest blob payload (design.md 2). */
    public static final int MAX_CHUNK = 64 << 20;

    private final IndexType type;
    private final CryptMode mode;
    private final int chunkSize;
    private ByteWriter out; // null once finished
    private int count;
    private long size;
    private boolean shortSeen;
    private byte[] finished;

    private IndexWriter(IndexType type, CryptMode mode, int chunkSize) {
        this.type = type;
        this.mode = Objects.requireNonNull(mode, "mode");
        this.chunkSize = chunkSize;
        this.out = new ByteWriter(4096);
        out.bytes(new byte[HEADER]); // filled in by finish()
    }

    /** A writer for content-defined chunks. */
    public static IndexWriter dynamic(CryptMode mode) {
        return new IndexWriter(IndexType.DYNAMIC, mode, 0);
    }

    /** A writer for fixed-size chunks of {@code chunkSize} bytes (1 to 64 MiB). */
    public static IndexWriter fixed(CryptMode mode, int chunkSize) {
        if (chunkSize <= 0 || chunkSize > MAX_CHUNK) {
            throw new IllegalArgumentException("fixed chunk size must be from 1 byte to 64 MiB, not " + chunkSize);
        }
        return new IndexWriter(IndexType.FIXED, mode, chunkSize);
    }

    public IndexType type() {
        return type;
    }

    /** Appends the chunk that ends at stream offset {@code endOffset}; offsets must strictly increase. */
    public void addDynamic(long endOffset, ChunkId id) {
        Objects.requireNonNull(id, "id");
        checkOpen();
        if (type != IndexType.DYNAMIC) {
            throw new IllegalStateException("addDynamic on a fixed index");
        }
        if (endOffset <= size) {
            throw new IllegalArgumentException("end offsets must increase: " + endOffset + " after " + size);
        }
        if (endOffset - size > MAX_CHUNK) {
            throw new IllegalArgumentException("chunk of " + (endOffset - size) + " bytes exceeds 64 MiB");
        }
        out.u64(endOffset);
        out.bytes(id.bytes());
        size = endOffset;
        count++;
    }

    /** Appends a chunk of {@code length} bytes; every chunk but the last is exactly the fixed chunk size. */
    public void addFixed(ChunkId id, int length) {
        Objects.requireNonNull(id, "id");
        checkOpen();
        if (type != IndexType.FIXED) {
            throw new IllegalStateException("addFixed on a dynamic index");
        }
        if (shortSeen) {
            throw new IllegalArgumentException("only the last chunk of a fixed index may be shorter than "
                    + chunkSize + " bytes");
        }
        if (length <= 0 || length > chunkSize) {
            throw new IllegalArgumentException("chunk length " + length + " outside 1.." + chunkSize);
        }
        if (size > Long.MAX_VALUE - length) {
            throw new IllegalArgumentException("stream size exceeds 2^63-1 bytes");
        }
        shortSeen = length < chunkSize;
        out.bytes(id.bytes());
        size += length;
        count++;
    }

    private void checkOpen() {
        if (finished != null) {
            throw new IllegalStateException("index already finished");
        }
        if (out.length() > ByteWriter.MAX_ARRAY - HEADER - TRAILER - 64) {
            throw new IllegalStateException("index too large: " + count + " chunks");
        }
    }

    public int chunkCount() {
        return count;
    }

    /** The stream size so far. */
    public long size() {
        return size;
    }

    /**
     * The complete index file, trailing SHA-256 included; no more chunks can be added. Later calls return a
     * copy of the same bytes.
     */
    public byte[] finish() {
        if (finished != null) {
            return finished.clone();
        }
        byte[] b = out.array();
        System.arraycopy(MAGIC, 0, b, 0, 4);
        b[4] = (byte) type.code();
        b[5] = (byte) mode.code();
        out.setU64(8, size);
        out.setU64(16, count);
        int fixed = type == IndexType.FIXED ? chunkSize : 0;
        for (int i = 0; i < 4; i++) {
            b[24 + i] = (byte) (fixed >>> (8 * i));
        }
        out.bytes(Index.sha256(b, 0, out.length()));
        finished = out.toByteArray();
        out = null;
        return finished;
    }
}
