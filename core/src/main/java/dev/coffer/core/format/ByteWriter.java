package dev.coffer.core.format;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/** A growable byte array with the encodings of design.md, little-endian. Not thread-safe. */
public final class ByteWriter {
    /** The largest array the JVM reliably allocates. */
    static final int MAX_ARRAY = Integer.MAX_VALUE - 16;

    private byte[] b;
    private int len;

    public ByteWriter() {
        this(256);
    }

    public ByteWriter(int capacity) {
        b = new byte[Math.max(16, capacity)];
    }

    private void ensure(int n) {
        if (n > b.length - len) {
            long need = (long) len + n;
            if (need > MAX_ARRAY) {
                throw new IllegalStateException("buffer would exceed " + MAX_ARRAY + " bytes");
            }
            // grow by half: a large buffer (an index) should not need twice its size
            long grown = Math.min(MAX_ARRAY, Math.max(need, b.length + (long) (b.length >> 1)));
            b = Arrays.copyOf(b, (int) grown);
        }
    }

    public ByteWriter u8(int v) {
        ensure(1);
        b[len++] = (byte) v;
        return this;
    }

    public ByteWriter u16(int v) {
        ensure(2);
        b[len++] = (byte) v;
        b[len++] = (byte) (v >>> 8);
        return this;
    }

    public ByteWriter u32(long v) {
        ensure(4);
        for (int i = 0; i < 4; i++) {
            b[len++] = (byte) (v >>> (8 * i));
        }
        return this;
    }

    public ByteWriter u64(long v) {
        ensure(8);
        putU64(len, v);
        len += 8;
        return this;
    }

    /** Overwrites 8 bytes at {@code at} (which must lie inside what has been written). */
    public void setU64(int at, long v) {
        if (at < 0 || at > len - 8) {
            throw new IndexOutOfBoundsException("offset " + at + " of " + len + " bytes");
        }
        putU64(at, v);
    }

    private void putU64(int at, long v) {
        for (int i = 0; i < 8; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    public ByteWriter bytes(byte[] d) {
        return bytes(d, 0, d.length);
    }

    public ByteWriter bytes(byte[] d, int off, int n) {
        ensure(n);
        System.arraycopy(d, off, b, len, n);
        len += n;
        return this;
    }

    /** An unsigned varint; IllegalArgumentException if {@code v} is negative. */
    public ByteWriter varint(long v) {
        ensure(Varint.MAX_BYTES);
        len += Varint.put(b, len, v);
        return this;
    }

    /** A zig-zag svarint; IllegalArgumentException outside −2^62 ≤ v &lt; 2^62. */
    public ByteWriter svarint(long v) {
        return varint(Varint.zigZag(v));
    }

    /** Varint length, then the bytes. */
    public ByteWriter lengthPrefixed(byte[] d) {
        varint(d.length);
        return bytes(d);
    }

    public int length() {
        return len;
    }

    /** The backing array; bytes from {@link #length()} on are unused. */
    public byte[] array() {
        return b;
    }

    public void reset() {
        len = 0;
    }

    public void writeTo(OutputStream out) throws IOException {
        out.write(b, 0, len);
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(b, len);
    }
}
