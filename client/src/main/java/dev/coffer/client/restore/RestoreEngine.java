package dev.coffer.client.restore;

import dev.coffer.client.fs.BytePaths;
import dev.coffer.client.fs.FileType;
import dev.coffer.client.fs.FsException;
import dev.coffer.client.fs.Posix;
import dev.coffer.client.fs.Stat;
import dev.coffer.client.snapshot.OpenSnapshot;
import dev.coffer.client.snapshot.StreamReader;
import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.format.ArchiveEntry;
import dev.coffer.core.format.ArchiveRef;
import dev.coffer.core.format.DeviceEntry;
import dev.coffer.core.format.DirEntry;
import dev.coffer.core.format.EntryMeta;
import dev.coffer.core.format.FifoEntry;
import dev.coffer.core.format.FileEntry;
import dev.coffer.core.format.HardlinkEntry;
import dev.coffer.core.format.Index;
import dev.coffer.core.format.SocketEntry;
import dev.coffer.core.format.SymlinkEntry;
import dev.coffer.core.format.Xattr;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Restores an archive of a snapshot. Writes only inside the target: every archive path has safe components
 * (checked by the reader), every entry's parent must be a directory of the archive, and an existing
 * symlink or file in the way is never followed — it is an error, or with overwrite it is replaced.
 * Each file's content is checked against the SHA-256 recorded at backup time; a file that fails is
 * removed, never left behind wrong.
 */
public final class RestoreEngine implements AutoCloseable {
    private static final int BLOCK = 4096;

    public record Options(boolean overwrite, List<String> includes, int threads, Consumer<String> warnings) {
    }

    /** Counters, readable while the restore runs. */
    public static final class Stats {
        public final AtomicLong files = new AtomicLong();
        public final AtomicLong bytes = new AtomicLong();
        public final AtomicLong entries = new AtomicLong();
        public final AtomicLong warnings = new AtomicLong();
        public volatile long expectedBytes = -1;
    }

    private final OpenSnapshot snap;
    private final Options o;
    private final Stats stats;
    private final ExecutorService pool;
    /**
     * Write files while the main thread reads on (small ones in batches, large ones in pieces): their open,
     * write, checksum and metadata calls overlap the reading.
     */
    private final ExecutorService writers;
    private final java.util.concurrent.Semaphore writeBudget = new java.util.concurrent.Semaphore(WRITE_BUDGET);
    private final List<java.util.concurrent.Future<?>> writes = new ArrayList<>();
    /** The batch of each small file that a hard link points to (it must be written before the link is made). */
    private final Map<String, java.util.concurrent.Future<?>> pendingWrites = new HashMap<>();
    /** Small files read but not yet handed to a writer; null when none. */
    private Batch batch;
    /** Arrays of small-file batches, reused from batch to batch. */
    private final dev.coffer.core.util.BufferPool batchBuffers = new dev.coffer.core.util.BufferPool(WRITE_BUDGET);
    private volatile RuntimeException writeFailure;
    /** Set when the restore stops on an error: queued writes then only remove what they began. */
    private volatile boolean aborted;
    private final boolean root = Posix.geteuid() == 0;
    /** What entries created in the target get by themselves; null when not known (see {@link NewEntries}). */
    private NewEntries created;
    /** Files up to this size are read whole and written by a writer thread. */
    static final int SMALL_FILE = 1 << 20;
    /** Bytes read but not yet written: whole batches, or pieces of large files, of {@link #BATCH_BYTES} each. */
    static final int WRITE_BUDGET = 16 << 20;
    /** Small files are read into one array of this size and handed to a writer together. */
    static final int BATCH_BYTES = SMALL_FILE;
    /** The most files in one batch. */
    static final int BATCH_FILES = 256;
    /** Decoded chunk arrays, reused from chunk to chunk (see StreamReader). */
    private final dev.coffer.core.util.BufferPool buffers = new dev.coffer.core.util.BufferPool(64L << 20);

