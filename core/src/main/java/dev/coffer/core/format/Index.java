package dev.coffer.core.format;

import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.function.Consumer;

/** A parsed, checked index file (design.md 4). Entries stay in the file's bytes; no object per chunk. */
public final class Index {
    private final byte[] file;
    private final IndexType type;
    private final CryptMode mode;
    private final long size;
    private final int count;
    private final int fixedSize;

    private Index(byte[] file, IndexType type, CryptMode mode, long size, int count, int fixedSize) {
        this.file = file;
        this.type = type;
        this.mode = mode;
        this.size = size;
        this.count = count;
        this.fixedSize = fixedSize;
    }

    public static Index parse(byte[] file) {
        if (file.length < 4 || !Arrays.equals(file, 0, 4, IndexWriter.MAGIC, 0, 4)) {
            throw new CorruptDataException("index: bad magic");
        }
        if (file.length < IndexWriter.HEADER + 32) {
            throw new CorruptDataException("index: truncated");
        }
        byte[] expected;
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(file, 0, file.length - 32);
            expected = md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(file, file.length - 32, file.length))) {
            throw new CorruptDataException("index: checksum mismatch");
        }
        ByteReader r = new ByteReader(file, 4, IndexWriter.HEADER - 4, "index");
        int t = r.u8();
        IndexType type = switch (t) {
            case 1 -> IndexType.DYNAMIC;
            case 2 -> IndexType.FIXED;
            default -> throw new CorruptDataException("index: unknown type " + t);
        };
        int m = r.u8();
        if (m > 2) {
            throw new CorruptDataException("index: unknown crypt mode " + m);
        }
        CryptMode mode = CryptMode.fromCode(m);
        if (r.u8() != 0 || r.u8() != 0) {
            throw new CorruptDataException("index: reserved bytes are not zero");
        }
        long size = r.u64();
        long count = r.u64();
        int fixedSize = r.u32();
        if (r.u32() != 0) {
            throw new CorruptDataException("index: reserved bytes are not zero");
        }
        int entry = type == IndexType.DYNAMIC ? 40 : 32;
        long body = file.length - IndexWriter.HEADER - 32L;
        // count is compared before multiplying: a huge count must not wrap around to the right length
        if (count < 0 || size < 0 || count > body / entry || count * entry != body) {
            throw new CorruptDataException("index: length does not match its chunk count");
        }
        Index idx = new Index(file, type, mode, size, (int) count, fixedSize);
        if (type == IndexType.DYNAMIC) {
            if (fixedSize != 0) {
                throw new CorruptDataException("index: a dynamic index has no fixed chunk size");
            }
            long prev = 0;
            for (int i = 0; i < count; i++) {
                long end = idx.rawEnd(i);
                if (end <= prev) {
                    throw new CorruptDataException("index: offsets not increasing at entry " + i);
                }
                prev = end;
            }
            if (prev != size) {
                throw new CorruptDataException("index: last offset " + prev + " differs from the stream size " + size);
            }
        } else {
            if (fixedSize <= 0) {
                throw new CorruptDataException("index: fixed chunk size is not positive");
            }
            long expectedCount = size == 0 ? 0 : (size - 1) / fixedSize + 1;
            if (expectedCount != count) {
                throw new CorruptDataException("index: chunk count does not match size / chunk size");
            }
        }
        return idx;
    }

    private long rawEnd(int i) {
        int at = IndexWriter.HEADER + i * 40;
        long v = 0;
        for (int k = 7; k >= 0; k--) {
            v = (v << 8) | (file[at + k] & 0xff);
        }
        return v;
    }

    public IndexType type() {
        return type;
    }

    public CryptMode cryptMode() {
        return mode;
    }

    public long size() {
        return size;
    }

    public int chunkCount() {
        return count;
    }

    /** Chunk size of a fixed index, 0 for a dynamic one. */
    public int fixedChunkSize() {
        return fixedSize;
    }

    public ChunkId id(int i) {
        checkIndex(i);
        int at = type == IndexType.DYNAMIC ? IndexWriter.HEADER + i * 40 + 8 : IndexWriter.HEADER + i * 32;
        return ChunkId.of(file, at);
    }

    public long end(int i) {
        checkIndex(i);
        return type == IndexType.DYNAMIC ? rawEnd(i) : Math.min(size, (long) (i + 1) * fixedSize);
    }

    public long start(int i) {
        checkIndex(i);
        return i == 0 ? 0 : type == IndexType.DYNAMIC ? rawEnd(i - 1) : (long) i * fixedSize;
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("chunk " + i + " of " + count);
        }
    }

    /** The chunk that holds stream offset {@code offset}. */
    public int chunkIndexAt(long offset) {
        if (offset < 0 || offset >= size) {
            throw new IndexOutOfBoundsException("offset " + offset + " outside the stream of " + size + " bytes");
        }
        if (type == IndexType.FIXED) {
            return (int) (offset / fixedSize);
        }
        int lo = 0;
        int hi = count - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (rawEnd(mid) <= offset) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    public byte[] sha256() {
        return Arrays.copyOfRange(file, file.length - 32, file.length);
    }

    public void forEachId(Consumer<ChunkId> action) {
        for (int i = 0; i < count; i++) {
            action.accept(id(i));
        }
    }
}
