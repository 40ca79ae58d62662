package dev.coffer.core.chunking;

import dev.coffer.core.crypto.Digests;
import dev.coffer.core.crypto.Providers;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Content-defined chunking with a Gear rolling hash and normalized cut masks (design.md 3.1): average
 * {@code A}, minimum {@code A/4}, maximum {@code 4A}. Stateless and thread-safe.
 */
public final class CdcChunker implements Chunker {
    static {
        Providers.install();
    }

    /** Smallest average accepted (1 KiB; real backups use at least 64 KiB). */
    public static final int MIN_AVERAGE = 1 << 10;
    /** Largest average: its 4x maximum chunk must fit the 64 MiB payload limit of a blob. */
    public static final int MAX_AVERAGE = 16 << 20;
    /** The default average, 4 MiB. */
    public static final int DEFAULT_AVERAGE = 4 << 20;

    private static final long[] UNKEYED = gear(Digests.sha256("coffer/v1/unkeyed-chunker".getBytes(StandardCharsets.US_ASCII)));

    private final long[] gear;
    private final int average;
    private final int min;
    private final int max;
    private final long maskS;
    private final long maskL;

    /**
     * @param gear        256 table entries ({@link #unkeyedGear()} or a key's {@code gearTable()})
     * @param averageSize a power of two from {@link #MIN_AVERAGE} to {@link #MAX_AVERAGE}
     */
    public CdcChunker(long[] gear, int averageSize) {
        if (gear == null || gear.length != 256) {
            throw new IllegalArgumentException("a gear table has 256 entries");
        }
        if (Integer.bitCount(averageSize) != 1 || averageSize < MIN_AVERAGE || averageSize > MAX_AVERAGE) {
            throw new IllegalArgumentException("average chunk size must be a power of two from 1 KiB to 16 MiB, not "
                    + averageSize);
        }
        this.gear = gear.clone();
        this.average = averageSize;
        this.min = averageSize / 4;
        this.max = averageSize * 4;
        int b = Integer.numberOfTrailingZeros(averageSize);
        this.maskS = -1L << (64 - (b + 2));
        this.maskL = -1L << (64 - (b - 2));
    }

    public int averageSize() {
        return average;
    }

    @Override
    public int minSize() {
        return min;
    }

    @Override
    public int maxSize() {
        return max;
    }

    @Override
    public int findCut(byte[] buf, int off, int len, boolean eof) {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (!eof && len < max) {
            throw new IllegalArgumentException("findCut needs at least " + max + " bytes before the end of the stream");
        }
        if (len <= min) {
            return len;
        }
        // the hash restarts at the minimum: bytes before it never influence the cut (design.md 3.1)
        int cut = findCutPartial(buf, off, len, new long[2]);
        return cut < 0 ? len : cut;
    }

    /**
     * {@inheritDoc} The Gear hash restarts at the minimum, so scanning may stop anywhere past it and resume
     * with the hash kept in {@code state}: {@code state[0]} counts the bytes examined, {@code state[1]} holds
     * the hash.
     */
    @Override
    public int findCutPartial(byte[] buf, int off, int len, long[] state) {
        Objects.checkFromIndexSize(off, len, buf.length);
        final long[] g = gear;
        final long mS = maskS;
        final long mL = maskL;
        int end = off + Math.min(max, len);
        int normal = Math.min(off + average, end);
        long fp = state[1];
        int i = off + (int) Math.max(min, state[0]);
        for (; i < normal; i++) {
            fp = (fp << 1) + g[buf[i] & 0xff];
            if ((fp & mS) == 0) {
                return i + 1 - off;
            }
        }
        for (; i < end; i++) {
            fp = (fp << 1) + g[buf[i] & 0xff];
            if ((fp & mL) == 0) {
                return i + 1 - off;
            }
        }
        if (len >= max) {
            return max;
        }
        state[0] = Math.max(min, i - off);
        state[1] = fp;
        return -1;
    }

    /**
     * The gear table for a seed: {@code G[i]} = the first 8 bytes, big-endian, of
     * {@code HMAC-SHA256(seed, "gear" || u8 i)}.
     */
    public static long[] gear(byte[] seed) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(seed, "HmacSHA256"));
            long[] g = new long[256];
            byte[] msg = {'g', 'e', 'a', 'r', 0};
            for (int i = 0; i < 256; i++) {
                msg[4] = (byte) i;
                byte[] h = mac.doFinal(msg);
                long v = 0;
                for (int k = 0; k < 8; k++) {
                    v = (v << 8) | (h[k] & 0xff);
                }
                g[i] = v;
            }
            return g;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    /** The table used when not encrypting: seeded with {@code SHA-256("coffer/v1/unkeyed-chunker")}. */
    public static long[] unkeyedGear() {
        return UNKEYED.clone();
    }
}
