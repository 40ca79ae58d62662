package dev.coffer.core.format;

import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Builds an index file (design.md 4). Entries live in one growing byte array, 40 bytes each at most. */
public final class IndexWriter {
    static final byte[] MAGIC = {'C', 'F', 'I', 1};
    static final int HEADER = 32;

    private final boolean fixed;
    private final CryptMode mode;
    private final int chunkSize;
    private final ByteWriter entries = new ByteWriter(4096);
    private int count;
    private long size;
    private boolean shortSeen;

    private IndexWriter(boolean fixed, CryptMode mode, int chunkSize) {
        this.fixed = fixed;
        this.mode = mode;
        this.chunkSize = chunkSize;
    }

    public static IndexWriter dynamic(CryptMode mode) {
        return new IndexWriter(false, mode, 0);
    }

    public static IndexWriter fixed(CryptMode mode, int chunkSize) {
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunk size must be positive");
        }
        return new IndexWriter(true, mode, chunkSize);
    }

    public void addDynamic(long endOffset, ChunkId id) {
        if (fixed) {
            throw new IllegalStateException("fixed index");
        }
        if (endOffset <= size) {
            throw new IllegalArgumentException("end offsets must increase");
        }
        entries.u64(endOffset);
        entries.bytes(id.bytes());
        size = endOffset;
        count++;
    }

    public void addFixed(ChunkId id, int length) {
        if (!fixed) {
            throw new IllegalStateException("dynamic index");
        }
        if (shortSeen || length <= 0 || length > chunkSize) {
            throw new IllegalArgumentException("only the last chunk of a fixed index may be short");
        }
        shortSeen = length < chunkSize;
        entries.bytes(id.bytes());
        size += length;
        count++;
    }

    public int chunkCount() {
        return count;
    }

    public long size() {
        return size;
    }

    /** The complete index file, trailing SHA-256 included. */
    public byte[] finish() {
        ByteWriter out = new ByteWriter(HEADER + entries.length() + 32);
        out.bytes(MAGIC);
        out.u8(fixed ? 2 : 1);
        out.u8(mode.code());
        out.u8(0);
        out.u8(0);
        out.u64(size);
        out.u64(count);
        out.u32(fixed ? chunkSize : 0);
        out.u32(0);
        out.bytes(entries.array(), 0, entries.length());
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(out.array(), 0, out.length());
            out.bytes(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }
}
