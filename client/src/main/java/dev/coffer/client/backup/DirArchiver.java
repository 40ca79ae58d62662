package dev.coffer.client.backup;

import dev.coffer.client.fs.BytePaths;
import dev.coffer.client.fs.FileType;
import dev.coffer.client.fs.FsException;
import dev.coffer.client.fs.Posix;
import dev.coffer.client.fs.Stat;
import dev.coffer.core.chunking.ChunkStream;
import dev.coffer.core.format.ArchiveWriter;
import dev.coffer.core.format.DeviceEntry;
import dev.coffer.core.format.DirEntry;
import dev.coffer.core.format.EntryMeta;
import dev.coffer.core.format.FifoEntry;
import dev.coffer.core.format.FileEntry;
import dev.coffer.core.format.HardlinkEntry;
import dev.coffer.core.format.SocketEntry;
import dev.coffer.core.format.SymlinkEntry;
import dev.coffer.core.format.Xattr;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Encodes a directory tree as a directory archive: entries into the meta stream, file contents into the
 * payload stream (design.md 6). Runs on one thread, taking the entries from a {@link TreeScanner} that walks
 * the tree on another; chunk processing happens behind the two {@link ChunkStream}s.
 */
final class DirArchiver {
    private static final int READ_BUFFER = 1 << 20;
    private static final byte[] ZEROS = new byte[READ_BUFFER];

    private record InodeKey(long dev, long inode) {
    }

    private final ChunkStream payload;
    private final ArchiveWriter meta;
    private final BackupStats stats;
    private final Consumer<String> warn;
    private final Map<InodeKey, byte[]> hardlinks = new HashMap<>();
    private final byte[] buffer = new byte[READ_BUFFER];
    private final MessageDigest sha256;
    private PayloadReuse reuse;

