package dev.coffer.core.chunking;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Content-defined chunking with a Gear rolling hash and normalized cut masks (design.md 3.1). Average
 * {@code A}, minimum {@code A/4}, maximum {@code 4A}. Stateless and thread-safe.
 */
public final class CdcChunker implements Chunker {
    private final long[] gear;
    private final int average;
    private final int min;
    private final int max;
    private final long maskS;
    private final long maskL;

    public CdcChunker(long[] gear, int averageSize) {
        if (gear.length != 256) {
            throw new IllegalArgumentException("a gear table has 256 entries");
        }
        if (Integer.bitCount(averageSize) != 1 || averageSize < 1024 || averageSize > (64 << 20)) {
            throw new IllegalArgumentException("average chunk size must be a power of two from 1 KiB to 64 MiB");
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
        if (len <= min) {
            return len;
        }
        final long[] g = gear;
        int normal = Math.min(average, len);
        int end = Math.min(max, len);
        long fp = 0;
        int j = min;
        for (; j < normal; j++) {
            fp = (fp << 1) + g[buf[off + j] & 0xff];
            if ((fp & maskS) == 0) {
                return j + 1;
            }
        }
        for (; j < end; j++) {
            fp = (fp << 1) + g[buf[off + j] & 0xff];
            if ((fp & maskL) == 0) {
                return j + 1;
            }
        }
        return end;
    }

    /** The gear table for a 32-byte seed: G[i] = first 8 bytes (big-endian) of HMAC-SHA256(seed, "gear" || i). */
    public static long[] gear(byte[] seed) {
        dev.coffer.core.crypto.Providers.install();
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
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    private static final long[] UNKEYED = unkeyed();

    private static long[] unkeyed() {
        try {
            return gear(MessageDigest.getInstance("SHA-256")
                    .digest("coffer/v1/unkeyed-chunker".getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The table used when not encrypting. */
    public static long[] unkeyedGear() {
        return UNKEYED.clone();
    }
}
