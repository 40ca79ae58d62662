package dev.coffer.core.format;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * Writes a directory archive's meta stream (design.md 6). The caller adds the root directory first and then
 * every entry in depth-first order with siblings sorted bytewise, and ends with {@link #finish}. Each entry is
 * checked against the same rules {@link ArchiveReader} enforces (paths, order, limits, hard link targets),
 * so a written stream always reads back; a violation is an IllegalArgumentException and the entry is not
 * written. Output is buffered (64 KiB); exceptions from the output stream propagate (an IOException as an
 * UncheckedIOException). Not thread-safe.
 */
public final class ArchiveWriter implements AutoCloseable {
    static final byte[] MAGIC = {'C', 'F', 'A', 'R'};
    static final int VERSION = 1;
    static final int RECORD_ENTRY = 1;
    static final int TRAILER = 0xff;
    static final int DIGEST_SHA256 = 1;
    private static final int BUFFER = 64 << 10;

    private final OutputStream out;
    private final ByteWriter buf = new ByteWriter(BUFFER + 1024);
    private final EntryRules.Order order = new EntryRules.Order();
    private long maxPayloadEnd;
    private FileEntry maxPayloadFile;
    private boolean finished;
    private String unusable; // why no more can be written, or null

    /** Starts the stream: the header is written with the first flush. */
    public ArchiveWriter(OutputStream out) {
        this.out = Objects.requireNonNull(out, "out");
        buf.bytes(MAGIC).u8(VERSION);
    }

    /** Checks and appends one entry. */
    public void add(ArchiveEntry e) {
        Objects.requireNonNull(e, "entry");
        checkOpen();
        String bad = EntryRules.metaProblem(e.meta());
        if (bad == null) {
            bad = EntryRules.dataProblem(e);
        }
        if (bad == null) {
            bad = order.accept(e);
        } else {
            bad = (e.path().length == 0 ? "root directory" : Entries.brief(e.path())) + ": " + bad;
        }
        if (bad != null) {
            throw new IllegalArgumentException("archive entry refused: " + bad);
        }
        encode(buf, e);
        if (e instanceof FileEntry f && f.payloadOffset() + f.size() > maxPayloadEnd) {
            maxPayloadEnd = f.payloadOffset() + f.size();
            maxPayloadFile = f;
        }
        if (buf.length() >= BUFFER) {
            flush();
        }
    }

    static void encode(ByteWriter w, ArchiveEntry e) {
        w.u8(RECORD_ENTRY);
        w.lengthPrefixed(e.path());
        w.u8(typeCode(e));
        EntryMeta m = e.meta();
        w.varint(m.mode());
        w.varint(m.uid());
        w.varint(m.gid());
        w.svarint(m.mtimeSec());
        w.varint(m.mtimeNsec());
        w.svarint(m.ctimeSec());
        w.varint(m.ctimeNsec());
        w.varint(m.inode());
        w.varint(m.xattrs().size());
        for (Xattr x : m.xattrs()) {
            w.lengthPrefixed(x.name());
            w.lengthPrefixed(x.value());
        }
        switch (e) {
            case FileEntry f -> {
                w.varint(f.size());
                w.varint(f.payloadOffset());
                w.u8(DIGEST_SHA256);
                w.bytes(f.sha256());
            }
            case SymlinkEntry s -> w.lengthPrefixed(s.target());
            case HardlinkEntry h -> w.lengthPrefixed(h.targetPath());
            case DeviceEntry d -> {
                w.varint(d.major());
                w.varint(d.minor());
            }
            case DirEntry d -> {
            }
            case FifoEntry f -> {
            }
            case SocketEntry s -> {
            }
        }
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

    /** Entries added so far. */
    public long count() {
        return order.count();
    }

    /**
     * Writes the trailer and flushes; {@code payloadSize} is the size of the payload stream, which must hold
     * every file's range. Does not close the output stream.
     */
    public void finish(long payloadSize) {
        checkOpen();
        if (order.count() == 0) {
            throw new IllegalStateException("an archive has at least its root directory");
        }
        if (payloadSize < maxPayloadEnd) {
            throw new IllegalArgumentException("payload stream of " + payloadSize + " bytes ends before the end of "
                    + Entries.brief(maxPayloadFile.path()) + " (" + maxPayloadEnd + ")");
        }
        buf.u8(TRAILER).varint(order.count()).varint(payloadSize);
        flush();
        try {
            out.flush();
        } catch (IOException ex) {
            unusable = "an earlier write of this archive failed";
            throw new UncheckedIOException(ex);
        }
        finished = true;
        unusable = "archive already finished";
    }

    private void checkOpen() {
        if (unusable != null) {
            throw new IllegalStateException(unusable);
        }
    }

    private void flush() {
        try {
            buf.writeTo(out);
        } catch (IOException ex) {
            unusable = "an earlier write of this archive failed";
            throw new UncheckedIOException(ex);
        } catch (RuntimeException ex) {
            unusable = "an earlier write of this archive failed";
            throw ex;
        }
        buf.reset();
    }

    /** Ends use of the writer; after {@link #finish} a no-op, before it the buffered entries are dropped. */
    @Override
    public void close() {
        if (!finished) {
            unusable = "archive writer closed before finish";
            buf.reset();
        }
    }
}
