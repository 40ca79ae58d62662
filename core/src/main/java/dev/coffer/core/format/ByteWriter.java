package dev.coffer.core.format;

import java.util.Arrays;

/** A growable byte array with the encodings of design.md. */
final class ByteWriter {
    private byte[] b;
    private int len;

    ByteWriter(int capacity) {
        b = new byte[Math.max(16, capacity)];
    }

    private void ensure(int n) {
        if (len + n > b.length) {
            b = Arrays.copyOf(b, Math.max(b.length * 2, len + n));
        }
    }

    void u8(int v) {
        ensure(1);
        b[len++] = (byte) v;
    }

    void u32(int v) {
        ensure(4);
        for (int i = 0; i < 4; i++) {
            b[len++] = (byte) (v >>> (8 * i));
        }
    }

    void u64(long v) {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            b[len++] = (byte) (v >>> (8 * i));
        }
    }

    void bytes(byte[] d) {
        bytes(d, 0, d.length);
    }

    void bytes(byte[] d, int off, int n) {
        ensure(n);
        System.arraycopy(d, off, b, len, n);
        len += n;
    }

    void varint(long v) {
        if (v < 0) {
            throw new IllegalArgumentException("varint of a negative value");
        }
        while ((v & ~0x7fL) != 0) {
            u8((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        u8((int) v);
    }

    void svarint(long v) {
        if (v >= (1L << 62) || v < -(1L << 62)) {
            throw new IllegalArgumentException("signed varint out of range");
        }
        varint((v << 1) ^ (v >> 63));
    }

    void lengthPrefixed(byte[] d) {
        varint(d.length);
        bytes(d);
    }

    int length() {
        return len;
    }

    byte[] array() {
        return b;
    }

    void reset() {
        len = 0;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(b, len);
    }
}
