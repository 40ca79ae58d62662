package dev.coffer.core.format;

import dev.coffer.core.CorruptDataException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads and checks a meta stream (design.md 6): structure, limits, the root first, every parent an earlier
 * directory, no duplicate paths, hard links to earlier files, payload ranges inside the payload stream,
 * and the trailer. Any flaw is a CorruptDataException.
 */
public final class ArchiveReader implements AutoCloseable {
    private final InputStream in;
    private final long payloadSize;
    private final byte[] buf = new byte[64 << 10];
    private int pos;
    private int lim;
    private long count;
    private boolean done;
    private final Set<String> dirs = new HashSet<>();
    private final Set<String> seen = new HashSet<>();
    private final Set<String> files = new HashSet<>();

    public ArchiveReader(InputStream in, long payloadSize) {
        this.in = in;
        this.payloadSize = payloadSize;
        byte[] magic = bytes(4);
        if (!Arrays.equals(magic, ArchiveWriter.MAGIC)) {
            throw new CorruptDataException("archive: bad magic");
        }
        int v = u8();
        if (v != ArchiveWriter.VERSION) {
            throw new CorruptDataException("archive: unsupported version " + v);
        }
    }

    public static List<ArchiveEntry> readAll(byte[] stream, long payloadSize) {
        List<ArchiveEntry> out = new ArrayList<>();
        try (ArchiveReader r = new ArchiveReader(new ByteArrayInputStream(stream), payloadSize)) {
            for (ArchiveEntry e = r.next(); e != null; e = r.next()) {
                out.add(e);
            }
        }
        return out;
    }

    private int u8() {
        if (pos == lim) {
            fill();
        }
        return buf[pos++] & 0xff;
    }