    /** @param warn receives what could not be backed up (the caller counts it for the summary) */
    DirArchiver(ChunkStream payload, ChunkStream metaStream, BackupStats stats, Consumer<String> warn) {
        this.payload = payload;
        this.meta = new ArchiveWriter(new ChunkStreamOutput(metaStream));
        this.stats = stats;
        this.warn = warn;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A file or directory that exists but could not be read: a warning, and counted ({@link BackupStats#unreadable}). */
    private void unreadable(String message) {
        stats.unreadable.incrementAndGet();
        warn.accept(message);
    }

    /** Turns on metadata change detection against a previous snapshot of this archive. */
    void reuseFrom(PayloadReuse r) {
        this.reuse = r;
    }

    /**
     * Archives the whole tree as {@code scanner} walks it (the root first, then archive order); returns the
     * payload stream size.
     */
    long run(TreeScanner scanner) throws IOException {
        TreeScanner.Item root = scanner.next();
        meta.add(new DirEntry(new byte[0], metaOf(root.path(), root.rel(), root.stat())));
        stats.directories.incrementAndGet();
        for (TreeScanner.Item item; (item = scanner.next()) != null; ) {
            if (item.problem() != null) {
                if (item.vanished()) {
                    warn.accept(item.problem()); // gone while the backup ran: nothing was lost
                } else {
                    unreadable(item.problem());
                }
                continue;
            }
            try {
                entry(item);
            } catch (FsException e) {
                unreadable("cannot read " + BytePaths.display(item.path()) + ": " + e.getMessage());
            }
        }
        long size = payload.position();
        meta.finish(size);
        return size;
    }

    private void entry(TreeScanner.Item item) throws IOException {
        byte[] path = item.path();
        byte[] rel = item.rel();
        Stat st = item.stat();
        FileType type = st.fileType();
        InodeKey linkKey = null;
        if (type != FileType.DIRECTORY && st.nlink() > 1) {
            linkKey = new InodeKey(st.dev(), st.inode());
            byte[] first = hardlinks.get(linkKey);
            if (first != null) {
                meta.add(new HardlinkEntry(rel, metaOf(path, rel, st), first));
                stats.otherEntries.incrementAndGet();
                return;
            }
        }
        long entriesBefore = meta.count();
        switch (type) {
            case DIRECTORY -> {
                meta.add(new DirEntry(rel, metaOf(path, rel, st)));
                stats.directories.incrementAndGet();
            }
            case FILE -> {
                if (!file(path, rel, st)) {
                    linkKey = null; // the path now names another file: nothing may link to it as to the one stat'ed
                }
            }
            case SYMLINK -> {
                meta.add(new SymlinkEntry(rel, metaOf(path, rel, st), item.linkTarget()));
                stats.otherEntries.incrementAndGet();
            }
            case FIFO -> {
                meta.add(new FifoEntry(rel, metaOf(path, rel, st)));
                stats.otherEntries.incrementAndGet();
            }
            case SOCKET -> {
                meta.add(new SocketEntry(rel, metaOf(path, rel, st)));
                stats.otherEntries.incrementAndGet();
            }
            case CHAR_DEVICE, BLOCK_DEVICE -> {
                meta.add(new DeviceEntry(rel, metaOf(path, rel, st), type == FileType.BLOCK_DEVICE, st.rdevMajor(),
                        st.rdevMinor()));
                stats.otherEntries.incrementAndGet();
            }
        }
        // only an entry that was written can be linked to: a skipped file must not leave dangling links
        if (linkKey != null && meta.count() > entriesBefore) {
            hardlinks.put(linkKey, rel);
        }
    }

    /**
     * Stores a regular file, by reference when unchanged since the base. {@code st} is from when its directory
     * was read, possibly a while ago; a file that is read gets its size and metadata from the open file
     * instead, so what is stored is the file as it is read. Returns false when the path turned out to name
     * another file than {@code st} describes (replaced meanwhile), which was then stored as it is now.
     */
    private boolean file(byte[] path, byte[] rel, Stat st) throws IOException {
        FileEntry prev = reuse == null ? null : reuse.unchanged(rel, st);
        if (prev != null) {
            long offset = reuse.place(prev);
            if (offset >= 0) {
                meta.add(new FileEntry(rel, metaOf(path, rel, st), prev.size(), offset, prev.sha256()));
                stats.files.incrementAndGet();
                stats.unchangedFiles.incrementAndGet();
                stats.unchangedBytes.addAndGet(prev.size());
                return true;
            }
        }
        int fd;
        try {
            fd = Posix.openRead(path);
        } catch (FsException e) {
            if (e.errno() == FsException.ENOENT) {
                warn.accept(BytePaths.display(path) + " vanished while the backup ran; left out");
            } else {
                unreadable("cannot open " + BytePaths.display(path) + ": " + e.getMessage());
            }
            return true;
        }
        Stat opened;
        try {
            opened = Posix.fstat(fd);
            if (opened.fileType() != FileType.FILE) {
                Posix.close(fd);
                warn.accept(BytePaths.display(path) + " is no longer a regular file; skipped");
                return true;
            }
        } catch (FsException e) {
            Posix.close(fd);
            unreadable("cannot read " + BytePaths.display(path) + ": " + e.getMessage());
            return true;
        }
        boolean same = opened.inode() == st.inode() && opened.dev() == st.dev();
        st = opened;
        long offset = payload.position();
        long done;
        sha256.reset();
        try {
            done = copyContents(fd, st.size());
        } finally {
            Posix.close(fd);
        }
        if (done != st.size()) {
            warn.accept(BytePaths.display(path) + " changed size while being read (" + st.size() + " -> " + done
                    + " bytes); stored what was read");
        }
        meta.add(new FileEntry(rel, metaOf(path, rel, st), done, offset, sha256.digest()));
        stats.files.incrementAndGet();
        return same;
    }

    /** Copies at most {@code size} bytes into the payload stream, skipping holes of sparse files unread. */
    private long copyContents(int fd, long size) throws IOException {
        long pos = 0;
        while (pos < size) {
            long data = size >= (1 << 20) ? Posix.nextData(fd, pos) : pos;
            if (data < 0 || data > size) {
                data = size;
            }
            if (data > pos) {
                zeros(data - pos);
                pos = data;
                if (pos >= size) {
                    break;
                }
            }
            long hole = size >= (1 << 20) ? Math.min(size, Posix.nextHole(fd, pos)) : size;
            if (hole <= pos) {
                hole = size;
            }
            if (size >= (1 << 20)) {
                Posix.lseek(fd, pos, Posix.SEEK_SET);
            }
            while (pos < hole) {
                int want = (int) Math.min(buffer.length, hole - pos);
                int n = Posix.read(fd, buffer, 0, want);
                if (n <= 0) {
                    return pos;
                }
                sha256.update(buffer, 0, n);
                payload.write(buffer, 0, n);
                stats.bytesRead.addAndGet(n);
                pos += n;
            }
        }
        return pos;
    }

    private void zeros(long n) {
        while (n > 0) {
            int k = (int) Math.min(ZEROS.length, n);
            sha256.update(ZEROS, 0, k);
            payload.write(ZEROS, 0, k);
            stats.bytesRead.addAndGet(k);
            n -= k;
        }
    }

    private EntryMeta metaOf(byte[] path, byte[] rel, Stat st) {
        List<Xattr> known = reuse == null ? null : reuse.xattrsIfUnchanged(rel, st);
        return new EntryMeta(st.mode() & 07777, st.uid(), st.gid(), st.mtimeSec(), st.mtimeNsec(), st.ctimeSec(),
                st.ctimeNsec(), st.inode() & Long.MAX_VALUE, known != null ? known : xattrs(path));
    }

    private List<Xattr> xattrs(byte[] path) {
        List<byte[]> names;
        try {
            names = Posix.listXattrs(path);
        } catch (FsException e) {
            return List.of();
        }
        if (names.isEmpty()) {
            return List.of();
        }
        List<Xattr> out = new ArrayList<>(names.size());
        for (byte[] name : names) {
            try {
                out.add(new Xattr(name, Posix.getXattr(path, name)));
            } catch (FsException e) {
                warn.accept("cannot read extended attribute " + BytePaths.display(name) + " of "
                        + BytePaths.display(path) + ": " + e.getMessage());
            }
        }
        out.sort((a, b) -> Arrays.compareUnsigned(a.name(), b.name()));
        return out;
    }

    /** Feeds the archive writer's bytes into the meta chunk stream. */
    private static final class ChunkStreamOutput extends OutputStream {
        private final ChunkStream stream;

        ChunkStreamOutput(ChunkStream stream) {
            this.stream = stream;
        }

        @Override
        public void write(int b) {
            stream.write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            stream.write(b, off, len);
        }
    }
}
