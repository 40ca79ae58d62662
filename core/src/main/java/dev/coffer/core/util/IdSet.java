package dev.coffer.core.util;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * A set of 32-byte ids (chunk ids) held in flat {@code long[]} tables, four longs per slot, with no object
 * per id: the known-chunk set of garbage collection and verify.
 *
 * <p>Layout: 256 segments, each an open-addressing table with linear probing. A seeded hash of all 32 bytes
 * picks the segment (top 8 bits) and the home slot (low 32 bits, mapped onto the segment's capacity by a
 * multiply-shift, so capacities need not be powers of two). A segment grows by a quarter when more than
 * 7/8 of its slots are used, so every grown segment stays between 70% and 87.5% full: at most
 * 32 / 0.7 ≈ 45.7 bytes per id, about 41 on average, plus 4 KiB of fixed overhead. Growing rehashes one
 * segment at a time, so the transient extra memory is one segment's table, not the whole set's.
 *
 * <p>An all-zero slot is empty; the all-zero id itself is kept in a flag. The hash seed is random per
 * instance, so ids chosen by whoever can write a datastore cannot be made to collide on purpose (short of
 * learning the seed). Not thread-safe.
 */
public final class IdSet {
    /** Bytes per id. */
    public static final int ID_LENGTH = 32;
    /** Array header of a {@code long[]} or reference array on a 64-bit HotSpot VM. */
    static final int ARRAY_HEADER = 16;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final SecureRandom SEEDS = new SecureRandom();
    private static final int DEFAULT_SEGMENT_BITS = 8;
    private static final int DEFAULT_INITIAL_CAPACITY = 16;
    /** The largest capacity of one segment: its table must fit a Java array. */
    private static final int MAX_SEGMENT_CAPACITY = (Integer.MAX_VALUE - 8) / 4;

    private final long seed;
    private final int segmentShift; // 64 - segment bits; 64 means one segment
    private final long[][] tables;
    private final int[] sizes;
    private long size;
    private boolean hasZero;

    /** An empty set with a random hash seed. */
    public IdSet() {
        this(SEEDS.nextLong(), DEFAULT_SEGMENT_BITS, DEFAULT_INITIAL_CAPACITY);
    }

    /** For tests: a fixed seed, {@code 2^segmentBits} segments of {@code initialCapacity} slots each. */
    IdSet(long seed, int segmentBits, int initialCapacity) {
        if (segmentBits < 0 || segmentBits > 16) {
            throw new IllegalArgumentException("segment bits must be from 0 to 16");
        }
        // at least 8 slots, so that the 7/8 load limit always leaves an empty slot to end a probe
        if (initialCapacity < 8 || initialCapacity > MAX_SEGMENT_CAPACITY) {
            throw new IllegalArgumentException("initial capacity out of range: " + initialCapacity);
        }
        this.seed = seed;
        this.segmentShift = 64 - segmentBits;
        int n = 1 << segmentBits;
        this.tables = new long[n][];
        this.sizes = new int[n];
        for (int i = 0; i < n; i++) {
            tables[i] = new long[initialCapacity * 4];
        }
    }

    /** Adds the id in {@code b[off..off+32)}; true if it was not in the set yet. */
    public boolean add(byte[] b, int off) {
        Objects.checkFromIndexSize(off, ID_LENGTH, b.length);
        long l0 = (long) LONGS.get(b, off);
        long l1 = (long) LONGS.get(b, off + 8);
        long l2 = (long) LONGS.get(b, off + 16);
        long l3 = (long) LONGS.get(b, off + 24);
        if ((l0 | l1 | l2 | l3) == 0) {
            if (hasZero) {
                return false;
            }
            hasZero = true;
            size++;
            return true;
        }
        long h = hash(l0, l1, l2, l3);
        int s = segment(h);
        long[] t = tables[s];
        int cap = t.length >>> 2;
        int i = home(h, cap);
        while (true) {
            int p = i << 2;
            long a = t[p];
            if (a == l0 && t[p + 1] == l1 && t[p + 2] == l2 && t[p + 3] == l3) {
                return false;
            }
            if (a == 0 && t[p + 1] == 0 && t[p + 2] == 0 && t[p + 3] == 0) {
                t[p] = l0;
                t[p + 1] = l1;
                t[p + 2] = l2;
                t[p + 3] = l3;
                size++;
                if (++sizes[s] > cap - (cap >>> 3)) {
                    grow(s);
                }
                return true;
            }
            if (++i == cap) {
                i = 0;
            }
        }
    }

