package dev.coffer.client.backup;

import dev.coffer.client.fs.Stat;
import dev.coffer.client.repo.Repository;
import dev.coffer.core.chunking.ChunkStream;
import dev.coffer.core.format.ArchiveEntry;
import dev.coffer.core.format.FileEntry;
import dev.coffer.core.format.Index;
import dev.coffer.core.format.Xattr;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Metadata change detection (design.md 9): a file whose size, mtime, ctime and inode equal those recorded in
 * the previous snapshot is not read. Its bytes are taken by reference: the payload stream gets a forced
 * boundary and then the previous snapshot's chunks that cover the file, each touched so garbage collection
 * keeps it. Unchanged files that follow each other share the chunks already placed.
 */
final class PayloadReuse {
    private final Map<String, ArchiveEntry> previous = new HashMap<>();
    private final Index prevIndex;
    private final Repository repo;
    private final ChunkStream payload;
    private final ChunkUploader.Stream sink;
    /** The current run of reused chunks: previous chunks runFirst..runLast placed at runStart. */
    private int runFirst = -1;
    private int runLast = -1;
    private long runStart;
    private long runEndPosition = -1;

    PayloadReuse(List<ArchiveEntry> previousEntries, Index prevIndex, Repository repo, ChunkStream payload,
            ChunkUploader.Stream sink) {
        for (ArchiveEntry e : previousEntries) {
            previous.put(key(e.path()), e);
        }
        this.prevIndex = prevIndex;
        this.repo = repo;
        this.payload = payload;
        this.sink = sink;
    }

    private static String key(byte[] path) {
        return new String(path, StandardCharsets.ISO_8859_1);
    }

    /** The unchanged previous entry for this path and metadata, or null. */
    FileEntry unchanged(byte[] rel, Stat st) {
        if (!(previous.get(key(rel)) instanceof FileEntry p) || p.size() == 0 || p.size() != st.size() || p.meta().mtimeSec() != st.mtimeSec()
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
        ArchiveEntry p = previous.get(key(rel));
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
