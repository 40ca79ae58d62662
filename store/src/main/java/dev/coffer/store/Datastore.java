package dev.coffer.store;

import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.ChunkId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A datastore on local disk: content-addressed chunks and a tree of snapshots (design.md section 8).
 * It stores blobs, indexes and manifests as opaque bytes and never holds a key.
 *
 * <p>Thread-safe. Chunks may be inserted from many threads at once, and several {@link SnapshotWriter}s
 * (in this and other processes) may be open at the same time. Every change is atomic and durable: a
 * reader never sees a partly written chunk, file or snapshot, and a crash leaves at most temporary
 * entries that are never listed and are cleaned up later.
 *
 * <p>Chunks belong between {@link #beginSnapshot} and {@link SnapshotWriter#commit()}: garbage collection
 * keeps every chunk stored or touched since the oldest live writer began ({@link #oldestLiveWriterStart}),
 * so none is removed before the snapshot that refers to it is committed.
 */
public final class Datastore implements AutoCloseable {
    /** The marker file that makes a directory a datastore. */
    public static final String MARKER = ".coffer-datastore";
    /** The lock file, at the root and in every group directory. */
    public static final String LOCK = ".lock";
    /** The directory of chunk files. */
    public static final String CHUNKS = ".chunks";
    /** The largest blob a datastore accepts or returns: 64 MiB of payload plus 64 bytes of framing. */
    public static final int MAX_BLOB_SIZE = 64 * 1024 * 1024 + 64;

    static final String WRITER_LOCK = ".writer.lock";
    static final String TRASH_PREFIX = ".trash-";
    private static final String NOT_FOUND_HINT =
            "check --repository / COFFER_REPOSITORY, or create one by running a backup";
    private static final Set<PosixFilePermission> ROOT_PERMS = PosixFilePermissions.fromString("rwx------");
    private static final int MAX_SYNC_THREADS = 16;
    /** The largest snapshot file {@link #readSnapshotFile} reads into memory. */
    private static final long MAX_SNAPSHOT_FILE = Integer.MAX_VALUE - 64;

    private final Path root;
    private final Path chunksDir;
    private final Path lockFile;
    /** Chunk directories with entries that may not be durable yet. */
    private final Set<Path> dirtyDirs = ConcurrentHashMap.newKeySet();
    /**
     * Read side: held by an insert from the moment its chunk can be seen until its directory is in
     * {@link #dirtyDirs}. Write side: held while {@link #syncDirtyChunkDirs} takes the set, so that no
     * chunk another thread can already see escapes the sync.
     */
    private final ReentrantReadWriteLock dirtyGate = new ReentrantReadWriteLock();
    /** The wall clock in milliseconds; tests replace it to step the clock back. */
    volatile java.util.function.LongSupplier clock = System::currentTimeMillis;
    /** Each live writer's start as this process knows it: see {@link #useTimeMillis()}. */
    private final Map<SnapshotWriter, Long> writerFloors = new ConcurrentHashMap<>();
    /** How far a new chunk's time may lag the floor before it is set explicitly (below the collector's slack of 1 s). */
    private static final long RESTAMP_LAG_MILLIS = 500;
    /** Serialises syncs, so that a sync returns only after every directory taken before it is durable. */
    private final ReentrantLock syncMutex = new ReentrantLock();
    private final Set<SnapshotWriter> openWriters = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private Datastore(Path root) {
        this.root = root;
        this.chunksDir = root.resolve(CHUNKS);
        this.lockFile = root.resolve(LOCK);
    }

    /**
     * Creates a datastore at {@code root}, with any missing parent directories; the root directory gets
     * mode 0700. An existing datastore is opened instead. An existing empty directory is made a
     * datastore (its mode is left alone).
     *
     * @throws CofferException if {@code root} is a file, or a non-empty directory that is not a datastore
     */
    public static Datastore create(Path root) {
        Path dir = root.toAbsolutePath().normalize();
        if (Files.isDirectory(dir)) {
            if (Files.exists(dir.resolve(MARKER), LinkOption.NOFOLLOW_LINKS)) {
                return open(dir);
            }
            if (!onlyLeftoversOfCreate(dir)) {
                throw new CofferException(dir + " is not empty and not a Coffer datastore",
                        "choose an empty directory or a path that does not exist yet");
            }
        } else if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new CofferException(dir + " exists and is not a directory",
                    "choose an empty directory or a path that does not exist yet");
        } else {
            AtomicFiles.createDirectories(dir.getParent());
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(ROOT_PERMS));
                Files.setPosixFilePermissions(dir, ROOT_PERMS);
            } catch (FileAlreadyExistsException e) {
                return create(dir);
            } catch (IOException e) {
                throw IoErrors.fail("cannot create datastore " + dir, e);
            }
            AtomicFiles.fsyncDir(dir.getParent());
        }
        try {
            Files.createDirectories(dir.resolve(CHUNKS));
            // createFile never opens an existing file, so it cannot disturb a lock held in this JVM
            Files.createFile(dir.resolve(LOCK));
        } catch (FileAlreadyExistsException e) {
            // created by an earlier, interrupted or concurrent create
        } catch (IOException e) {
            throw IoErrors.fail("cannot create datastore " + dir, e);
        }
        AtomicFiles.fsyncDir(dir);
        // the marker comes last: a directory is a datastore once it has one
        AtomicFiles.write(dir.resolve(MARKER), Marker.encode(Instant.now()), null);
        return open(dir);
    }

    /** Whether a directory holds nothing but what an interrupted {@link #create} leaves. */
    private static boolean onlyLeftoversOfCreate(Path dir) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                boolean leftover = switch (name) {
                    case CHUNKS -> Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS) && isEmptyDir(entry);
                    case LOCK -> Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS);
                    default -> name.startsWith(AtomicFiles.TEMP_PREFIX)
                            && Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS);
                };
                if (!leftover) {
                    return false;
                }
            }
            return true;
        } catch (IOException | DirectoryIteratorException e) {
            IOException io = e instanceof IOException x ? x : ((DirectoryIteratorException) e).getCause();
            throw IoErrors.fail("cannot read directory " + dir, io);
        }
    }

    private static boolean isEmptyDir(Path dir) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return !entries.iterator().hasNext();
        }
    }

    /**
     * Opens an existing datastore.
     *
     * @throws RepositoryNotFoundException if {@code root} does not exist or is not a datastore
     * @throws CorruptDataException if its marker cannot be parsed or {@code .chunks} is missing
     * @throws CofferException if the marker is of a format version this code does not support
     */
    public static Datastore open(Path root) {
        Path dir = root.toAbsolutePath().normalize();
        if (!Files.exists(dir)) {
            throw new RepositoryNotFoundException("no datastore at " + dir, NOT_FOUND_HINT);
        }
        Path marker = dir.resolve(MARKER);
        try {
            if (!Files.isDirectory(dir)
                    || !Files.readAttributes(marker, BasicFileAttributes.class).isRegularFile()) {
                throw notADatastore(dir);
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            throw notADatastore(dir);
        } catch (IOException e) {
            throw IoErrors.fail("cannot open datastore " + dir, e);
        }
        checkMarker(dir, marker);
        Path real;
        try {
            real = dir.toRealPath();
        } catch (IOException e) {
            throw IoErrors.fail("cannot open datastore " + dir, e);
        }
        if (!Files.isDirectory(real.resolve(CHUNKS), LinkOption.NOFOLLOW_LINKS)) {
            throw new CorruptDataException("datastore " + real + " is damaged: its " + CHUNKS
                    + " directory is missing");
        }
        return new Datastore(real);
    }

    private static RepositoryNotFoundException notADatastore(Path dir) {
        return new RepositoryNotFoundException(dir + " is not a Coffer datastore",
                "check --repository / COFFER_REPOSITORY");
    }

    private static void checkMarker(Path dir, Path marker) {
        byte[] bytes;
        try (FileChannel ch = FileChannel.open(marker, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Marker.MAX_SIZE) {
                throw new CorruptDataException(marker + " is corrupt: it has " + size + " bytes");
            }
            bytes = readFully(ch, (int) size);
            if (bytes == null) {
                throw new CorruptDataException(marker + " is corrupt: it shrank while being read");
            }
        } catch (IOException e) {
            throw IoErrors.fail("cannot read " + marker, e);
        }
        Map<String, Object> members;
        try {
            members = Marker.parse(bytes);
        } catch (IllegalArgumentException e) {
            throw new CorruptDataException(marker + " is corrupt: not a JSON object (" + e.getMessage() + ")");
        }
        if (!Marker.FORMAT.equals(members.get("format"))) {
            throw new CorruptDataException(marker + " is corrupt: \"format\" is not \"" + Marker.FORMAT + "\"");
        }
        if (!(members.get("version") instanceof Long version)) {
            throw new CorruptDataException(marker + " is corrupt: \"version\" is missing or not an integer");
        }
        if (version != Marker.VERSION) {
            throw new CofferException("datastore " + dir + " has format version " + version
                    + ", which this version of Coffer cannot use", "upgrade Coffer");
        }
    }

    /** The datastore's directory (its real path, symbolic links resolved). */
    public Path root() {
        return root;
    }

    // ---------------------------------------------------------------- chunks

    private Path chunkDir(ChunkId id) {
        return chunksDir.resolve(id.hex().substring(0, 4));
    }

    /** The file that holds a chunk: {@code .chunks/<first 4 hex>/<64 hex>} (whether or not it exists). */
    public Path chunkPath(ChunkId id) {
        String hex = id.hex();
        return chunksDir.resolve(hex.substring(0, 4)).resolve(hex);
    }

    /** Whether the datastore holds the chunk. */
    public boolean hasChunk(ChunkId id) {
        ensureOpen();
        try {
            return Files.readAttributes(chunkPath(id), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .isRegularFile();
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw IoErrors.fail("cannot look up chunk " + id.hex() + " in " + root, e);
        }
    }

    /**
     * Stores a chunk's blob unless the chunk is already stored; an existing chunk file is never
     * rewritten. The new file is durable when this returns; its directory entry becomes durable at the
     * next {@link #syncDirtyChunkDirs()}.
     *
     * @return true if this call stored the chunk, false if it was already there
     */
    public boolean insertChunk(ChunkId id, byte[] blob, int off, int len) {
        return writeChunk(id, blob, off, len, true).finish(); // fsynced through the channel that wrote it
    }

    /**
     * The first half of {@link #insertChunk}: writes the blob to a temporary file in the chunk's directory
     * (so {@code blob} may be reused when this returns), without waiting for the disk. {@link
     * PendingChunk#finish()}, on any thread, then fsyncs it and links it into place: a chunk file never
     * becomes visible under its name before its contents are durable, so that a crash cannot leave a named
     * chunk with missing data for later backups to deduplicate against.
     */
    public PendingChunk writeChunk(ChunkId id, byte[] blob, int off, int len) {
        return writeChunk(id, blob, off, len, false);
    }

    private PendingChunk writeChunk(ChunkId id, byte[] blob, int off, int len, boolean sync) {
        ensureOpen();
        Objects.checkFromIndexSize(off, len, blob.length);
        String hex = id.hex();
        if (len > MAX_BLOB_SIZE) {
            throw new CofferException("chunk " + hex + " is too large to store: " + len + " bytes, at most "
                    + MAX_BLOB_SIZE);
        }
        Path dir = chunkDir(id);
        if (hasChunk(id) && touchChunk(id)) {
            // touched like any reused chunk (its mtime may predate a running garbage collection's cutoff: a
            // writer whose link came late), and its directory synced at commit (that writer may never do it)
            return new PendingChunk(id, dir, null, null);
        }
        String what = cannotStore(id);
        ensureChunkDir(dir, what);
        if (sync) {
            return new PendingChunk(id, dir, AtomicFiles.writeTemp(dir, blob, off, len, null, what), null);
        }
        AtomicFiles.OpenTemp t = AtomicFiles.writeTempOpen(dir, blob, off, len, what);
        return new PendingChunk(id, dir, t.path(), t.channel());
    }

    private String cannotStore(ChunkId id) {
        return "cannot store chunk " + id.hex() + " in " + root;
    }

    /** A chunk written by {@link #writeChunk}, not yet durable or visible (unless it was there already). */
    public final class PendingChunk {
        private final ChunkId id;
        private final Path dir;
        private final Path tmp;
        /**
         * The channel that wrote the temporary file, open until {@link #finish} fsyncs through it (so that a
         * write-back error is reported to this writer, not lost with a closed descriptor); null when the
         * contents are durable already.
         */
        private final java.nio.channels.FileChannel unsynced;

        private PendingChunk(ChunkId id, Path dir, Path tmp, java.nio.channels.FileChannel unsynced) {
            this.id = id;
            this.dir = dir;
            this.tmp = tmp;
            this.unsynced = unsynced;
        }

        /** Whether the datastore had the chunk already (nothing was written, and {@link #finish} does nothing). */
        public boolean existed() {
            return tmp == null;
        }

        /**
         * Makes the chunk durable and links it into place; true if this stored it, false if it was there (or
         * another writer linked the same chunk first). The temporary file is removed either way.
         */
        public boolean finish() {
            if (tmp == null) {
                return false;
            }
            String what = cannotStore(id);
            try {
                if (unsynced != null) {
                    try (unsynced) {
                        unsynced.force(true);
                    }
                }
                long floor = liveWriterFloor();
                if (floor != Long.MIN_VALUE
                        && Files.getLastModifiedTime(tmp, LinkOption.NOFOLLOW_LINKS).toMillis() < floor - RESTAMP_LAG_MILLIS) {
                    // the clock went back after a writer began: the new chunk must not look older than that start
                    Files.setLastModifiedTime(tmp, java.nio.file.attribute.FileTime.fromMillis(useTimeMillis()));
                }
                dirtyGate.readLock().lock();
                try {
                    boolean written = link();
                    dirtyDirs.add(dir);
                    return written;
                } finally {
                    dirtyGate.readLock().unlock();
                }
            } catch (UnsupportedOperationException e) {
                throw new CofferException(what + ": the file system does not support hard links",
                        "put the datastore on a local Linux file system such as ext4, XFS or btrfs", e);
            } catch (IOException e) {
                throw IoErrors.fail(what, e);
            } finally {
                AtomicFiles.deleteQuietly(tmp);
            }
        }

        /**
         * Links the temporary file under the chunk's name; when another writer linked the chunk first, touches
         * theirs instead, as a reused chunk (its mtime is that writer's and may predate a running garbage
         * collection's cutoff), or links this one after all if a collection removed theirs meanwhile.
         */
        private boolean link() throws IOException {
            Path name = dir.resolve(id.hex());
            for (int attempt = 1; ; attempt++) {
                try {
                    Files.createLink(name, tmp);
                    return true;
                } catch (FileAlreadyExistsException e) {
                    if (touchChunk(id)) {
                        return false;
                    }
                    // removed between the two calls, or something that is not a chunk file (a dangling symlink)
                    if (attempt == 3 || Files.exists(name, LinkOption.NOFOLLOW_LINKS)) {
                        throw new CofferException(cannotStore(id) + ": " + name + " is in the way and is not a chunk file",
                                "move it out of the datastore; 'coffer verify' then reports any snapshot that needs the chunk",
                                e);
                    }
                }
            }
        }

        /** Drops a chunk that will not be finished (its temporary file is removed). */
        public void abandon() {
            if (unsynced != null) {
                try {
                    unsynced.close();
                } catch (IOException e) {
                    // the file is deleted next: nothing of it matters
                }
            }
            if (tmp != null) {
                AtomicFiles.deleteQuietly(tmp);
            }
        }
    }

    private void ensureChunkDir(Path dir, String what) {
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        dirtyGate.readLock().lock();
        try {
            Files.createDirectory(dir);
            dirtyDirs.add(chunksDir);
        } catch (FileAlreadyExistsException e) {
            // another thread or process created it
        } catch (IOException e) {
            throw IoErrors.fail(what, e);
        } finally {
            dirtyGate.readLock().unlock();
        }
    }

    /** Chunk directories to sync at the next {@link #syncDirtyChunkDirs()} (for tests). */
    int dirtyChunkDirCount() {
        return dirtyDirs.size();
    }

    private void markDirty(Path dir) {
        dirtyGate.readLock().lock();
        try {
            dirtyDirs.add(dir);
        } finally {
            dirtyGate.readLock().unlock();
        }
    }

    /**
     * Reads a chunk's blob.
     *
     * @throws ChunkMissingException if the datastore does not hold it
     * @throws CorruptDataException if the file is larger than any blob can be
     */
    public byte[] readChunk(ChunkId id) {
        byte[][] out = new byte[1][];
        readChunkInto(id, n -> out[0] = new byte[n]);
        return out[0];
    }

    /**
     * Reads a chunk's blob into an array of at least its size from {@code arrays} (called once, with the size);
     * returns the size. The blob is {@code array[0..size)}.
     *
     * @throws ChunkMissingException if the datastore does not hold it
     * @throws CorruptDataException if the file is larger than any blob can be, or shrank while being read
     */
    public int readChunkInto(ChunkId id, java.util.function.IntFunction<byte[]> arrays) {
        ensureOpen();
        String hex = id.hex();
        try (FileChannel ch = FileChannel.open(chunkPath(id), StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > MAX_BLOB_SIZE) {
                throw new CorruptDataException("chunk " + hex + " is corrupt: it has " + size
                        + " bytes, more than any blob");
            }
            byte[] blob = arrays.apply((int) size);
            if (!readFully(ch, blob, (int) size)) {
                throw new CorruptDataException("chunk " + hex + " is corrupt: it shrank while being read");
            }
            return (int) size;
        } catch (NoSuchFileException e) {
            throw new ChunkMissingException(id);
        } catch (IOException e) {
            throw IoErrors.fail("cannot read chunk " + hex + " from " + root, e);
        }
    }

    /**
     * The size in bytes of a chunk's blob.
     *
     * @throws ChunkMissingException if the datastore does not hold it
     */
    public long chunkSize(ChunkId id) {
        ensureOpen();
        try {
            return Files.readAttributes(chunkPath(id), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).size();
        } catch (NoSuchFileException e) {
            throw new ChunkMissingException(id);
        } catch (IOException e) {
            throw IoErrors.fail("cannot look up chunk " + id.hex() + " in " + root, e);
        }
    }

    /**
     * Calls {@code action} with the id of every stored chunk, in no particular order (grouped by their
     * first four hex digits, in ascending order of those). Temporary files are skipped. Chunks inserted
     * or removed meanwhile may or may not be reported.
     */
    public void forEachChunk(Consumer<ChunkId> action) {
        ensureOpen();
        List<String> prefixes = listNames(chunksDir, Datastore::isChunkPrefix);
        Collections.sort(prefixes);
        for (String prefix : prefixes) {
            Path dir = chunksDir.resolve(prefix);
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path entry : entries) {
                    String name = entry.getFileName().toString();
                    if (name.length() == 2 * ChunkId.LENGTH && name.startsWith(prefix) && ChunkId.isValidHex(name)) {
                        action.accept(ChunkId.parse(name));
                    }
                }
            } catch (NoSuchFileException | NotDirectoryException e) {
                // removed meanwhile, or not a directory at all
            } catch (IOException e) {
                throw IoErrors.fail("cannot list chunks in " + dir, e);
            } catch (DirectoryIteratorException e) {
                throw IoErrors.fail("cannot list chunks in " + dir, e.getCause());
            }
        }
    }

    private static boolean isChunkPrefix(String name) {
        if (name.length() != 4) {
            return false;
        }
        for (int i = 0; i < 4; i++) {
            char c = name.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Makes durable the directory entries of every chunk that was stored, found present or touched since
     * the last call (from any thread), including new chunk directories. When it returns, every
     * such chunk survives a crash. If it fails, the directories stay pending for the next call.
     */
    public void syncDirtyChunkDirs() {
        ensureOpen();
        syncMutex.lock();
        try {
            List<Path> dirs;
            dirtyGate.writeLock().lock();
            try {
                dirs = new ArrayList<>(dirtyDirs);
                dirtyDirs.clear();
            } finally {
                dirtyGate.writeLock().unlock();
            }
            if (dirs.isEmpty()) {
                return;
            }
            try {
                fsyncAll(dirs);
            } catch (RuntimeException e) {
                dirtyDirs.addAll(dirs);
                throw e;
            }
        } finally {
            syncMutex.unlock();
        }
    }

    /** fsyncs directories, several at once: file systems batch concurrent syncs into one journal commit. */
    private static void fsyncAll(List<Path> dirs) {
        int threads = Math.min(MAX_SYNC_THREADS, (dirs.size() + 15) / 16);
        AtomicInteger next = new AtomicInteger();
        AtomicReference<CofferException> failure = new AtomicReference<>();
        Runnable worker = () -> {
            for (int i; failure.get() == null && (i = next.getAndIncrement()) < dirs.size(); ) {
                try {
                    AtomicFiles.fsyncDir(dirs.get(i));
                } catch (CofferException e) {
                    failure.compareAndSet(null, e);
                }
            }
        };
        List<Thread> helpers = new ArrayList<>();
        for (int i = 1; i < threads; i++) {
            helpers.add(Thread.ofPlatform().daemon().name("coffer-dirsync-" + i).start(worker));
        }
        worker.run();
        boolean interrupted = false;
        for (Thread t : helpers) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    /** The directories the next {@link #syncDirtyChunkDirs()} will sync. */
    Set<Path> pendingSyncDirs() {
        return Set.copyOf(dirtyDirs);
    }

    // ---------------------------------------------------------------- snapshots

    private Path namespaceDir(String ns) {
        BackupGroup.validateNamespace(ns);
        return ns.isEmpty() ? root : root.resolve(BackupGroup.namespacePath(ns));
    }

    private Path groupDir(BackupGroup group) {
        return root.resolve(group.path());
    }

    /** The groups of a namespace (not of namespaces below it) that have at least one snapshot, sorted. */
    public List<BackupGroup> groups(String ns) {
        ensureOpen();
        Path nsDir = namespaceDir(ns);
        List<BackupGroup> groups = new ArrayList<>();
        for (String type : BackupGroup.TYPES) {
            for (String id : listNames(nsDir.resolve(type), Names::isName)) {
                BackupGroup group = new BackupGroup(ns, type, id);
                if (!snapshots(group).isEmpty()) {
                    groups.add(group);
                }
            }
        }
        Collections.sort(groups);
        return groups;
    }

    /** The snapshots of every group of a namespace (not of namespaces below it), by group and time. */
    public List<SnapshotRef> snapshots(String ns) {
        ensureOpen();
        List<SnapshotRef> all = new ArrayList<>();
        for (BackupGroup group : groups(ns)) {
            all.addAll(snapshots(group));
        }
        return all;
    }

    /** The finished snapshots of a group, oldest first; snapshots being written are never listed. */
    public List<SnapshotRef> snapshots(BackupGroup group) {
        ensureOpen();
        List<SnapshotRef> list = new ArrayList<>();
        for (String name : listNames(groupDir(group), n -> SnapshotRef.tryParseTime(n) != null)) {
            list.add(new SnapshotRef(group, SnapshotRef.tryParseTime(name)));
        }
        Collections.sort(list);
        return list;
    }

    /** The directory of a snapshot (which need not exist). */
    public Path snapshotDir(SnapshotRef snapshot) {
        return root.resolve(snapshot.path());
    }

    /**
     * Reads one file of a snapshot.
     *
     * @throws SnapshotNotFoundException if the snapshot does not exist
     * @throws CorruptDataException if the snapshot has no such file
     * @throws CofferException if {@code fileName} is not a valid snapshot file name
     */
    public byte[] readSnapshotFile(SnapshotRef snapshot, String fileName) {
        ensureOpen();
        Names.checkFileName(fileName);
        Path dir = snapshotDir(snapshot);
        if (!Files.isDirectory(dir)) {
            throw new SnapshotNotFoundException(snapshot);
        }
        Path file = dir.resolve(fileName);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            if (size > MAX_SNAPSHOT_FILE) {
                throw new CorruptDataException("snapshot " + snapshot + ": " + fileName + " is too large to read ("
                        + size + " bytes)");
            }
            byte[] data = readFully(ch, (int) size);
            if (data == null) {
                throw new CorruptDataException("snapshot " + snapshot + ": " + fileName + " shrank while being read");
            }
            return data;
        } catch (NoSuchFileException e) {
            if (!Files.isDirectory(dir)) {
                throw new SnapshotNotFoundException(snapshot);
            }
            throw new CorruptDataException("snapshot " + snapshot + ": " + fileName + " is missing");
        } catch (IOException e) {
            throw IoErrors.fail("cannot read " + fileName + " of snapshot " + snapshot, e);
        }
    }

    /** The names of a snapshot's files, sorted. */
    public List<String> snapshotFiles(SnapshotRef snapshot) {
        ensureOpen();
        Path dir = snapshotDir(snapshot);
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (Names.isFileName(name) && Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
                    names.add(name);
                }
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            throw new SnapshotNotFoundException(snapshot);
        } catch (IOException e) {
            throw IoErrors.fail("cannot list snapshot " + snapshot, e);
        } catch (DirectoryIteratorException e) {
            throw IoErrors.fail("cannot list snapshot " + snapshot, e.getCause());
        }
        Collections.sort(names);
        return names;
    }

    /**
     * Starts writing a snapshot of {@code group}. The writer holds the datastore lock shared until it is
     * closed, so garbage collection cannot run meanwhile.
     *
     * <p>The snapshot's time is {@code time} (to the second) unless the group already has a snapshot,
     * finished or being written, at that time or later: then it is one second after the newest of them.
     * Times within a group are thus unique and increase in the order backups start.
     *
     * <p>Temporary directories that no live writer holds (left by killed backups) and leftovers of
     * interrupted {@link #forgetSnapshot} calls are removed from the group first.
     *
     * @throws DatastoreBusyException if the datastore lock is held exclusively ({@link #exclusiveLock})
     */
    public SnapshotWriter beginSnapshot(BackupGroup group, Instant time) {
        ensureOpen();
        long begun = clock.getAsLong();
        SnapshotRef requested = new SnapshotRef(Objects.requireNonNull(group, "group"), time);
        Locks.Handle shared = Locks.lockDatastore(lockFile, true);
        try {
            Path groupDir = groupDir(group);
            AtomicFiles.createDirectories(groupDir);
            try (Locks.GroupLock _ = Locks.lockGroup(groupDir)) {
                Instant newest = removeStaleAndFindNewest(groupDir);
                Instant t = requested.time();
                if (newest != null && !t.isAfter(newest)) {
                    t = newest.plusSeconds(1);
                }
                SnapshotRef ref = new SnapshotRef(group, t);
                Path tmp = groupDir.resolve(AtomicFiles.TEMP_PREFIX + ref.timeString() + "-" + AtomicFiles.randomHex());
                FileChannel writerLock = null;
                try {
                    Files.createDirectory(tmp);
                    writerLock = FileChannel.open(tmp.resolve(WRITER_LOCK), StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.READ, StandardOpenOption.WRITE);
                    if (writerLock.tryLock() == null) {
                        throw new IOException("lock held by another process");
                    }
                    // a collection takes the writer's start to be no later than its lock file's time: while it
                    // lives, what this process uses is stamped no earlier than that (design.md 13.3)
                    long lockTime = Files.getLastModifiedTime(tmp.resolve(WRITER_LOCK), LinkOption.NOFOLLOW_LINKS).toMillis();
                    Locks.addLive(tmp);
                    SnapshotWriter writer = new SnapshotWriter(this, ref, groupDir, tmp, shared, writerLock);
                    writerFloors.put(writer, Math.max(begun, lockTime));
                    openWriters.add(writer);
                    return writer;
                } catch (IOException | RuntimeException e) {
                    Locks.closeQuietly(writerLock);
                    deleteLeftover(tmp);
                    if (e instanceof IOException io) {
                        throw IoErrors.fail("cannot start snapshot " + ref, io);
                    }
                    throw (RuntimeException) e;
                }
            }
        } catch (RuntimeException e) {
            shared.close();
            throw e;
        }
    }

    /**
     * Removes stale temporary and trash directories of a group and returns the newest time among its
     * finished snapshots and live writers, or null. Call with the group lock held.
     */
    private static Instant removeStaleAndFindNewest(Path groupDir) {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(groupDir)) {
            stream.forEach(entries::add);
        } catch (IOException e) {
            throw IoErrors.fail("cannot list backup group " + groupDir, e);
        } catch (DirectoryIteratorException e) {
            throw IoErrors.fail("cannot list backup group " + groupDir, e.getCause());
        }
        Instant newest = null;
        for (Path entry : entries) {
            String name = entry.getFileName().toString();
            Instant t;
            if (name.startsWith(AtomicFiles.TEMP_PREFIX)) {
                if (!Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                boolean live = Locks.isLive(entry)
                        || Locks.heldElsewhere(entry.resolve(WRITER_LOCK), () -> deleteLeftover(entry));
                if (!live) {
                    continue;
                }
                t = tempDirTime(name);
            } else if (name.startsWith(TRASH_PREFIX)) {
                deleteLeftover(entry);
                continue;
            } else {
                t = SnapshotRef.tryParseTime(name);
                if (t == null || !Files.isDirectory(entry)) {
                    continue;
                }
            }
            if (t != null && (newest == null || t.isAfter(newest))) {
                newest = t;
            }
        }
        return newest;
    }

    /** The time in a temporary directory name {@code .tmp-<TIME>-<random>}, or null. */
    private static Instant tempDirTime(String name) {
        int start = AtomicFiles.TEMP_PREFIX.length();
        int end = start + "0000-00-00T00:00:00Z".length();
        return name.length() > end ? SnapshotRef.tryParseTime(name.substring(start, end)) : null;
    }

    /** Deletes an abandoned temporary or trash directory; failing that, it stays unlisted until next time. */
    static void deleteLeftover(Path dir) {
        try {
            AtomicFiles.deleteTree(dir);
        } catch (IOException | RuntimeException e) {
            // never listed, and retried by the next backup of the group
        }
    }

    /**
     * Removes a snapshot: it disappears atomically (its directory is renamed to a trash name), then its
     * files are deleted. Files left by an interrupted delete are removed by the next backup of the group.
     * The snapshot's chunks stay until garbage collection.
     *
     * @throws SnapshotNotFoundException if the snapshot does not exist
     */
    public void forgetSnapshot(SnapshotRef snapshot) {
        ensureOpen();
        Path dir = snapshotDir(snapshot);
        Path groupDir = dir.getParent();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new SnapshotNotFoundException(snapshot);
        }
        Path trash = groupDir.resolve(TRASH_PREFIX + snapshot.timeString() + "-" + AtomicFiles.randomHex());
        try (Locks.GroupLock _ = Locks.lockGroup(groupDir)) {
            // checked under the group lock, where protect writes its mark: a snapshot protected a moment ago stays
            if (Files.exists(dir.resolve(PROTECTED), LinkOption.NOFOLLOW_LINKS)) {
                throw new CofferException("snapshot " + snapshot + " is protected; nothing was removed",
                        "run 'coffer snapshot unprotect " + snapshot.name() + "' first if it really must go");
            }
            Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            throw new SnapshotNotFoundException(snapshot);
        } catch (IOException e) {
            throw IoErrors.fail("cannot forget snapshot " + snapshot, e);
        }
        AtomicFiles.fsyncDir(groupDir);
        deleteLeftover(trash);
    }

    // ---------------------------------------------------------------- maintenance

    /** Side file that marks a snapshot as protected from forget and prune. */
    public static final String PROTECTED = "protected";

    public boolean isProtected(SnapshotRef snapshot) {
        return Files.exists(snapshotDir(snapshot).resolve(PROTECTED));
    }

    /** Directory, under .chunks, where verify moves corrupt chunks (never deleted, never listed as chunks). */
    public static final String BAD = ".bad";

    /**
     * Marks a chunk as in use now (its mtime), as a backup does for every chunk it reuses, so that a
     * concurrent garbage collection keeps it (design.md 13). Returns false when the chunk is missing.
     */
    public boolean touchChunk(ChunkId id) {
        ensureOpen();
        Path p = chunkPath(id);
        try {
            long stamp = useTimeMillis();
            if (Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis() >= stamp) {
                // as recent already (another writer's use, stamped by a clock ahead of this one): a touch never
                // moves a time back. Seen under its name now, and a collector that moves it after this read
                // finds a time it keeps, so it counts as present.
                markDirty(chunkDir(id));
                return true;
            }
            Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.fromMillis(stamp));
            // The JDK sets the time through a descriptor it opens by name, so a collector can move the chunk off
            // its name, read its old time and remove it between that open and the update. Only a name still
            // there afterwards counts (design.md 13.3): the update then came before the collector's second
            // read, which puts the chunk back, or a writer has stored it again.
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            // the writer that linked it may have died before syncing its directory: this backup's commit does
            markDirty(chunkDir(id));
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw IoErrors.fail("cannot touch chunk " + id.hex() + " in " + root, e);
        }
    }

    /** The wall clock now, in milliseconds (what garbage collection compares with its start). */
    public long nowMillis() {
        return clock.getAsLong();
    }

    /**
     * The time to mark a use with: the clock, or the start of a live writer of this process when that is later
     * (the clock has gone back since). A writer's start here is the later of the clock and its lock file's
     * time when it began, and a collector takes it to have started no later than that lock file's time; so
     * every chunk it touches or stores gets a time at or after its start even when the system clock steps back
     * meanwhile (design.md 13.3). Writers that have ended no longer count, so one wrong reading does not stamp
     * the future for as long as the process runs.
     */
    long useTimeMillis() {
        return Math.max(clock.getAsLong(), liveWriterFloor());
    }

    private long liveWriterFloor() {
        long f = Long.MIN_VALUE;
        for (long w : writerFloors.values()) {
            f = Math.max(f, w);
        }
        return f;
    }

    /** The chunk's last-use time (mtime), or null when it is missing. */
    public Instant chunkTime(ChunkId id) {
        try {
            return Files.getLastModifiedTime(chunkPath(id), LinkOption.NOFOLLOW_LINKS).toInstant();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw IoErrors.fail("cannot read chunk " + id.hex() + " in " + root, e);
        }
    }

    /**
     * Removes a chunk if it was last used before {@code cutoff}. Returns its size when removed, -1 otherwise.
     *
     * <p>The chunk is first moved off its name and only then is its time read again (design.md 13.3): a backup
     * that touched it before the move is seen, and the chunk goes back under its name; a backup that touches
     * it after the move finds it missing and stores it again. So no backup can touch a chunk that is then
     * removed.
     */
    public long removeChunkIfUnusedSince(ChunkId id, Instant cutoff) {
        return removeChunkIfUnusedSince(id, cutoff, () -> { });
    }

    /**
     * {@link #removeChunkIfUnusedSince(ChunkId, Instant)}, running {@code beforeUnlink} after the chunk's time
     * was read the second time and before it is unlinked; when that throws, the chunk goes back under its name
     * and the exception is passed on.
     */
    public long removeChunkIfUnusedSince(ChunkId id, Instant cutoff, Runnable beforeUnlink) {
        ensureOpen();
        Path p = chunkPath(id);
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.lastModifiedTime().toInstant().isBefore(cutoff)) {
                return -1;
            }
            Path doomed = p.resolveSibling(AtomicFiles.TEMP_PREFIX + "gc-" + id.hex());
            Files.move(p, doomed, StandardCopyOption.ATOMIC_MOVE);
            markDirty(p.getParent());
            BasicFileAttributes b = Files.readAttributes(doomed, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!b.lastModifiedTime().toInstant().isBefore(cutoff)) {
                try {
                    Files.createLink(p, doomed); // touched meanwhile: back under its name
                } catch (FileAlreadyExistsException e) {
                    // a backup stored it again meanwhile
                }
                Files.delete(doomed);
                return -1;
            }
            try {
                beforeUnlink.run();
            } catch (RuntimeException e) {
                try {
                    Files.createLink(p, doomed);
                } catch (FileAlreadyExistsException stored) {
                    // a backup stored it again meanwhile
                }
                Files.delete(doomed);
                throw e;
            }
            Files.delete(doomed);
            return b.size();
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException e) {
            throw IoErrors.fail("cannot remove chunk " + id.hex() + " from " + root, e);
        }
    }

    /**
     * Moves a corrupt chunk to {@code .chunks/.bad/<id>.<time>} so that the next backup holding its data
     * stores it again; the damaged copy is kept for inspection. Returns false if it was already gone.
     */
    public boolean moveChunkAside(ChunkId id) {
        ensureOpen();
        Path bad = chunksDir.resolve(BAD);
        try {
            Files.createDirectories(bad);
            Files.move(chunkPath(id), bad.resolve(id.hex() + "." + Instant.now().toEpochMilli()), StandardCopyOption.ATOMIC_MOVE);
            markDirty(chunkDir(id));
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw IoErrors.fail("cannot move corrupt chunk " + id.hex() + " aside in " + root, e);
        }
    }

    /**
     * Removes leftover temporary files of interrupted chunk inserts and removals older than {@code cutoff}.
     * A chunk that a removal moved aside ({@code .tmp-gc-<id>}) and that is missing under its name, whatever
     * its age, is linked back first: the collector that moved it may have died before it could see a
     * backup's touch (design.md 13.3); an unused chunk put back is only removed again by the next run.
     */
    public int removeChunkTempFiles(Instant cutoff) {
        int removed = 0;
        String gcPrefix = AtomicFiles.TEMP_PREFIX + "gc-";
        for (String prefix : listNames(chunksDir, Datastore::isChunkPrefix)) {
            Path dir = chunksDir.resolve(prefix);
            for (String name : listFileNames(dir, n -> n.startsWith(AtomicFiles.TEMP_PREFIX))) {
                try {
                    String id = name.startsWith(gcPrefix) ? name.substring(gcPrefix.length()) : null;
                    if (id != null && id.length() == 2 * ChunkId.LENGTH && id.startsWith(prefix) && ChunkId.isValidHex(id)
                            && !Files.exists(dir.resolve(id), LinkOption.NOFOLLOW_LINKS)) {
                        try {
                            Files.createLink(dir.resolve(id), dir.resolve(name));
                        } catch (FileAlreadyExistsException e) {
                            // stored again meanwhile
                        }
                        markDirty(dir);
                        Files.delete(dir.resolve(name));
                        removed++;
                        continue;
                    }
                    if (Files.getLastModifiedTime(dir.resolve(name)).toInstant().isBefore(cutoff)) {
                        Files.deleteIfExists(dir.resolve(name));
                        removed++;
                    }
                } catch (IOException e) {
                    // left for next time
                }
            }
        }
        return removed;
    }

    /**
     * The start of the oldest snapshot writer still alive, in any process (from its temporary directory), or
     * null when no backup is running. Garbage collection keeps every chunk used since then.
     *
     * <p>A group's temporary directories are examined with its group lock held (design.md 13.3). A writer
     * that commits deletes its writer lock file and renames its directory under that lock, with a directory
     * fsync in between that can take long; without the lock, a collector could find the directory without a
     * lock file, take the writer for dead, and list the group's snapshots before the rename: the new
     * snapshot's chunks would then be neither kept nor marked. A writer that begins after this scan uses no
     * chunk before the collection's start.
     */
    public Instant oldestLiveWriterStart() {
        ensureOpen();
        Instant oldest = null;
        java.util.function.Predicate<String> temporary = n -> n.startsWith(AtomicFiles.TEMP_PREFIX);
        for (String ns : namespaces()) {
            for (String type : BackupGroup.TYPES) {
                Path typeDir = namespaceDir(ns).resolve(type);
                for (String id : listNames(typeDir, Names::isName)) {
                    Path groupDir = typeDir.resolve(id);
                    if (listNames(groupDir, temporary).isEmpty()) {
                        continue;
                    }
                    try (Locks.GroupLock _ = Locks.lockGroup(groupDir)) {
                        for (String name : listNames(groupDir, temporary)) {
                            Path dir = groupDir.resolve(name);
                            if (Locks.isLive(dir) || Locks.heldElsewhere(dir.resolve(WRITER_LOCK), () -> { })) {
                                Instant start = writerStart(dir, name);
                                if (start == null) {
                                    return Instant.EPOCH; // unknown: keep everything
                                }
                                if (oldest == null || start.isBefore(oldest)) {
                                    oldest = start;
                                }
                            }
                        }
                    }
                }
            }
        }
        return oldest;
    }

    /**
     * When the live writer of temporary directory {@code dir} began, as early as can be told: the earliest of
     * the directory's creation time and mtime, its writer lock file's mtime (written once, when the writer
     * began) and the time in its name. Where a file system has no creation time, the JDK gives the mtime,
     * which every file the writer adds moves forward, and the name's time may be later than the real start
     * (a time moved one second past the group's newest, or a server client's clock): the lock file's time
     * covers both. Null when none can be read.
     */
    private static Instant writerStart(Path dir, String name) {
        Instant start;
        try {
            BasicFileAttributes a = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            Instant created = a.creationTime().toInstant();
            Instant modified = a.lastModifiedTime().toInstant();
            start = created.isBefore(modified) ? created : modified;
        } catch (IOException e) {
            return null;
        }
        try {
            Instant locked = Files.getLastModifiedTime(dir.resolve(WRITER_LOCK), LinkOption.NOFOLLOW_LINKS).toInstant();
            if (locked.isBefore(start)) {
                start = locked;
            }
        } catch (IOException e) {
            // a writer of this process can be live without one only while committing, which the group lock excludes
        }
        Instant named = tempDirTime(name);
        return named != null && named.isBefore(start) ? named : start;
    }

    /** Every namespace, the root one ("") first, then nested ones depth-first. */
    public List<String> namespaces() {
        ensureOpen();
        List<String> out = new ArrayList<>();
        collectNamespaces("", out);
        return out;
    }

    private void collectNamespaces(String ns, List<String> out) {
        out.add(ns);
        for (String child : listNames(namespaceDir(ns).resolve("ns"), Names::isName)) {
            collectNamespaces(ns.isEmpty() ? child : ns + "/" + child, out);
        }
    }

    /** Every finished snapshot of every namespace. */
    public List<SnapshotRef> allSnapshots() {
        List<SnapshotRef> all = new ArrayList<>();
        for (String ns : namespaces()) {
            all.addAll(snapshots(ns));
        }
        return all;
    }

    /**
     * Writes (atomically) or, with null data, removes a side file of a finished snapshot that is not part
     * of its authenticated content: verify state, protection mark, notes.
     */
    public void writeSnapshotSideFile(SnapshotRef snapshot, String fileName, byte[] data) {
        ensureOpen();
        if (!Names.isFileName(fileName)) {
            throw new CofferException("invalid snapshot file name '" + fileName + "'");
        }
        Path dir = snapshotDir(snapshot);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new SnapshotNotFoundException(snapshot);
        }
        try (Locks.GroupLock _ = Locks.lockGroup(dir.getParent())) {
            if (data == null) {
                Files.deleteIfExists(dir.resolve(fileName));
                AtomicFiles.fsyncDir(dir);
            } else {
                AtomicFiles.write(dir.resolve(fileName), data, null);
            }
        } catch (IOException e) {
            throw IoErrors.fail("cannot update snapshot " + snapshot, e);
        }
    }

    /** A side file's bytes, or null when absent. */
    public byte[] readSnapshotSideFile(SnapshotRef snapshot, String fileName) {
        if (!Names.isFileName(fileName)) {
            throw new CofferException("invalid snapshot file name '" + fileName + "'");
        }
        try {
            return Files.readAllBytes(snapshotDir(snapshot).resolve(fileName));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw IoErrors.fail("cannot read snapshot " + snapshot, e);
        }
    }

    /** The file in a group directory that names the group's owner (server datastores). */
    public static final String OWNER = "owner";

    /** The owner recorded for a group (a server authid), or null when none is (or the group does not exist). */
    public String groupOwner(BackupGroup group) {
        ensureOpen();
        try {
            String s = Files.readString(groupDir(group).resolve(OWNER), java.nio.charset.StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? null : s;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw IoErrors.fail("cannot read the owner of group " + group, e);
        }
    }

    /**
     * Records {@code owner} for a group that has none yet and returns the owner now recorded (the existing
     * one when there was one). Creates the group directory when needed.
     */
    public String claimGroupOwner(BackupGroup group, String owner) {
        ensureOpen();
        Path dir = groupDir(group);
        try {
            Files.createDirectories(dir);
            try (Locks.GroupLock _ = Locks.lockGroup(dir)) {
                String existing = groupOwner(group);
                if (existing != null) {
                    return existing;
                }
                AtomicFiles.write(dir.resolve(OWNER), (owner + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8), null);
                return owner;
            }
        } catch (IOException e) {
            throw IoErrors.fail("cannot record the owner of group " + group, e);
        }
    }

    /**
     * Forgets {@code owner}'s claim on a group that holds nothing: no snapshot, and no snapshot being written
     * (by this process or another). A first backup that was aborted so leaves the group free for whoever backs
     * it up first, as if it had never started. Returns whether the claim was removed.
     */
    public boolean releaseGroupOwner(BackupGroup group, String owner) {
        ensureOpen();
        Path dir = groupDir(group);
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Locks.GroupLock _ = Locks.lockGroup(dir)) {
            if (!owner.equals(groupOwner(group))) {
                return false;
            }
            if (!listNames(dir, n -> true).isEmpty()) {
                return false; // a snapshot, or a writer's directory (live, or left for the collector)
            }
            Files.delete(dir.resolve(OWNER));
            AtomicFiles.fsyncDir(dir);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw IoErrors.fail("cannot release the owner of group " + group, e);
        }
    }

    // ---------------------------------------------------------------- locking

    /**
     * Takes the datastore lock exclusively: no snapshot writer, in this or any other process, exists while
     * it is held. It does not wait. Garbage collection does not need it; it runs alongside writers.
     *
     * @throws DatastoreBusyException "datastore is busy: a backup is running" while any writer is open,
     *         or "datastore is busy: garbage collection is running" while another exclusive holder exists
     */
    public ExclusiveLock exclusiveLock() {
        ensureOpen();
        return new ExclusiveLock(Locks.lockDatastore(lockFile, false));
    }

    /** Aborts the writers of this instance that are still open; the datastore cannot be used afterwards. */
    @Override
    public void close() {
        closed = true;
        for (SnapshotWriter writer : List.copyOf(openWriters)) {
            writer.close();
        }
    }

    void writerClosed(SnapshotWriter writer) {
        openWriters.remove(writer);
        writerFloors.remove(writer);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("datastore " + root + " is closed");
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Names of the subdirectories of {@code dir} accepted by {@code filter}; none if it does not exist. */
    private static List<String> listNames(Path dir, Predicate<String> filter) {
        return listNames(dir, filter, true);
    }

    /** Names of the regular files (not symlinks) in {@code dir} accepted by {@code filter}; none if it does not exist. */
    private static List<String> listFileNames(Path dir, Predicate<String> filter) {
        return listNames(dir, filter, false);
    }

    private static List<String> listNames(Path dir, Predicate<String> filter, boolean directories) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (filter.test(name) && (directories ? Files.isDirectory(entry)
                        : Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS))) {
                    names.add(name);
                }
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return names;
        } catch (IOException e) {
            throw IoErrors.fail("cannot list " + dir, e);
        } catch (DirectoryIteratorException e) {
            throw IoErrors.fail("cannot list " + dir, e.getCause());
        }
        return names;
    }

    /** Reads exactly {@code size} bytes, or returns null if the file ends sooner. */
    private static byte[] readFully(FileChannel ch, int size) throws IOException {
        byte[] data = new byte[size];
        return readFully(ch, data, size) ? data : null;
    }

    /** Reads exactly {@code size} bytes into {@code data}; false if the file ends sooner. */
    private static boolean readFully(FileChannel ch, byte[] data, int size) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(data, 0, size);
        while (buf.position() < size) {
            buf.limit(Math.min(size, buf.position() + AtomicFiles.IO_SLICE)); // see AtomicFiles.IO_SLICE
            if (ch.read(buf) < 0) {
                return false;
            }
        }
        return true;
    }
}
