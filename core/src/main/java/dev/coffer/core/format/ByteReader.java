package dev.coffer.core.format;

import dev.coffer.core.CorruptDataException;
import java.util.Arrays;

/**
 * Bounds-checked reading of stored bytes from an array, little-endian. Every failure is a
 * {@link CorruptDataException} whose message starts with the name of what is read ({@code "index"}, …) and
 * gives the byte offset; no length read from the data allocates before it is checked against what is left.
 */
public final class ByteReader implements ByteSource {
    private final byte[] b;
    private final int start;
    private final int end;
    private final String what;
    private int pos;

    /** Reads all of {@code b}; {@code what} names the data in error messages. */
    public ByteReader(byte[] b, String what) {
        this(b, 0, b.length, what);
    }

    /** Reads {@code b[off, off+len)}; offsets in messages count from {@code off}. */
    public ByteReader(byte[] b, int off, int len, String what) {
        if (off < 0 || len < 0 || off > b.length - len) {
            throw new IndexOutOfBoundsException("range " + off + "+" + len + " of " + b.length + " bytes");
        }
        this.b = b;
        this.start = off;
        this.pos = off;
        this.end = off + len;
        this.what = what;
    }

    /** Offset of the next byte, from the start of the range. */
    public int position() {
        return pos - start;
    }

    public int remaining() {
        return end - pos;
    }

    @Override
    public CorruptDataException corrupt(String problem) {
        return new CorruptDataException(what + ": " + problem + " at byte " + position());
    }

    private void need(long n) {
        if (n > end - pos) {
            throw new CorruptDataException(what + ": truncated at byte " + position() + " (" + n + " bytes needed, "
                    + (end - pos) + " left)");
        }
    }

    @Override
    public int u8() {
        need(1);
        return b[pos++] & 0xff;
    }

    public int u16() {
        need(2);
        int v = (b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8;
        pos += 2;
        return v;
    }

    /** An unsigned 32-bit value. */
    public long u32() {
        need(4);
        long v = (b[pos] & 0xffL) | (b[pos + 1] & 0xffL) << 8 | (b[pos + 2] & 0xffL) << 16 | (b[pos + 3] & 0xffL) << 24;
        pos += 4;
        return v;
    }

    /** A 64-bit value; negative when the stored value is 2^63 or more. */
    public long u64() {
        need(8);
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[pos + i] & 0xff);
        }
        pos += 8;
        return v;
    }

    /** The next {@code n} bytes, copied; checked against what is left before anything is allocated. */
    public byte[] bytes(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative length " + n);
        }
        need(n);
        byte[] r = Arrays.copyOfRange(b, pos, pos + (int) n);
        pos += (int) n;
        return r;
    }

    public void skip(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative length " + n);
        }
        need(n);
        pos += (int) n;
    }

    public long varint() {
        return Varint.read(this);
    }

    public long svarint() {
        return Varint.readSigned(this);
    }

    /** A varint used as a length: at most {@code max} and at most what is left. */
    public int length(int max, String field) {
        int at = position();
        long v = varint();
        if (v > max) {
            throw new CorruptDataException(what + ": " + field + " of " + v + " bytes exceeds the limit of " + max
                    + " at byte " + at);
        }
        need(v);
        return (int) v;
    }

    /** A varint length (see {@link #length}) and that many bytes. */
    public byte[] lengthPrefixed(int max, String field) {
        return bytes(length(max, field));
    }

    /** Fails unless every byte has been read. */
    public void expectEnd() {
        if (pos != end) {
            throw new CorruptDataException(what + ": " + (end - pos) + " unexpected bytes at byte " + position());
        }
    }
}