    public RestoreEngine(OpenSnapshot snap, Options options, Stats stats) {
        this.snap = snap;
        this.o = options;
        this.stats = stats;
        this.pool = Executors.newFixedThreadPool(Math.max(1, options.threads()), r -> {
            Thread t = new Thread(r, "coffer-fetch");
            t.setDaemon(true);
            return t;
        });
        this.writers = Executors.newFixedThreadPool(Math.max(1, options.threads()), r -> {
            Thread t = new Thread(r, "coffer-write");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void close() {
        pool.shutdownNow();
        writers.shutdownNow();
    }

    /** Restores the named archive: a directory archive into the directory {@code target}, an image to the file. */
    public void restore(String archiveName, byte[] target) {
        ArchiveRef archive = snap.archive(archiveName);
        if (archive.type().equals("image")) {
            restoreImage(archive, target);
        } else {
            restoreDirectory(archive, target);
        }
    }

    // ---------------------------------------------------------------- directory archives

    /**
     * Restores a directory archive in two passes over its meta stream, neither of which keeps the entries:
     * the first checks every entry (damage, --include paths, conflicts in an existing target) and plans the
     * payload read-ahead before anything is written; the second writes. Only the few things a later entry
     * needs are kept: the directories (a parent must be one), and the files that hard links point to.
     */
    private void restoreDirectory(ArchiveRef archive, byte[] target) {
        aborted = false;
        Selection selection = new Selection(o.includes());
        Index payloadIndex = snap.index(archive, "payload");
        // every file's bytes are checked against its SHA-256 before the file is kept (checkWritten)
        StreamReader payload = new StreamReader(snap.repository(), snap.ref(), snap.codec(), payloadIndex, pool,
                Math.max(2, o.threads() + 1), buffers).forCheckedContents();
        boolean targetExists = targetExists(target);
        Conflicts conflicts = new Conflicts(target);
        Set<String> linkTargets = new HashSet<>(); // paths that restored hard links point to
        long[] total = {0};
        ArchiveContents.forEach(snap, archive, pool, e -> {
            if (!selection.accepts(e)) {
                return;
            }
            if (e instanceof FileEntry f) {
                total[0] += f.size();
                payload.plan(f.payloadOffset(), f.size()); // read-ahead skips what no restored file needs
            } else if (e instanceof HardlinkEntry h) {
                linkTargets.add(new String(h.targetPath(), StandardCharsets.ISO_8859_1));
            }
            if (targetExists) { // a target created by this restore holds nothing to conflict with
                conflicts.check(e);
            }
        });
        selection.checkAllMatched();
        conflicts.failIfAny();
        stats.expectedBytes = total[0];
        if (!targetExists) {
            mkdirs(target);
            // nobody else reads into it while it fills; the archive's mode is set when all is restored
            Posix.chmod(target, 0700);
        }
        boolean freshTarget = !targetExists || isEmptyDirectory(target);
        created = NewEntries.in(target, freshTarget);

        Set<String> dirs = new HashSet<>();
        Map<String, FileEntry> linkSources = new HashMap<>(); // files of linkTargets, restored or not
        Set<String> restoredSources = new HashSet<>(); // the ones restored
        List<ArchiveEntry> dirsToFinish = new ArrayList<>();
        List<Boolean> dirsMade = new ArrayList<>(); // whether this restore created each of dirsToFinish
        try {
            writeEntries(archive, target, selection, payload, linkTargets, dirs, linkSources, restoredSources,
                    dirsToFinish, dirsMade);
        } catch (RuntimeException | Error e) {
            // files being written are removed, not left half-written, before the error goes on
            aborted = true;
            if (batch != null) { // read, never handed over: nothing of it was written
                finished(batch);
                batch = null;
            }
            for (java.util.concurrent.Future<?> w : writes) {
                awaitQuietly(w);
            }
            throw e;
        }
        for (int i = dirsToFinish.size() - 1; i >= 0; i--) {
            ArchiveEntry d = dirsToFinish.get(i);
            if (d.path().length == 0 && !freshTarget && !o.overwrite()) {
                // a directory that held something before keeps its owner, mode and times: restoring into /tmp as
                // root must not take its sticky bit, nor fail on a shared directory the user does not own. A new
                // or empty one (made for the restore) gets the archive root's, and so does any with --overwrite
                continue;
            }
            byte[] dest = d.path().length == 0 ? target : BytePaths.join(target, d.path());
            applyMeta(dest, d.meta(), false, dirsMade.get(i)); // the target, or one found there, may predate it
        }
    }

    /** Waits for {@code w} to end however it ends, through interrupts too (the interrupt is kept for later). */
    private static void awaitQuietly(java.util.concurrent.Future<?> w) {
        boolean interrupted = false;
        while (true) {
            try {
                w.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.CancellationException e) {
                break; // the error being reported matters more
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The second pass: every selected entry written (files on the writer threads), and every write awaited. */
    private void writeEntries(ArchiveRef archive, byte[] target, Selection selection, StreamReader payload,
            Set<String> linkTargets, Set<String> dirs, Map<String, FileEntry> linkSources, Set<String> restoredSources,
            List<ArchiveEntry> dirsToFinish, List<Boolean> dirsMade) {
        ArchiveContents.forEach(snap, archive, pool, e -> {
            String key = new String(e.path(), StandardCharsets.ISO_8859_1);
            boolean linked = linkTargets.contains(key);
            if (linked && e instanceof FileEntry f) {
                linkSources.put(key, f);
            }
            if (!selection.accepts(e)) {
                return;
            }
            byte[] dest = e.path().length == 0 ? target : BytePaths.join(target, e.path());
            if (e.path().length > 0 && !dirs.contains(parentKey(key))) {
                throw new CorruptDataException("archive " + archive.name() + ": entry " + e.displayPath()
                        + " is not inside a directory of the archive; refusing to restore it");
            }
            try {
                switch (e) {
                    case DirEntry d -> {
                        boolean made = makeDirectory(dest, e.path().length == 0);
                        dirs.add(key);
                        dirsToFinish.add(d);
                        dirsMade.add(made);
                    }
                    case FileEntry f -> {
                        if (f.size() <= SMALL_FILE) {
                            writeSmallFile(archive, f, dest, payload, linked ? key : null);
                        } else {
                            writeLargeFile(archive, f, dest, payload, linked ? key : null);
                        }
                    }
                    case HardlinkEntry h -> {
                        String targetKey = new String(h.targetPath(), StandardCharsets.ISO_8859_1);
                        FileEntry original = linkSources.get(targetKey);
                        if (restoredSources.contains(targetKey)) {
                            flushBatch(); // the target may be in the batch not yet handed over
                            awaitWrite(pendingWrites.get(targetKey));
                            byte[] linkTarget = BytePaths.join(target, h.targetPath());
                            replacing(dest, () -> Posix.link(linkTarget, dest));
                        } else if (original == null) {
                            warning("skipped hard link " + h.displayPath() + ": its target "
                                    + BytePaths.display(h.targetPath()) + " was not restored");
                            return;
                        } else {
                            writeLargeFile(archive, new FileEntry(h.path(), h.meta(), original.size(),
                                    original.payloadOffset(), original.sha256()), dest, payload, null);
                        }
                    }
                    case SymlinkEntry sl -> {
                        replacing(dest, () -> Posix.symlink(sl.target(), dest));
                        applyMeta(dest, sl.meta(), true, true);
                    }
                    case FifoEntry f -> {
                        replacing(dest, () -> Posix.mkfifo(dest, f.meta().mode() & 0777));
                        applyMeta(dest, f.meta(), false, true);
                    }
                    case DeviceEntry d -> {
                        if (!root) {
                            warning("skipped device node " + d.displayPath() + ": creating devices needs root");
                            return;
                        }
                        replacing(dest, () -> Posix.mknod(dest, d.block() ? FileType.BLOCK_DEVICE : FileType.CHAR_DEVICE,
                                d.meta().mode() & 0777, d.major(), d.minor()));
                        applyMeta(dest, d.meta(), false, true);
                    }
                    case SocketEntry so -> {
                        return; // a socket is recreated by the program that listens on it
                    }
                }
            } catch (FsException ex) {
                throw new CofferException("restoring " + e.displayPath() + " to " + BytePaths.display(dest) + ": "
                        + ex.getMessage());
            }
            if (linked && !(e instanceof DirEntry) && !(e instanceof HardlinkEntry)) {
                restoredSources.add(key); // a hard link may point to a symlink, FIFO or device node too
            }
            stats.entries.incrementAndGet();
            if (writeFailure != null) {
                throw writeFailure;
            }
        });
        flushBatch();
        for (java.util.concurrent.Future<?> w : writes) {
            awaitWrite(w);
        }
        if (writeFailure != null) {
            throw writeFailure;
        }
    }

    private static String parentKey(String key) {
        int slash = key.lastIndexOf('/');
        return slash < 0 ? "" : key.substring(0, slash);
    }

    /** Which entries to restore: everything, or what lies at or below an include path, plus its parent directories. */
    private static final class Selection {
        private final List<String> given;
        private final List<String> inc = new ArrayList<>();
        private final Set<String> matched = new HashSet<>();

        Selection(List<String> includes) {
            this.given = includes == null ? List.of() : includes;
            for (String i : given) {
                String p = i;
                while (p.startsWith("/")) {
                    p = p.substring(1);
                }
                while (p.endsWith("/")) {
                    p = p.substring(0, p.length() - 1);
                }
                inc.add(new String(p.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
            }
        }

        boolean accepts(ArchiveEntry e) {
            if (inc.isEmpty()) {
                return true;
            }
            String key = new String(e.path(), StandardCharsets.ISO_8859_1);
            boolean accepted = false;
            for (String p : inc) { // every include, not the first that accepts: each must be seen to match
                if (p.isEmpty() || key.equals(p) || key.startsWith(p + "/")) {
                    matched.add(p);
                    accepted = true;
                } else if (e instanceof DirEntry && (key.isEmpty() || p.startsWith(key + "/"))) {
                    accepted = true; // a parent directory of an include
                }
            }
            return accepted;
        }

        /** After a whole pass: every include path must have named something in the archive. */
        void checkAllMatched() {
            for (int i = 0; i < inc.size(); i++) {
                if (!matched.contains(inc.get(i))) {
                    throw new CofferException("--include " + given.get(i) + ": no such path in the archive",
                            "list the archive with 'coffer ls SNAPSHOT ARCHIVE'");
                }
            }
        }
    }

    /** Whether the target directory exists (something else there is an error); it is created after the checks. */
    private static boolean targetExists(byte[] target) {
        try {
            Stat st = Posix.lstat(target);
            if (st.fileType() != FileType.DIRECTORY) {
                throw new CofferException("restore target " + BytePaths.display(target) + " exists and is not a directory");
            }
            return true;
        } catch (FsException e) {
            if (e.errno() != FsException.ENOENT) {
                throw new CofferException("restore target " + BytePaths.display(target) + ": " + e.getMessage());
            }
            return false;
        }
    }

    private static void mkdirs(byte[] path) {
        try {
            java.nio.file.Files.createDirectories(java.nio.file.Path.of(BytePaths.display(path)));
        } catch (java.io.IOException e) {
            throw new CofferException("cannot create restore target " + BytePaths.display(path) + ": " + e.getMessage());
        }
    }

    /** Existing files in an existing target that the restore would replace without --overwrite: an error before anything is written. */
    private final class Conflicts {
        private final byte[] target;
        private final List<String> shown = new ArrayList<>();
        private int count;

        Conflicts(byte[] target) {
            this.target = target;
        }

        void check(ArchiveEntry e) {
            if (e.path().length == 0) {
                return;
            }
            byte[] dest = BytePaths.join(target, e.path());
            Stat st;
            try {
                st = Posix.lstat(dest);
            } catch (FsException ex) {
                return;
            }
            boolean dirOnDir = e instanceof DirEntry && st.fileType() == FileType.DIRECTORY;
            if (dirOnDir) {
                return;
            }
            if (o.overwrite() && st.fileType() != FileType.DIRECTORY) {
                return;
            }
            count++;
            if (shown.size() < 3) {
                shown.add(BytePaths.display(dest));
            }
        }

        void failIfAny() {
            if (count > 0) {
                String more = count > shown.size() ? " and " + (count - shown.size()) + " more" : "";
                throw new CofferException("restore would replace existing " + String.join(", ", shown) + more
                        + "; nothing was written",
                        o.overwrite() ? "a directory cannot be replaced by a non-directory; remove it first"
                                : "use --overwrite to replace existing files, or restore into an empty directory");
            }
        }
    }

    /** Creates the directory unless it is the target or one is there already; true if this created it. */
    private boolean makeDirectory(byte[] dest, boolean isRoot) {
        if (isRoot) {
            return false;
        }
        try {
            Posix.mkdir(dest, 0700);
            return true;
        } catch (FsException e) {
            if (e.errno() != FsException.EEXIST) {
                throw e;
            }
        }
        if (Posix.lstat(dest).fileType() == FileType.DIRECTORY) {
            return false;
        }
        removeExisting(dest);
        Posix.mkdir(dest, 0700);
        return true;
    }

    /** Whether the directory has no entries (reading only its first); false when that cannot be told. */
    private static boolean isEmptyDirectory(byte[] dir) {
        try (var entries = java.nio.file.Files.newDirectoryStream(java.nio.file.Path.of(BytePaths.display(dir)))) {
            return !entries.iterator().hasNext();
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Creates {@code dest} with {@code create}; only when something is in the way (EEXIST) is it removed
     * (as {@link #removeExisting} allows) and the creation tried again. Restoring into an empty directory
     * thus costs no lookup per entry.
     */
    private void replacing(byte[] dest, Runnable create) {
        try {
            create.run();
            return;
        } catch (FsException e) {
            if (e.errno() != FsException.EEXIST) {
                throw e;
            }
        }
        removeExisting(dest);
        create.run();
    }

    /** A new file at {@code dest}, open for writing, replacing what is in the way (see {@link #replacing}). */
    private int createReplacing(byte[] dest, int mode) {
        int[] fd = new int[1];
        replacing(dest, () -> fd[0] = Posix.createFile(dest, mode, true, false));
        return fd[0];
    }

    /** Removes a non-directory in the way (only reached with --overwrite, checked up front). */
    private void removeExisting(byte[] dest) {
        try {
            Stat st = Posix.lstat(dest);
            if (st.fileType() == FileType.DIRECTORY) {
                throw new CofferException(BytePaths.display(dest) + " is a directory; refusing to replace it");
            }
            if (!o.overwrite()) {
                throw new CofferException(BytePaths.display(dest) + " exists", "use --overwrite to replace it");
            }
            Posix.unlink(dest);
        } catch (FsException e) {
            if (e.errno() != FsException.ENOENT) {
                throw e;
            }
        }
    }

    /** Small files read into one array, written by one writer task. */
    private static final class Batch {
        final ArchiveRef archive;
        final byte[] data;
        final List<FileEntry> files = new ArrayList<>();
        final List<byte[]> dests = new ArrayList<>();
        final List<Integer> offsets = new ArrayList<>();
        final java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        int used;

        Batch(ArchiveRef archive, byte[] data) {
            this.archive = archive;
            this.data = data;
        }
    }

    /**
     * Reads a small file whole into the current batch; a full batch goes to a writer thread. The parent
     * directory exists already (entries come in order); a hard link to the file waits for its batch, which is
     * remembered under {@code key} (null: no hard link points to the file); directory metadata is applied
     * after every write.
     */
    private void writeSmallFile(ArchiveRef archive, FileEntry f, byte[] dest, StreamReader payload, String key) {
        int size = (int) f.size();
        if (batch != null && (batch.used + size > batch.data.length || batch.files.size() >= BATCH_FILES)) {
            flushBatch();
        }
        if (batch == null) {
            writeBudget.acquireUninterruptibly(BATCH_BYTES);
            batch = new Batch(archive, batchBuffers.take(BATCH_BYTES));
        }
        try {
            payload.read(f.payloadOffset(), batch.data, batch.used, size);
        } catch (CorruptDataException e) {
            throw new CorruptDataException("archive " + archive.name() + ", file " + f.displayPath() + ": " + e.getMessage(), e);
        }
        batch.files.add(f);
        batch.dests.add(dest);
        batch.offsets.add(batch.used);
        batch.used += size;
        if (key != null) {
            pendingWrites.put(key, batch.done);
        }
    }

    /** Hands the current batch (if any) to a writer thread, which writes its files in order. */
    private void flushBatch() {
        Batch b = batch;
        if (b == null) {
            return;
        }
        batch = null;
        try {
            writers.execute(() -> {
                try {
                    for (int i = 0; i < b.files.size() && writeFailure == null && !aborted; i++) {
                        FileEntry f = b.files.get(i);
                        int off = b.offsets.get(i);
                        try {
                            writeWholeFile(b.archive, f, b.dests.get(i), b.data, off, (int) f.size());
                        } catch (FsException ex) {
                            fail(new CofferException("restoring " + f.displayPath() + " to "
                                    + BytePaths.display(b.dests.get(i)) + ": " + ex.getMessage()));
                        }
                    }
                } catch (RuntimeException ex) {
                    fail(ex);
                } catch (Error ex) { // the rest of the batch is not written: say so, and stop
                    fail(new CofferException("restoring stopped: " + ex));
                } finally {
                    finished(b);
                }
            });
        } catch (RuntimeException e) {
            finished(b);
            throw e;
        }
        writes.add(b.done);
    }

    /** A batch is done with (written, or never to be): its array and budget go back, its waiters go on. */
    private void finished(Batch b) {
        batchBuffers.give(b.data);
        writeBudget.release(BATCH_BYTES);
        b.done.complete(null);
    }

    private synchronized void fail(RuntimeException e) {
        if (writeFailure == null) {
            writeFailure = e;
        }
    }

    private void awaitWrite(java.util.concurrent.Future<?> w) {
        if (w == null) {
            return;
        }
        try {
            w.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CofferException("interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        if (writeFailure != null) {
            throw writeFailure;
        }
    }

    /** Whether {@code f} is created with its own mode, which it then has (see {@link NewEntries#givesExactly}). */
    private boolean createsExactly(FileEntry f) {
        return created != null && created.givesExactly(f.meta(), root);
    }

    /** Creates the file of {@code f} at {@code dest}, open for writing: with its own mode when {@code exact}, else 0600. */
    private int createFile(FileEntry f, byte[] dest, boolean exact) {
        return createReplacing(dest, exact ? f.meta().mode() & 07777 : 0600);
    }

    /**
     * Gives a written file its size when it ends in a hole ({@code end}: the end of the last byte written)
     * and checks its content against the SHA-256 recorded at backup.
     */
    private static void checkWritten(ArchiveRef archive, FileEntry f, int fd, long end, MessageDigest sha) {
        if (end < f.size()) {
            Posix.ftruncate(fd, f.size());
        }
        if (!MessageDigest.isEqual(sha.digest(), f.sha256())) {
            throw new CorruptDataException("archive " + archive.name() + ", file " + f.displayPath()
                    + ": restored content does not match the checksum recorded at backup");
        }
    }

    /**
     * Reads a file from the payload stream in pieces of {@link #BATCH_BYTES} (counted against the write
     * budget) and hands them to a {@link LargeFile}, which writes them on the writer threads, in order, while
     * this thread reads on. A hard link to the file waits for it under {@code key} (null: none does). When the
     * payload cannot be read, the part already written is removed before the error goes on.
     */
    private void writeLargeFile(ArchiveRef archive, FileEntry f, byte[] dest, StreamReader payload, String key) {
        LargeFile w = new LargeFile(archive, f, dest);
        try {
            for (long pos = 0; pos < f.size() && !w.failed(); ) {
                int n = (int) Math.min(BATCH_BYTES, f.size() - pos);
                writeBudget.acquireUninterruptibly(BATCH_BYTES);
                byte[] buf = batchBuffers.take(BATCH_BYTES);
                try {
                    payload.read(f.payloadOffset() + pos, buf, 0, n);
                } catch (RuntimeException | Error e) {
                    batchBuffers.give(buf);
                    writeBudget.release(BATCH_BYTES);
                    throw e;
                }
                w.piece(buf, n, pos);
                pos += n;
            }
        } catch (RuntimeException | Error e) {
            w.abandon();
            if (e instanceof CorruptDataException c) {
                throw new CorruptDataException("archive " + archive.name() + ", file " + f.displayPath() + ": "
                        + c.getMessage(), c);
            }
            throw e;
        }
        java.util.concurrent.CompletableFuture<Void> done = w.finish();
        writes.add(done);
        if (key != null) {
            pendingWrites.put(key, done);
        }
    }

    /**
     * A file written piece by piece on the writer threads: each step runs after the one before (so the
     * SHA-256 sees the bytes in order), and steps of other files run in between. A step that fails makes
     * the later ones skip their work; the last closes the file, and removes it unless it is complete and
     * matches its checksum, so that nothing half-written stays. Every step gives its piece back.
     */
    private final class LargeFile {
        private final ArchiveRef archive;
        private final FileEntry f;
        private final byte[] dest;
        private final boolean exact;
        private int fd = -1;
        private MessageDigest sha;
        private long end;
        private volatile RuntimeException failure;
        private java.util.concurrent.CompletableFuture<Void> chain;

        LargeFile(ArchiveRef archive, FileEntry f, byte[] dest) {
            this.archive = archive;
            this.f = f;
            this.dest = dest;
            this.exact = createsExactly(f);
            this.chain = java.util.concurrent.CompletableFuture.runAsync(() -> step(() -> {
                fd = createFile(f, dest, exact);
                sha = sha256();
            }), writers);
        }

        /** Whether reading more of it is pointless: a step failed, another write failed, or the restore stopped. */
        boolean failed() {
            return failure != null || writeFailure != null || aborted;
        }

        /** Runs {@code work} unless {@link #failed()}; keeps what it throws as this file's failure. */
        private void step(Runnable work) {
            if (failed()) {
                return;
            }
            try {
                work.run();
            } catch (FsException e) {
                failure = error(e.getMessage());
            } catch (RuntimeException e) {
                failure = e;
            } catch (Error e) { // out of memory, say: this file cannot be trusted, and the restore stops
                failure = error(e.toString());
            }
        }

        private CofferException error(String what) {
            return new CofferException("restoring " + f.displayPath() + " to " + BytePaths.display(dest) + ": " + what);
        }

        /** A failure of an earlier stage that escaped {@link #step} (it should not): this file's failure. */
        private void carry(Throwable ex) {
            if (ex != null && failure == null) {
                failure = error(ex.toString());
            }
        }

        /** Queues {@code buf[0..n)}, the bytes at {@code at}; the array and its budget go back when it is done. */
        void piece(byte[] buf, int n, long at) {
            chain = chain.handleAsync((v, ex) -> {
                try {
                    carry(ex);
                    step(() -> {
                        sha.update(buf, 0, n);
                        end = Math.max(end, writeSparse(fd, buf, 0, n, at));
                        stats.bytes.addAndGet(n);
                    });
                } finally {
                    batchBuffers.give(buf);
                    writeBudget.release(BATCH_BYTES);
                }
                return null;
            }, writers);
        }

        /** Queues the last step: size, checksum, metadata and close (or removal); returns when it is done. */
        java.util.concurrent.CompletableFuture<Void> finish() {
            chain = chain.handleAsync((v, ex) -> {
                boolean[] complete = {false};
                try {
                    carry(ex);
                    step(() -> {
                        checkWritten(archive, f, fd, end, sha);
                        complete[0] = true;
                        applyMeta(fd, dest, f.meta(), exact);
                    });
                } finally {
                    close(!complete[0]);
                    if (complete[0] && failure == null) {
                        stats.files.incrementAndGet();
                    }
                    if (failure != null && !aborted) {
                        fail(failure);
                    }
                }
                return null;
            }, writers);
            return chain;
        }

        /** After the reading thread's error: removes what was written, and waits for that. */
        void abandon() {
            chain = chain.handleAsync((v, ex) -> {
                close(true);
                return null;
            }, writers);
            awaitQuietly(chain);
        }

        private void close(boolean remove) {
            if (fd < 0) {
                return;
            }
            try {
                Posix.close(fd);
            } catch (FsException e) { // a file system that reports a failed write only now: not to be kept
                if (failure == null) {
                    failure = error(e.getMessage());
                }
                remove = true;
            }
            fd = -1;
            if (remove) {
                try {
                    Posix.unlink(dest);
                } catch (FsException ignored) {
                    // best effort: the error being reported matters more
                }
            }
        }
    }

    /**
     * Creates {@code dest}, writes {@code data[off..off+len)} into it (sparse), sets its size and checks the
     * SHA-256 recorded at backup, then sets its metadata through the open descriptor; on any failure the
     * partial file is removed, so nothing half-written stays.
     */
    private void writeWholeFile(ArchiveRef archive, FileEntry f, byte[] dest, byte[] data, int off, int len) {
        boolean exact = createsExactly(f);
        int fd = createFile(f, dest, exact);
        boolean ok = false;
        try {
            MessageDigest sha = sha256();
            sha.update(data, off, len);
            long end = writeSparse(fd, data, off, len, 0);
            stats.bytes.addAndGet(len);
            checkWritten(archive, f, fd, end, sha);
            ok = true;
            applyMeta(fd, dest, f.meta(), exact);
        } finally {
            Posix.close(fd);
            if (!ok) {
                try {
                    Posix.unlink(dest);
                } catch (FsException ignored) {
                    // best effort: the error being thrown matters more
                }
            }
        }
        stats.files.incrementAndGet();
    }

    /** Writes the non-zero blocks of {@code buf[off..off+len)} at {@code filePos}; the end of the last one, 0 if none. */
    private static long writeSparse(int fd, byte[] buf, int off, int len, long filePos) {
        long end = 0;
        int i = 0;
        while (i < len) {
            int blockEnd = Math.min(len, i + BLOCK);
            if (isZero(buf, off + i, off + blockEnd)) {
                i = blockEnd;
                continue;
            }
            int start = i;
            while (i < len) {
                int e = Math.min(len, i + BLOCK);
                if (isZero(buf, off + i, off + e)) {
                    break;
                }
                i = e;
            }
            Posix.pwriteFully(fd, buf, off + start, i - start, filePos + start);
            end = filePos + i;
        }
        return end;
    }

    private static boolean isZero(byte[] b, int from, int to) {
        return java.util.Arrays.mismatch(b, from, to, ZEROS, 0, to - from) < 0;
    }

    private static final byte[] ZEROS = new byte[BLOCK];

    /**
     * {@link #applyMeta(byte[], EntryMeta, boolean, boolean)} of a regular file this restore created and has
     * open for writing at {@code fd}; {@code exact}: it was created with its own mode, which it has (see
     * {@link NewEntries#givesExactly}). The owner comes first: a change of owner clears the setuid and setgid
     * bits and the file capability ({@code security.capability}), so the extended attributes and then the
     * mode are set after it. An owner or a mode the file already has is not set again.
     */
    private void applyMeta(int fd, byte[] dest, EntryMeta m, boolean exact) {
        if (root && (created == null || !created.owns(m))) {
            Posix.fchown(fd, m.uid(), m.gid(), dest);
        }
        for (Xattr x : m.xattrs()) {
            try {
                Posix.setXattr(fd, x.name(), x.value(), dest);
            } catch (FsException e) {
                warning("could not restore extended attribute " + BytePaths.display(x.name()) + " of "
                        + BytePaths.display(dest) + ": " + e.getMessage());
            }
        }
        if (!exact) {
            Posix.fchmod(fd, m.mode() & 07777, dest);
        }
        Posix.setTimes(fd, m.mtimeSec(), m.mtimeNsec(), m.mtimeSec(), m.mtimeNsec(), dest);
    }

    /**
     * Owner (as root), extended attributes, mode (not of a symlink) and times, in that order (see above);
     * {@code createdHere}: the restore created the entry, so an owner it already has is not set again.
     */
    private void applyMeta(byte[] dest, EntryMeta m, boolean symlink, boolean createdHere) {
        if (root && !(createdHere && created != null && created.owns(m))) {
            Posix.lchown(dest, m.uid(), m.gid());
        }
        for (Xattr x : m.xattrs()) {
            try {
                Posix.setXattr(dest, x.name(), x.value());
            } catch (FsException e) {
                warning("could not restore extended attribute " + BytePaths.display(x.name()) + " of "
                        + BytePaths.display(dest) + ": " + e.getMessage());
            }
        }
        if (!symlink) {
            Posix.chmod(dest, m.mode() & 07777);
        }
        Posix.setTimes(dest, m.mtimeSec(), m.mtimeNsec(), m.mtimeSec(), m.mtimeNsec(), true);
    }

    /**
     * What an entry created in the target gets without being told (design.md 10), so that the restore need
     * not set it again: one system call less per file for the owner as root, and one for the mode.
     * Known only when the target was created by this restore or was empty, so that no directory below it
     * predates the restore (an existing one could have a setgid bit or a default ACL of its own); the
     * directories the restore creates stay 0700, without ACLs, until their contents are done.
     *
     * @param uid   the owner a new entry gets
     * @param gid   the group a new entry gets: the restoring user's, the target's when it is setgid, or
     *              whatever the file system decides (a {@code grpid} mount gives the parent's)
     * @param umask the umask, or -1 when it is not known to decide the mode of new files alone (a default
     *              ACL on the target, or a file system that applies a mode of its own, as an NFSv4 server may)
     */
    record NewEntries(long uid, long gid, int umask) {
        private static final byte[] DEFAULT_ACL = BytePaths.of("system.posix_acl_default");

        /**
         * Asks the file system itself: creates a probe file in the target with mode 0777 and looks at what it
         * got (owner, group, mode), then removes it. Null when the target is not fresh or the probe fails.
         */
        static NewEntries in(byte[] target, boolean fresh) {
            if (!fresh) {
                return null;
            }
            byte[] probe = BytePaths.join(target, BytePaths.of(".coffer-probe-"
                    + java.util.HexFormat.of().toHexDigits(java.util.concurrent.ThreadLocalRandom.current().nextLong())));
            int fd;
            try {
                fd = Posix.createFile(probe, 0777, true, false);
            } catch (FsException e) {
                return null;
            }
            try {
                Stat st = Posix.fstat(fd);
                int umask = Posix.umask();
                boolean umaskDecides = umask >= 0 && st.mode() == (0777 & ~umask) && !hasDefaultAcl(target);
                return new NewEntries(st.uid(), st.gid(), umaskDecides ? umask : -1);
            } catch (FsException e) {
                return null;
            } finally {
                Posix.close(fd);
                try {
                    Posix.unlink(probe);
                } catch (FsException ignored) {
                    // the restore goes on; the probe is an empty file in the target
                }
            }
        }

        private static boolean hasDefaultAcl(byte[] dir) {
            try {
                Posix.getXattr(dir, DEFAULT_ACL);
                return true;
            } catch (FsException e) {
                // none, or no ACLs on this filesystem; any other answer counts as one, which is only slower
                return e.errno() != FsException.ENODATA && e.errno() != FsException.ENOTSUP;
            }
        }

        boolean owns(EntryMeta m) {
            return m.uid() == uid && m.gid() == gid;
        }

        /**
         * Whether a regular file created with its own permission bits ends up with exactly them, and may be
         * created so: no setuid, setgid or sticky bit (a later chown would clear them), none that the umask
         * removes, no extended attributes (an access ACL changes the mode), and, as root, the owner it gets
         * by itself (otherwise it is created 0600 until its owner is set, so that nobody else reads it first).
         */
        boolean givesExactly(EntryMeta m, boolean root) {
            int perm = m.mode() & 07777;
            return umask >= 0 && (perm & 07000) == 0 && (perm & umask) == 0 && m.xattrs().isEmpty()
                    && (!root || owns(m));
        }
    }

    private void warning(String message) {
        stats.warnings.incrementAndGet();
        o.warnings().accept(message);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- images

    /** Closes a descriptor while another error is on its way. */
    private static void closeAfterFailure(int fd) {
        try {
            Posix.close(fd);
        } catch (FsException ignored) {
            // the error being thrown matters more
        }
    }

    /** The error for a write to an image's target that failed: what was being done, and what is left. */
    private static CofferException imageWriteFailed(ArchiveRef archive, byte[] target, boolean device, boolean replaced,
            FsException e) {
        String hint;
        if (device) {
            hint = "the device now holds part of the image; restore again once the cause is mended";
        } else {
            hint = "the partly written file was removed" + (replaced ? ", and so was the file it replaced" : "");
            if (e.errno() == FsException.ENOSPC || e.errno() == FsException.EDQUOT) {
                hint += "; make room there, or restore to another place";
            } else if (e.errno() == FsException.EFBIG) {
                hint += "; this file system cannot hold a file this large: restore to another one";
            }
        }
        return new CofferException("restoring image " + archive.name() + " to " + BytePaths.display(target) + ": "
                + e.getMessage(), hint, e);
    }

    /**
     * What an image restore finds at its target: null when nothing is there; for a symlink, BLOCK_DEVICE when
     * it leads to one (device names such as /dev/mapper/… are symlinks), otherwise SYMLINK.
     */
    private static FileType targetType(byte[] target) {
        Stat st;
        try {
            st = Posix.lstat(target);
        } catch (FsException e) {
            if (e.errno() == FsException.ENOENT) {
                return null;
            }
            throw e;
        }
        if (st.fileType() != FileType.SYMLINK) {
            return st.fileType();
        }
        try {
            return Posix.stat(target).fileType() == FileType.BLOCK_DEVICE ? FileType.BLOCK_DEVICE : FileType.SYMLINK;
        } catch (FsException e) {
            return FileType.SYMLINK; // dangling, or a loop
        }
    }

    /** Whether image chunk i is a whole chunk of zeros (restored as a hole in a file). */
    private static boolean isHole(Index index, int i, ChunkId zero) {
        return index.end(i) - index.start(i) == index.fixedChunkSize() && index.id(i).equals(zero);
    }

    private void restoreImage(ArchiveRef archive, byte[] target) {
        Index index = snap.index(archive, "image");
        stats.expectedBytes = index.size();
        FileType existing = targetType(target);
        if (existing == FileType.DIRECTORY) {
            throw new CofferException("restore target " + BytePaths.display(target) + " is a directory",
                    "an image restores to a file: give a file name as TARGET");
        }
        if (existing == FileType.CHAR_DEVICE || existing == FileType.FIFO || existing == FileType.SOCKET) {
            String what = switch (existing) {
                case CHAR_DEVICE -> "character device";
                case FIFO -> "FIFO";
                default -> "socket";
            };
            throw new CofferException("restore target " + BytePaths.display(target) + " is a " + what
                    + "; nothing was written", "an image restores to a file or a block device");
        }
        boolean device = existing == FileType.BLOCK_DEVICE;
        if (existing != null && !device && !o.overwrite()) {
            throw new CofferException("restore target " + BytePaths.display(target) + " exists; nothing was written",
                    "use --overwrite to replace it");
        }
        ChunkId zero = index.chunkCount() > 0 ? snap.codec().idOf(new byte[index.fixedChunkSize()], 0,
                index.fixedChunkSize()) : null;
        boolean replaced = false;
        int fd;
        if (device) {
            try {
                fd = Posix.openDeviceExclusive(target);
            } catch (FsException e) {
                if (e.errno() == FsException.EBUSY) {
                    throw new CofferException("block device " + BytePaths.display(target) + " is in use (mounted, or "
                            + "held open by another program); nothing was written",
                            "unmount it, or stop what holds it, and restore again", e);
                }
                if (e.errno() == FsException.ENOTBLK) {
                    throw new CofferException("restore target " + BytePaths.display(target) + " was a block device "
                            + "and is now something else; nothing was written", "check what it names, and restore again", e);
                }
                throw e;
            }
        } else {
            if (existing != null) {
                Posix.unlink(target); // a file, or a symlink to anything but a block device: replaced, not followed
                replaced = true;
            }
            fd = Posix.createFile(target, 0600, true, false);
        }
        if (device) {
            long capacity;
            try {
                capacity = Posix.lseek(fd, 0, Posix.SEEK_END);
            } catch (FsException e) {
                closeAfterFailure(fd);
                throw e;
            }
            if (capacity < index.size()) {
                closeAfterFailure(fd);
                throw new CofferException("block device " + BytePaths.display(target) + " holds " + capacity
                        + " bytes, image " + archive.name() + " has " + index.size() + "; nothing was written",
                        "restore onto a device at least as large, or into a file");
            }
        }
        boolean ok = false;
        // each decoded chunk is copied out at once, so the threads decode ahead and the cache keeps nothing behind
        int ahead = Math.max(2, o.threads());
        StreamReader reader = new StreamReader(snap.repository(), snap.ref(), snap.codec(), index, pool, ahead, buffers)
                .forWholeChunks();
        for (int i = 0; i < index.chunkCount(); i++) { // read-ahead skips the holes, which are never fetched
            if (device || !isHole(index, i, zero)) {
                reader.plan(index.start(i), index.end(i) - index.start(i));
            }
        }
        try {
            try (ImageWriter out = new ImageWriter(fd, !device, index.fixedChunkSize(), ahead, stats.bytes)) {
                for (int i = 0; i < index.chunkCount(); i++) {
                    long start = index.start(i);
                    if (!device && isHole(index, i, zero)) {
                        stats.bytes.addAndGet(index.fixedChunkSize());
                        continue; // a hole
                    }
                    byte[] data;
                    try {
                        data = reader.chunk(i);
                    } catch (CorruptDataException e) {
                        throw new CorruptDataException("archive " + archive.name() + ", offset " + start + ": "
                                + e.getMessage(), e);
                    }
                    out.write(data, reader.chunkLength(i), start);
                }
                out.finish();
            }
            if (!device) {
                Posix.ftruncate(fd, index.size());
            }
            Posix.fsync(fd);
            ok = true;
        } catch (FsException e) {
            throw imageWriteFailed(archive, target, device, replaced, e);
        } finally {
            FsException closing = null;
            try {
                Posix.close(fd);
            } catch (FsException e) { // a file system that reports a failed write only now
                closing = e;
            }
            if ((!ok || closing != null) && !device) {
                try {
                    Posix.unlink(target);
                } catch (FsException ignored) {
                    // best effort
                }
            }
            if (ok && closing != null) {
                throw imageWriteFailed(archive, target, device, replaced, closing);
            }
        }
        stats.files.incrementAndGet();
    }
}
