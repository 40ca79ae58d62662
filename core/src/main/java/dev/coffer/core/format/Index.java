package dev.coffer.core.format;

import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.util.Hex;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * A parsed and checked index file (design.md 4). The entries stay in the file's bytes, which this object
 * keeps (the caller must not change the array afterwards); there is no object per chunk.
 */
public final class Index {
    private static final int HEADER = IndexWriter.HEADER;

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

    /**
     * Parses and checks an index file: magic, length, trailing SHA-256, type, crypt mode, reserved fields,
     * chunk count against the length, and the offsets (dynamic) or the count against the size (fixed).
     */
    public static Index parse(byte[] file) {
        int n = file.length;
        if (!Arrays.equals(file, 0, Math.min(4, n), IndexWriter.MAGIC, 0, Math.min(4, n))) {
            throw new CorruptDataException("index: bad magic");
        }
        if (n < HEADER + IndexWriter.TRAILER) {
            throw new CorruptDataException("index: truncated (" + n + " bytes)");
        }
        if (!MessageDigest.isEqual(sha256(file, 0, n - 32), Arrays.copyOfRange(file, n - 32, n))) {
            long announced = announcedLength(file);
            if (announced > n) {
                throw new CorruptDataException("index: truncated (" + n + " bytes, the header announces " + announced
                        + ")");
            }
            throw new CorruptDataException("index: checksum mismatch");
        }
        ByteReader r = new ByteReader(file, 0, HEADER, "index");
        r.skip(4);
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
        if (r.u16() != 0) {
            throw new CorruptDataException("index: reserved bytes 6-7 are not zero");
        }
        long size = r.u64();
        long count = r.u64();
        long fixedSize = r.u32();
        if (r.u32() != 0) {
            throw new CorruptDataException("index: reserved bytes 28-31 are not zero");
        }
        if (size < 0) {
            throw new CorruptDataException("index: stream size exceeds 2^63-1");
        }
        int entry = entrySize(type);
        long body = n - HEADER - 32L;
        // count is compared before multiplying: a huge count must not wrap around to the right length
        if (count < 0 || count > body / entry || count * entry != body) {
            throw new CorruptDataException("index: length does not match its chunk count");
        }
        Index idx = new Index(file, type, mode, size, (int) count, (int) fixedSize);
        if (type == IndexType.DYNAMIC) {
            if (fixedSize != 0) {
                throw new CorruptDataException("index: fixed chunk size " + fixedSize + " in a dynamic index");
            }
            long prev = 0;
            for (int i = 0; i < count; i++) {
                long end = idx.rawEnd(i);
                if (end <= prev) { // also catches an end of 2^63 or more, read as negative
                    throw new CorruptDataException("index: offsets not increasing at entry " + i);
                }
                if (end - prev > IndexWriter.MAX_CHUNK) {
                    throw new CorruptDataException("index: chunk " + i + " of " + (end - prev)
                            + " bytes exceeds 64 MiB");
                }
                prev = end;
            }
            if (prev != size) {
                throw new CorruptDataException("index: last offset " + prev + " differs from the stream size " + size);
            }
        } else {
            if (fixedSize == 0 || fixedSize > IndexWriter.MAX_CHUNK) {
                throw new CorruptDataException("index: fixed chunk size " + fixedSize + " outside 1 byte to 64 MiB");
            }
            long expected = size == 0 ? 0 : (size - 1) / fixedSize + 1;
            if (expected != count) {
                throw new CorruptDataException("index: chunk count " + count + " does not match stream size " + size
                        + " / chunk size " + fixedSize);
            }
        }
        return idx;
    }

    /** The length the header's type and count call for, or -1 if they make no sense. */
    private static long announcedLength(byte[] file) {
        int t = file[4];
        if (t != 1 && t != 2) {
            return -1;
        }
        long count = new ByteReader(file, 16, 8, "index").u64();
        int entry = t == 1 ? 40 : 32;
        if (count < 0 || count > Integer.MAX_VALUE / entry) {
            return -1;
        }
        return HEADER + count * entry + 32;
    }

    private static int entrySize(IndexType type) {
        return type == IndexType.DYNAMIC ? 40 : 32;
    }

    static byte[] sha256(byte[] b, int off, int len) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(b, off, len);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private long rawEnd(int i) {
        int at = HEADER + i * 40;
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

    /** The stream size in bytes. */
    public long size() {
        return size;
    }

    public int chunkCount() {
        return count;
    }

    /** The chunk size of a fixed index, 0 for a dynamic one. */
    public int fixedChunkSize() {
        return fixedSize;
    }

    public ChunkId id(int i) {
        checkIndex(i);
        return ChunkId.of(file, type == IndexType.DYNAMIC ? HEADER + i * 40 + 8 : HEADER + i * 32);
    }

    /** The stream offset where chunk {@code i} starts. */
    public long start(int i) {
        checkIndex(i);
        return i == 0 ? 0 : type == IndexType.DYNAMIC ? rawEnd(i - 1) : (long) i * fixedSize;
    }

    /** The stream offset just past chunk {@code i}. */
    public long end(int i) {
        checkIndex(i);
        return type == IndexType.DYNAMIC ? rawEnd(i) : Math.min(size, (long) (i + 1) * fixedSize);
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("chunk " + i + " of " + count);
        }
    }

    /** The chunk that holds stream offset {@code offset} (0 ≤ offset &lt; size). */
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

    /** The file's trailing SHA-256, which the manifest records. */
    public byte[] sha256() {
        return Arrays.copyOfRange(file, file.length - 32, file.length);
    }

    public String sha256Hex() {
        return Hex.encode(sha256());
    }

    /** Every chunk id in stream order (repeats included). */
    public void forEachId(Consumer<ChunkId> action) {
        for (int i = 0; i < count; i++) {
            action.accept(id(i));
        }
    }

    @Override
    public String toString() {
        return "Index[" + type + ", " + mode + ", " + size + " bytes, " + count + " chunks]";
    }
}
