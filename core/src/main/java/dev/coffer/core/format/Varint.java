package dev.coffer.core.format;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The variable-length integers of design.md: {@code varint} is unsigned LEB128 in its shortest form, at most
 * 9 bytes, so values from 0 to 2^63−1; {@code svarint} is a zig-zag encoded value from −2^62 to 2^62−1 stored
 * as a varint. Readers reject every other encoding.
 */
public final class Varint {
    /** The longest encoding. */
    public static final int MAX_BYTES = 9;
    /** The smallest value an svarint holds, −2^62. */
    public static final long MIN_SIGNED = -(1L << 62);
    /** The largest value an svarint holds, 2^62−1. */
    public static final long MAX_SIGNED = (1L << 62) - 1;

    private Varint() {
    }

    /** The number of bytes {@code v} takes; IllegalArgumentException if it is negative. */
    public static int size(long v) {
        checkUnsigned(v);
        return v == 0 ? 1 : (63 - Long.numberOfLeadingZeros(v)) / 7 + 1;
    }

    /** Encodes {@code v} into {@code buf} at {@code off}; returns the number of bytes written. */
    public static int put(byte[] buf, int off, long v) {
        checkUnsigned(v);
        int at = off;
        while ((v & ~0x7fL) != 0) {
            buf[at++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        buf[at++] = (byte) v;
        return at - off;
    }

    public static void write(OutputStream out, long v) throws IOException {
        byte[] b = new byte[MAX_BYTES];
        out.write(b, 0, put(b, 0, v));
    }

    public static void writeSigned(OutputStream out, long v) throws IOException {
        write(out, zigZag(v));
    }

    public static void write(ByteWriter out, long v) {
        out.varint(v);
    }

    public static void writeSigned(ByteWriter out, long v) {
        out.svarint(v);
    }

    /** Decodes a varint; a CorruptDataException if it is longer than 9 bytes or not in its shortest form. */
    public static long read(ByteSource in) {
        long v = 0;
        for (int i = 0; i < MAX_BYTES; i++) {
            int b = in.u8();
            v |= (long) (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw in.corrupt("varint not in its shortest form");
                }
                return v;
            }
        }
        throw in.corrupt("varint longer than 9 bytes");
    }

    /** Decodes an svarint. */
    public static long readSigned(ByteSource in) {
        return unZigZag(read(in));
    }

    /** {@code (n << 1) ^ (n >> 63)}; IllegalArgumentException outside −2^62 ≤ n &lt; 2^62. */
    public static long zigZag(long n) {
        if (n < MIN_SIGNED || n > MAX_SIGNED) {
            throw new IllegalArgumentException("svarint out of range: " + n);
        }
        return (n << 1) ^ (n >> 63);
    }

    /** The inverse of {@link #zigZag}, for any 63-bit value. */
    public static long unZigZag(long z) {
        return (z >>> 1) ^ -(z & 1);
    }

    private static void checkUnsigned(long v) {
        if (v < 0) {
            throw new IllegalArgumentException("varint of a negative value: " + v);
        }
    }
}
