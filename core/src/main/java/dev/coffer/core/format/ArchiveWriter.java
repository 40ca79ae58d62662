package dev.coffer.core.format;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/** Writes a directory archive's meta stream (design.md 6). The caller adds entries in depth-first order. */
public final class ArchiveWriter implements AutoCloseable {
    static final byte[] MAGIC = {'C', 'F', 'A', 'R'};
    static final int VERSION = 1;
    static final int MAX_PATH = 64 << 10;
    static final int MAX_XATTRS = 1024;
    static final int MAX_XATTR = 64 << 10;

    private final OutputStream out;
    private final ByteWriter rec = new ByteWriter(1024);
    private final ByteWriter pending = new ByteWriter(64 << 10);
    private long count;
    private boolean finished;

    public ArchiveWriter(OutputStream out) {
        this.out = out;
        pending.bytes(MAGIC);
        pending.u8(VERSION);
    }

    public void add(ArchiveEntry e) {
        if (finished) {
            throw new IllegalStateException("archive already finished");
        }
        validate(e);
        rec.reset();
        rec.u8(1);
        rec.lengthPrefixed(e.path());
        rec.u8(typeCode(e));
        EntryMeta m = e.meta();
        rec.varint(m.mode());
        rec.varint(m.uid());
        rec.varint(m.gid());
        rec.svarint(m.mtimeSec());
        rec.varint(m.mtimeNsec());
        rec.svarint(m.ctimeSec());
        rec.varint(m.ctimeNsec());
        rec.varint(m.inode());
        rec.varint(m.xattrs().size());
        for (Xattr x : m.xattrs()) {
            rec.lengthPrefixed(x.name());
            rec.lengthPrefixed(x.value());
        }
        switch (e) {
            case FileEntry f -> {
                rec.varint(f.size());
                rec.varint(f.payloadOffset());
                rec.u8(1);
                rec.bytes(f.sha256());
            }
            case SymlinkEntry s -> rec.lengthPrefixed(s.target());
            case HardlinkEntry h -> rec.lengthPrefixed(h.targetPath());
            case DeviceEntry d -> {
                rec.varint(d.major());
                rec.varint(d.minor());
            }
            default -> {
            }
        }
        pending.bytes(rec.array(), 0, rec.length());
        count++;
        if (pending.length() >= (64 << 10)) {
            flush();
        }
    }

    private void validate(ArchiveEntry e) {
        byte[] p = e.path();
        if (count == 0) {
            if (p.length != 0 || !(e instanceof DirEntry)) {
                throw new IllegalArgumentException("the first entry must be the root directory with an empty path");
            }
        } else if (!validPath(p)) {
            throw new IllegalArgumentException("invalid archive path " + e.displayPath());
        }
        EntryMeta m = e.meta();
        if ((m.mode() & ~07777) != 0 || m.mtimeNsec() < 0 || m.mtimeNsec() >= 1_000_000_000 || m.ctimeNsec() < 0
                || m.ctimeNsec() >= 1_000_000_000 || m.uid() < 0 || m.gid() < 0 || m.xattrs().size() > MAX_XATTRS) {
            throw new IllegalArgumentException("invalid metadata for " + e.displayPath());
        }
        for (Xattr x : m.xattrs()) {
            if (x.name().length == 0 || x.name().length > MAX_XATTR || x.value().length > MAX_XATTR) {
                throw new IllegalArgumentException("invalid extended attribute on " + e.displayPath());
            }
        }
        if (e instanceof FileEntry f && (f.sha256().length != 32 || f.size() < 0 || f.payloadOffset() < 0)) {
            throw new IllegalArgumentException("invalid file data for " + e.displayPath());
        }
        if (e instanceof SymlinkEntry s && (s.target().length == 0 || s.target().length > MAX_PATH)) {
            throw new IllegalArgumentException("invalid symlink target for " + e.displayPath());
        }
        if (e instanceof HardlinkEntry h && !validPath(h.targetPath())) {
            throw new IllegalArgumentException("invalid hard link target for " + e.displayPath());
        }
    }

    /** Non-empty, at most 64 KiB, components separated by single '/', none empty, '.' or '..', no NUL. */
    static boolean validPath(byte[] p) {
        if (p.length == 0 || p.length > MAX_PATH) {
            return false;
        }
        int start = 0;
        for (int i = 0; i <= p.length; i++) {
            if (i == p.length || p[i] == '/') {
                int n = i - start;
                if (n == 0 || (n == 1 && p[start] == '.') || (n == 2 && p[start] == '.' && p[start + 1] == '.')) {
                    return false;
                }
                start = i + 1;
            } else if (p[i] == 0) {
                return false;
            }
        }
        return true;
    }

    static int typeCode(ArchiveEntry e) {
        return switch (e) {
            case FileEntry f -> 1;
            case DirEntry d -> 2;
            case SymlinkEntry s -> 3;
            case HardlinkEntry h -> 4;
            case FifoEntry f -> 5;
            case DeviceEntry d -> d.block() ? 7 : 6;
            case SocketEntry s -> 8;
        };
    }

    private void flush() {
        try {
            out.write(pending.array(), 0, pending.length());
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        pending.reset();
    }

    /** Writes the trailer; {@code payloadSize} is the size of the payload stream. */
    public void finish(long payloadSize) {
        if (count == 0) {
            throw new IllegalStateException("an archive has at least its root directory");
        }
        pending.u8(0xff);
        pending.varint(count);
        pending.varint(payloadSize);
        flush();
        finished = true;
    }

    @Override
    public void close() {
        if (pending.length() > 0) {
            flush();
        }
    }
}
