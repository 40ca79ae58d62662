package dev.coffer.core.format;

import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Reads and checks a meta stream (design.md 6), one entry at a time: the header, every field against the
 * limits, the root directory first, depth-first order with sorted siblings (so no duplicates, and nothing
 * inside a non-directory), hard links to earlier entries, file contents inside the payload stream, the
 * trailer's count and payload size, and nothing after it. Any flaw, including a stream that ends early, is a
 * {@link CorruptDataException} naming the problem and where it is; a failure to read the underlying stream is
 * a {@link CofferException} with the IOException as its cause. Allocations are bounded by the limits, never
 * by an unchecked length. Not thread-safe.
 */
public final class ArchiveReader implements AutoCloseable {
    private static final int BUFFER = 64 << 10;

    private final InputStream in;
    private final long payloadSize;
    private final byte[] buf = new byte[BUFFER];
    private int pos;
    private int lim;
    private long base; // stream offset of buf[0]
    private final EntryRules.Order order = new EntryRules.Order();
    private final Source source = new Source();
    private boolean started;
    private boolean done;
    private boolean failed;
    // where we are, for messages
    private long entry = -1; // -1: header, -2: trailer
    private byte[] entryPath;

    /** Reads {@code in}, the meta stream of an archive whose payload stream has {@code payloadSize} bytes. */
    public ArchiveReader(InputStream in, long payloadSize) {
        this.in = Objects.requireNonNull(in, "in");
        if (payloadSize < 0) {
            throw new IllegalArgumentException("negative payload size " + payloadSize);
        }
        this.payloadSize = payloadSize;
    }

    /** Reads and checks a whole meta stream held in memory. */
    public static List<ArchiveEntry> readAll(byte[] stream, long payloadSize) {
        List<ArchiveEntry> out = new ArrayList<>();
        try (ArchiveReader r = new ArchiveReader(new ByteArrayInputStream(stream), payloadSize)) {
            for (ArchiveEntry e = r.next(); e != null; e = r.next()) {
                out.add(e);
            }
        }
        return out;
    }

    /** The next entry, or null once the trailer has been read and checked (and on every later call). */
    public ArchiveEntry next() {
        if (done) {
            return null;
        }
        if (failed) {
            throw new IllegalStateException("archive reader failed earlier");
        }
        try {
            if (!started) {
                header();
                started = true;
            }
            entry = order.count();
            entryPath = null;
            long at = offset();
            int record = u8();
            if (record == ArchiveWriter.TRAILER) {
                trailer();
                done = true;
                return null;
            }
            if (record != ArchiveWriter.RECORD_ENTRY) {
                throw new CorruptDataException("archive: unknown record type " + record + " at byte " + at
                        + " (entry " + entry + ")");
            }
            return readEntry();
        } catch (RuntimeException e) {
            failed = true;
            throw e;
        }
    }

    /** Entries read so far. */
    public long count() {
        return order.count();
    }

    private void header() {
        byte[] magic = new byte[4];
        int n = 0;
        for (int b; n < 4 && (b = rawU8()) >= 0; n++) {
            magic[n] = (byte) b;
        }
        if (!Arrays.equals(magic, 0, n, ArchiveWriter.MAGIC, 0, n)) {
            throw new CorruptDataException("archive: bad magic");
        }
        if (n < 4) {
            throw new CorruptDataException("archive: truncated at byte " + n + " (header)");
        }
        int v = u8();
        if (v != ArchiveWriter.VERSION) {
            throw new CorruptDataException("archive: unsupported version " + v);
        }
    }

    private void trailer() {
        entry = -2;
        entryPath = null;
        long count = varint();
        long payload = varint();
        if (count == 0 && order.count() == 0) {
            throw new CorruptDataException("archive: no root directory");
        }
        if (count != order.count()) {
            throw new CorruptDataException("archive: trailer says " + count + " entries, found " + order.count());
        }
        if (payload != payloadSize) {
            throw new CorruptDataException("archive: trailer says payload of " + payload + " bytes, the index has "
                    + payloadSize);
        }
        if (rawU8() >= 0) {
            throw new CorruptDataException("archive: data after the trailer at byte " + (offset() - 1));
        }
    }

