package dev.coffer.core.format;

import dev.coffer.core.CorruptDataException;

/** Bounds-checked reading of stored bytes; every failure is a CorruptDataException naming {@code what}. */
final class ByteReader {
    private final byte[] b;
    private int pos;
    private final int end;
    private final String what;

    ByteReader(byte[] b, int off, int len, String what) {
        this.b = b;
        this.pos = off;
        this.end = off + len;
        this.what = what;
    }

    int position() {
        return pos;
    }

    int remaining() {
        return end - pos;
    }

    private void need(int n) {
        if (n < 0 || end - pos < n) {
            throw new CorruptDataException(what + ": truncated");
        }
    }

    int u8() {
        need(1);
        return b[pos++] & 0xff;
    }

    long u64() {
        need(8);
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[pos + i] & 0xff);
        }
        pos += 8;
        return v;
    }

    int u32() {
        need(4);
        int v = (b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8 | (b[pos + 2] & 0xff) << 16 | (b[pos + 3] & 0xff) << 24;
        pos += 4;
        return v;
    }

    byte[] bytes(int n) {
        need(n);
        byte[] r = java.util.Arrays.copyOfRange(b, pos, pos + n);
        pos += n;
        return r;
    }

    /** Unsigned LEB128 in its shortest form, at most 9 bytes (63 bits). */
    long varint() {
        long v = 0;
        for (int i = 0; i < 9; i++) {
            int x = u8();
            v |= (long) (x & 0x7f) << (7 * i);
            if ((x & 0x80) == 0) {
                if (i > 0 && x == 0) {
                    throw new CorruptDataException(what + ": bad varint (not in shortest form)");
                }
                return v;
            }
        }
        throw new CorruptDataException(what + ": bad varint (longer than 9 bytes)");
    }

    long svarint() {
        long z = varint();
        return (z >>> 1) ^ -(z & 1);
    }

    /** A varint used as a length, at most {@code max}. */
    int length(int max, String field) {
        long v = varint();
        if (v > max) {
            throw new CorruptDataException(what + ": " + field + " too long (" + v + " bytes)");
        }
        return (int) v;
    }
}