    /** Adds a 32-byte id. */
    public boolean add(byte[] id) {
        checkLength(id);
        return add(id, 0);
    }

    /** Whether the id in {@code b[off..off+32)} is in the set. */
    public boolean contains(byte[] b, int off) {
        Objects.checkFromIndexSize(off, ID_LENGTH, b.length);
        long l0 = (long) LONGS.get(b, off);
        long l1 = (long) LONGS.get(b, off + 8);
        long l2 = (long) LONGS.get(b, off + 16);
        long l3 = (long) LONGS.get(b, off + 24);
        if ((l0 | l1 | l2 | l3) == 0) {
            return hasZero;
        }
        long h = hash(l0, l1, l2, l3);
        long[] t = tables[segment(h)];
        int cap = t.length >>> 2;
        int i = home(h, cap);
        while (true) {
            int p = i << 2;
            long a = t[p];
            if (a == l0 && t[p + 1] == l1 && t[p + 2] == l2 && t[p + 3] == l3) {
                return true;
            }
            if (a == 0 && t[p + 1] == 0 && t[p + 2] == 0 && t[p + 3] == 0) {
                return false;
            }
            if (++i == cap) {
                i = 0;
            }
        }
    }

    /** Whether a 32-byte id is in the set. */
    public boolean contains(byte[] id) {
        checkLength(id);
        return contains(id, 0);
    }

    /** The number of ids in the set. */
    public long size() {
        return size;
    }

    /** Total slots over all segments. */
    public long capacity() {
        long c = 0;
        for (long[] t : tables) {
            c += t.length >>> 2;
        }
        return c;
    }

    /**
     * The heap bytes the set holds: every segment table (array header and 32 bytes per slot), the array of
     * tables, the segment sizes, and this object. Exact for a 64-bit HotSpot VM with compressed references.
     */
    public long memoryBytes() {
        long b = 0;
        for (long[] t : tables) {
            b += ARRAY_HEADER + 8L * t.length;
        }
        b += ARRAY_HEADER + 4L * tables.length; // long[][]: compressed references
        b += ARRAY_HEADER + 4L * sizes.length;
        b += 48; // this object: 12-byte header, seed, shift, two references, size, flag, padded to 8
        return b;
    }

    /** {@link #memoryBytes()} per id in the set (0 when empty). */
    public double bytesPerId() {
        return size == 0 ? 0 : (double) memoryBytes() / size;
    }

    private void grow(int s) {
        long[] old = tables[s];
        int oldCap = old.length >>> 2;
        if (oldCap == MAX_SEGMENT_CAPACITY) {
            throw new IllegalStateException("id set segment full: " + oldCap + " ids");
        }
        int cap = (int) Math.min(MAX_SEGMENT_CAPACITY, oldCap + Math.max(8L, oldCap >>> 2));
        long[] t = new long[cap * 4];
        for (int p = 0; p < old.length; p += 4) {
            long l0 = old[p];
            long l1 = old[p + 1];
            long l2 = old[p + 2];
            long l3 = old[p + 3];
            if ((l0 | l1 | l2 | l3) == 0) {
                continue;
            }
            int i = home(hash(l0, l1, l2, l3), cap);
            while (true) {
                int q = i << 2;
                if (t[q] == 0 && t[q + 1] == 0 && t[q + 2] == 0 && t[q + 3] == 0) {
                    t[q] = l0;
                    t[q + 1] = l1;
                    t[q + 2] = l2;
                    t[q + 3] = l3;
                    break;
                }
                if (++i == cap) {
                    i = 0;
                }
            }
        }
        tables[s] = t;
    }

    private int segment(long h) {
        return segmentShift == 64 ? 0 : (int) (h >>> segmentShift);
    }

    /** Maps the low 32 bits of the hash onto {@code 0..cap-1}. */
    private static int home(long h, int cap) {
        return (int) (((h & 0xffff_ffffL) * cap) >>> 32);
    }

    /** A seeded hash of all four words: the MurmurHash3 finalizer applied after each. */
    private long hash(long l0, long l1, long l2, long l3) {
        long h = mix(seed ^ l0);
        h = mix(h ^ l1);
        h = mix(h ^ l2);
        return mix(h ^ l3);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    private static void checkLength(byte[] id) {
        if (id.length != ID_LENGTH) {
            throw new IllegalArgumentException("an id has 32 bytes, not " + id.length);
        }
    }

    @Override
    public String toString() {
        return "IdSet[" + size + " ids, " + capacity() + " slots, " + memoryBytes() + " bytes]";
    }
}
