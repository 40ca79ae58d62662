package dev.coffer.core.util;

import java.util.ArrayList;
import java.util.Arrays;

/**
 * Reuses large byte arrays (chunk buffers) so that a backup or restore does not allocate a fresh array of
 * megabytes for every chunk. Arrays handed out may be longer than asked for; whoever takes one gives it
 * back when done, or simply drops it (the pool then allocates again). Thread-safe.
 *
 * <p>Reused arrays live in the old generation for the whole run instead of being promoted and dying
 * there, which is what made the heap of a backup grow to its limit. Freshly allocated arrays are rounded
 * up to a quarter of their power of two, so a handful of sizes serve every chunk. At most
 * {@code retainBytes} are kept while not in use: giving back beyond that drops the smallest free arrays,
 * since a large array serves any request and a small one only some (keeping the small ones instead made a
 * backup's pool miss on most chunks longer than average).
 */
public final class BufferPool {
    private final long retainBytes;
    private final ArrayList<byte[]> free = new ArrayList<>();
    private long freeBytes;
    private long allocations;

    /** @param retainBytes the most bytes kept in free arrays */
    public BufferPool(long retainBytes) {
        if (retainBytes < 0) {
            throw new IllegalArgumentException("retainBytes " + retainBytes);
        }
        this.retainBytes = retainBytes;
    }

    /** An array of at least {@code minLength} bytes, contents unspecified: the smallest free one that fits. */
    public byte[] take(int minLength) {
        if (minLength < 0) {
            throw new IllegalArgumentException("length " + minLength);
        }
        synchronized (this) {
            int best = -1;
            for (int i = 0; i < free.size(); i++) {
                int len = free.get(i).length;
                if (len >= minLength && (best < 0 || len < free.get(best).length)) {
                    best = i;
                }
            }
            if (best >= 0) {
                byte[] b = free.remove(best);
                freeBytes -= b.length;
                return b;
            }
            allocations++;
        }
        return new byte[roundUp(minLength)];
    }

    /** Returns an array taken earlier (or any array) for reuse. Null is ignored. */
    public void give(byte[] b) {
        if (b == null) {
            return;
        }
        synchronized (this) {
            free.add(b);
            freeBytes += b.length;
            while (freeBytes > retainBytes) {
                int smallest = 0;
                for (int i = 1; i < free.size(); i++) {
                    if (free.get(i).length < free.get(smallest).length) {
                        smallest = i;
                    }
                }
                freeBytes -= free.remove(smallest).length;
            }
        }
    }

    /** How many arrays {@link #take} had to allocate so far. */
    public synchronized long allocations() {
        return allocations;
    }

    /** Bytes held in free arrays now. */
    public synchronized long freeBytes() {
        return freeBytes;
    }

    /** {@code n} rounded up to a multiple of a quarter of its highest power of two (at least 4 KiB steps). */
    public static int roundUp(int n) {
        if (n <= 4096) {
            return n;
        }
        int step = Math.max(1024, Integer.highestOneBit(n - 1) / 4);
        long r = ((long) n + step - 1) / step * step;
        return (int) Math.min(r, Integer.MAX_VALUE - 16);
    }

    @Override
    public synchronized String toString() {
        int[] sizes = free.stream().mapToInt(b -> b.length).toArray();
        return "BufferPool" + Arrays.toString(sizes);
    }
}
