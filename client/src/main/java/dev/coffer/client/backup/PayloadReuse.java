package dev.coffer.client.backup;

import dev.coffer.client.fs.Stat;
import dev.coffer.client.repo.Repository;
import dev.coffer.core.chunking.ChunkStream;
import dev.coffer.core.format.ArchiveEntry;
import dev.coffer.core.format.FileEntry;
import dev.coffer.core.CofferException;
import dev.coffer.core.format.ArchiveReader;
import dev.coffer.core.format.Index;
import dev.coffer.core.format.Xattr;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Metadata change detection (design.md 9): a file whose size, mtime, ctime and inode equal those recorded in
 * the previous snapshot is not read. Its bytes are taken by reference: the payload stream gets a forced
 * boundary and then the previous snapshot's chunks that cover the file, each touched so garbage collection
 * keeps it. Unchanged files that follow each other share the chunks already placed.
 *
 * <p>The previous snapshot's entries are read from its meta stream in step with the walk: both are in
 * archive order, so each lookup moves a cursor forward and only the entries at hand are in memory, whatever
 * the size of the tree. Lookups must come in archive order. If the previous meta stream turns out to be
 * unreadable part way, one warning is given and the rest of the files are read.
 */
final class PayloadReuse implements AutoCloseable {
    private final ArchiveReader previous;
    private final String previousName;
    private final Consumer<String> warn;
    /** The previous entry at the cursor; null once the previous stream has ended or failed. */
    private ArchiveEntry current;
    private final Index prevIndex;
    private final Repository repo;
    private final ChunkStream payload;
    private final ChunkUploader.Stream sink;
    /** The current run of reused chunks: previous chunks runFirst..runLast placed at runStart. */
    private int runFirst = -1;
    private int runLast = -1;
    private long runStart;
    private long runEndPosition = -1;

    /**
     * @param previous a reader of the previous snapshot's meta stream, not yet read from; closed by {@link #close()}
     * @param previousName the previous snapshot's name, for the warning if its meta stream fails
     */
    PayloadReuse(ArchiveReader previous, String previousName, Consumer<String> warn, Index prevIndex, Repository repo,
            ChunkStream payload, ChunkUploader.Stream sink) {
        this.previous = previous;
        this.previousName = previousName;
        this.warn = warn;
        this.prevIndex = prevIndex;
        this.repo = repo;
        this.payload = payload;
        this.sink = sink;
        advance();
    }

    /** The previous snapshot's entry with this path, or null; paths must be asked for in archive order. */
    private ArchiveEntry lookup(byte[] rel) {
        while (current != null) {
            int c = compareInArchiveOrder(current.path(), rel);
            if (c == 0) {
                return current;
            }
            if (c > 0) {
                return null;
            }
            advance();
        }
        return null;
    }

    private void advance() {
        try {
            current = previous.next();
        } catch (CofferException | UncheckedIOException e) {
            current = null;
            warn.accept("snapshot " + previousName + " cannot serve further as a base for change detection ("
                    + e.getMessage() + "); reading the remaining files");
        }
    }

    /**
     * Compares two relative paths in archive order (design.md 6): component by component, bytewise, a
     * directory before its contents. That is bytewise order with '/' below every other byte.
     */
    static int compareInArchiveOrder(byte[] a, byte[] b) {
        int i = Arrays.mismatch(a, b);
        if (i < 0) {
            return 0;
        }
        if (i == a.length || i == b.length) {
            return Integer.compare(a.length, b.length);
        }
        int x = a[i] == '/' ? -1 : a[i] & 0xff;
        int y = b[i] == '/' ? -1 : b[i] & 0xff;
        return Integer.compare(x, y);
    }

    @Override
    public void close() {
        current = null;
        try {
            previous.close();
        } catch (RuntimeException e) {
            // only read from; nothing to lose
        }
    }

    /** The unchanged previous entry for this path and metadata, or null. */
    FileEntry unchanged(byte[] rel, Stat st) {
        if (!(lookup(rel) instanceof FileEntry p) || p.size() == 0 || p.size() != st.size() || p.meta().mtimeSec() != st.mtimeSec()
                || p.meta().mtimeNsec() != st.mtimeNsec() || p.meta().ctimeSec() != st.ctimeSec()
                || p.meta().ctimeNsec() != st.ctimeNsec() || p.meta().inode() != (st.inode() & Long.MAX_VALUE)) {
            return null;
        }
        return p;
    }

    /**
     * The previous snapshot's extended attributes of this path when its inode and ctime are unchanged, or null.
     * Setting or removing an extended attribute updates the ctime, so an unchanged ctime means unchanged
     * attributes; the walk then skips listing and reading them (design.md 9).
     */
    List<Xattr> xattrsIfUnchanged(byte[] rel, Stat st) {
        ArchiveEntry p = lookup(rel);
        if (p == null || p.meta().ctimeSec() != st.ctimeSec() || p.meta().ctimeNsec() != st.ctimeNsec()
                || p.meta().inode() != (st.inode() & Long.MAX_VALUE)) {
            return null;
        }
        return p.meta().xattrs();
    }

    /** Places the file's bytes by reference; its new payload offset, or -1 when a chunk is gone (read it then). */
    long place(FileEntry prev) {
        long off = prev.payloadOffset();
        int first = prevIndex.chunkIndexAt(off);
        int last = prevIndex.chunkIndexAt(off + prev.size() - 1);
        boolean continues = runEndPosition == payload.position() && first >= runFirst && first <= runLast + 1;
        int from = continues ? Math.max(first, runLast + 1) : first;
        for (int i = from; i <= last; i++) {
            if (!repo.touchChunk(prevIndex.id(i))) {
                return -1;
            }
        }
        if (!continues) {
            payload.flushBoundary();
            runFirst = first;
            runLast = first - 1;
            runStart = payload.position();
        }
        for (int i = runLast + 1; i <= last; i++) {
            int len = (int) (prevIndex.end(i) - prevIndex.start(i));
            sink.appendExisting(prevIndex.id(i), len);
            payload.advance(len);
        }
        runLast = Math.max(runLast, last);
        runEndPosition = payload.position();
        return runStart + (off - prevIndex.start(runFirst));
    }
}