    private void fill() {
        try {
            int n = in.read(buf, 0, buf.length);
            if (n <= 0) {
                throw new CorruptDataException("archive: truncated");
            }
            pos = 0;
            lim = n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private byte[] bytes(int n) {
        byte[] r = new byte[n];
        int at = 0;
        while (at < n) {
            if (pos == lim) {
                fill();
            }
            int k = Math.min(n - at, lim - pos);
            System.arraycopy(buf, pos, r, at, k);
            pos += k;
            at += k;
        }
        return r;
    }

    private long varint() {
        long v = 0;
        for (int i = 0; i < 9; i++) {
            int x = u8();
            v |= (long) (x & 0x7f) << (7 * i);
            if ((x & 0x80) == 0) {
                if (i > 0 && x == 0) {
                    throw new CorruptDataException("archive: bad varint (not in shortest form)");
                }
                return v;
            }
        }
        throw new CorruptDataException("archive: bad varint (longer than 9 bytes)");
    }

    private long svarint() {
        long z = varint();
        return (z >>> 1) ^ -(z & 1);
    }

    private byte[] lengthPrefixed(int max, String field) {
        long n = varint();
        if (n > max) {
            throw new CorruptDataException("archive: " + field + " too long (" + n + " bytes)");
        }
        return bytes((int) n);
    }

    private int nsec(String field) {
        long n = varint();
        if (n >= 1_000_000_000L) {
            throw new CorruptDataException("archive: " + field + " nanoseconds out of range");
        }
        return (int) n;
    }

    /** The next entry, or null after the trailer has been read and checked. */
    public ArchiveEntry next() {
        if (done) {
            return null;
        }
        int rt = u8();
        if (rt == 0xff) {
            long c = varint();
            long p = varint();
            if (c != count) {
                throw new CorruptDataException("archive: trailer says " + c + " entries, found " + count);
            }
            if (p != payloadSize) {
                throw new CorruptDataException("archive: trailer says payload of " + p + " bytes, the index has "
                        + payloadSize);
            }
            if (count == 0) {
                throw new CorruptDataException("archive: no root directory");
            }
            try {
                if (pos < lim || in.read() != -1) {
                    throw new CorruptDataException("archive: data after the trailer");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            done = true;
            return null;
        }
        if (rt != 1) {
            throw new CorruptDataException("archive: unknown record type " + rt + " at entry " + count);
        }
        byte[] path = lengthPrefixed(ArchiveWriter.MAX_PATH, "path");
        int type = u8();
        long mode = varint();
        if (mode > 07777) {
            throw new CorruptDataException("archive: mode out of range");
        }
        long uid = varint();
        long gid = varint();
        long mtime = svarint();
        int mns = nsec("mtime");
        long ctime = svarint();
        int cns = nsec("ctime");
        long inode = varint();
        long nx = varint();
        if (nx > ArchiveWriter.MAX_XATTRS) {
            throw new CorruptDataException("archive: too many extended attributes");
        }
        List<Xattr> xattrs = new ArrayList<>((int) nx);
        for (int i = 0; i < nx; i++) {
            byte[] name = lengthPrefixed(ArchiveWriter.MAX_XATTR, "xattr name");
            if (name.length == 0) {
                throw new CorruptDataException("archive: empty xattr name");
            }
            xattrs.add(new Xattr(name, lengthPrefixed(ArchiveWriter.MAX_XATTR, "xattr value")));
        }
        EntryMeta meta = new EntryMeta((int) mode, uid, gid, mtime, mns, ctime, cns, inode, xattrs);
        ArchiveEntry e = switch (type) {
            case 1 -> {
                long size = varint();
                long off = varint();
                if (u8() != 1) {
                    throw new CorruptDataException("archive: unknown digest algorithm");
                }
                byte[] sha = bytes(32);
                if (off > payloadSize || size > payloadSize - off) {
                    throw new CorruptDataException("archive: file " + ArchiveEntry.display(path)
                            + " lies outside the payload stream");
                }
                yield new FileEntry(path, meta, size, off, sha);
            }
            case 2 -> new DirEntry(path, meta);
            case 3 -> {
                byte[] t = lengthPrefixed(ArchiveWriter.MAX_PATH, "symlink target");
                if (t.length == 0) {
                    throw new CorruptDataException("archive: empty symlink target");
                }
                yield new SymlinkEntry(path, meta, t);
            }
            case 4 -> new HardlinkEntry(path, meta, lengthPrefixed(ArchiveWriter.MAX_PATH, "hard link target"));
            case 5 -> new FifoEntry(path, meta);
            case 6, 7 -> new DeviceEntry(path, meta, type == 7, varint(), varint());
            case 8 -> new SocketEntry(path, meta);
            default -> throw new CorruptDataException("archive: unknown entry type " + type);
        };
        check(e);
        count++;
        return e;
    }

    private void check(ArchiveEntry e) {
        String key = new String(e.path(), StandardCharsets.ISO_8859_1);
        if (count == 0) {
            if (e.path().length != 0 || !(e instanceof DirEntry)) {
                throw new CorruptDataException("archive: the first entry is not the root directory");
            }
            dirs.add(key);
            return;
        }
        if (!ArchiveWriter.validPath(e.path())) {
            throw new CorruptDataException("archive: invalid path " + e.displayPath());
        }
        int slash = key.lastIndexOf('/');
        String parent = slash < 0 ? "" : key.substring(0, slash);
        if (!dirs.contains(parent)) {
            throw new CorruptDataException("archive: " + e.displayPath() + " comes before its directory");
        }
        if (!seen.add(key)) {
            throw new CorruptDataException("archive: " + e.displayPath() + " appears twice");
        }
        if (e instanceof DirEntry) {
            dirs.add(key);
        } else if (e instanceof FileEntry) {
            files.add(key);
        } else if (e instanceof HardlinkEntry h
                && !files.contains(new String(h.targetPath(), StandardCharsets.ISO_8859_1))) {
            throw new CorruptDataException("archive: hard link " + e.displayPath() + " points to no earlier file");
        }
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