    private ArchiveEntry readEntry() {
        byte[] path = lengthPrefixed(EntryRules.MAX_PATH, "path");
        entryPath = path;
        int type = u8();
        if (type < 1 || type > 8) {
            throw fail("unknown entry type " + type);
        }
        long mode = varint();
        if (mode > 07777) {
            throw fail(String.format("mode %o has bits outside 07777", mode));
        }
        long uid = varint();
        long gid = varint();
        long mtime = svarint();
        int mtimeNsec = nanos("mtime");
        long ctime = svarint();
        int ctimeNsec = nanos("ctime");
        long inode = varint();
        long nx = varint();
        if (nx > EntryRules.MAX_XATTRS) {
            throw fail(nx + " extended attributes exceed the limit of " + EntryRules.MAX_XATTRS);
        }
        List<Xattr> xattrs = nx == 0 ? List.of() : new ArrayList<>((int) nx);
        for (int i = 0; i < nx; i++) {
            byte[] name = lengthPrefixed(EntryRules.MAX_XATTR_NAME, "extended attribute name");
            byte[] value = lengthPrefixed(EntryRules.MAX_XATTR_VALUE, "extended attribute value");
            xattrs.add(new Xattr(name, value));
        }
        EntryMeta meta = new EntryMeta((int) mode, uid, gid, mtime, mtimeNsec, ctime, ctimeNsec, inode, xattrs);
        ArchiveEntry e = switch (type) {
            case 1 -> {
                long size = varint();
                long offset = varint();
                int algorithm = u8();
                if (algorithm != ArchiveWriter.DIGEST_SHA256) {
                    throw fail("unknown digest algorithm " + algorithm);
                }
                yield new FileEntry(path, meta, size, offset, bytes(32));
            }
            case 2 -> new DirEntry(path, meta);
            case 3 -> new SymlinkEntry(path, meta, lengthPrefixed(EntryRules.MAX_PATH, "symlink target"));
            case 4 -> new HardlinkEntry(path, meta, lengthPrefixed(EntryRules.MAX_PATH, "hard link target"));
            case 5 -> new FifoEntry(path, meta);
            case 6, 7 -> new DeviceEntry(path, meta, type == 7, varint(), varint());
            default -> new SocketEntry(path, meta);
        };
        String bad = EntryRules.metaProblem(meta);
        if (bad == null) {
            bad = EntryRules.dataProblem(e);
        }
        if (bad != null) {
            throw fail(bad);
        }
        if (e instanceof FileEntry f
                && (f.payloadOffset() > payloadSize || f.size() > payloadSize - f.payloadOffset())) {
            throw new CorruptDataException("archive: file " + Entries.brief(e.path())
                    + " lies outside the payload stream (bytes " + f.payloadOffset() + " to "
                    + (f.payloadOffset() + f.size()) + " of " + payloadSize + ")");
        }
        bad = order.accept(e);
        if (bad != null) {
            throw new CorruptDataException("archive: " + bad);
        }
        return e;
    }

    private int nanos(String field) {
        long n = varint();
        if (n >= EntryRules.NANOS) {
            throw fail(field + " nanoseconds " + n + " out of range");
        }
        return (int) n;
    }

    /** A flaw in the current entry's fields. */
    private CorruptDataException fail(String problem) {
        return new CorruptDataException("archive: " + problem + where());
    }

    private String where() {
        if (entry == -1) {
            return " (header)";
        }
        if (entry == -2) {
            return " (trailer)";
        }
        return " (entry " + entry + (entryPath == null ? "" : entryPath.length == 0 ? ", the root"
                : ", " + Entries.brief(entryPath)) + ")";
    }

    private long offset() {
        return base + pos;
    }

    /** The next byte, or -1 at the end of the stream. */
    private int rawU8() {
        if (pos == lim && !fill()) {
            return -1;
        }
        return buf[pos++] & 0xff;
    }

    private int u8() {
        int b = rawU8();
        if (b < 0) {
            throw new CorruptDataException("archive: truncated at byte " + offset() + where());
        }
        return b;
    }

    private boolean fill() {
        base += lim;
        pos = 0;
        lim = 0;
        try {
            int n;
            do {
                n = in.read(buf, 0, buf.length);
            } while (n == 0);
            if (n < 0) {
                return false;
            }
            lim = n;
            return true;
        } catch (IOException e) {
            throw new CofferException("archive: cannot read the meta stream at byte " + base + ": " + e.getMessage(),
                    null, e);
        }
    }

    /** {@code n} bytes; callers bound {@code n} by a limit of design.md 6. */
    private byte[] bytes(int n) {
        byte[] r = new byte[n];
        int at = 0;
        while (at < n) {
            if (pos == lim && !fill()) {
                throw new CorruptDataException("archive: truncated at byte " + offset() + where());
            }
            int k = Math.min(n - at, lim - pos);
            System.arraycopy(buf, pos, r, at, k);
            pos += k;
            at += k;
        }
        return r;
    }

    private byte[] lengthPrefixed(int max, String field) {
        long at = offset();
        long n = varint();
        if (n > max) {
            throw new CorruptDataException("archive: " + field + " of " + n + " bytes exceeds the limit of " + max
                    + " at byte " + at + where());
        }
        return bytes((int) n);
    }

    private long varint() {
        return Varint.read(source);
    }

    private long svarint() {
        return Varint.readSigned(source);
    }

    private final class Source implements ByteSource {
        @Override
        public int u8() {
            if (pos < lim) { // fast path
                return buf[pos++] & 0xff;
            }
            return ArchiveReader.this.u8();
        }

        @Override
        public CorruptDataException corrupt(String problem) {
            return new CorruptDataException("archive: " + problem + " at byte " + (offset() - 1) + where());
        }
    }

    /** Closes the underlying stream. */
    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
