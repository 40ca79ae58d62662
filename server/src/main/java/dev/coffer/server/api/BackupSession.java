package dev.coffer.server.api;

import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.BlobCodec;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.format.Index;
import dev.coffer.core.format.IndexRef;
import dev.coffer.core.format.Manifest;
import dev.coffer.core.format.ManifestBody;
import dev.coffer.server.auth.AuthId;
import dev.coffer.store.BackupGroup;
import dev.coffer.store.Datastore;
import dev.coffer.store.SnapshotRef;
import dev.coffer.store.SnapshotWriter;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One backup in progress on the server (design.md 14.5): a snapshot writer for one group, the chunks this
 * session may reference (uploaded in it, or confirmed known), and the files uploaded so far. Nothing of it is
 * visible until {@link #finish}; {@link #abort} discards it.
 */
final class BackupSession {
    static final String MANIFEST = "manifest.cfm";
    static final String ESCROW = "escrow.json";
    static final String INDEX_SUFFIX = ".cidx";
    static final int MAX_INDEX = 256 << 20;
    static final int MAX_OTHER = 1 << 20;
    /** Files one snapshot may hold (indexes, the manifest, escrow.json). */
    static final int MAX_FILES = 4096;

    record FileInfo(byte[] sha256, long size, int chunks, long dataSize, byte[] indexSha256) {
    }

    final String id;
    final String datastore;
    final Datastore ds;
    final AuthId owner;
    final BackupGroup group;
    final CryptMode mode;
    final boolean requireEncryption;
    private final SnapshotWriter writer;
    private final Set<ChunkId> known = ConcurrentHashMap.newKeySet();
    private final Map<String, FileInfo> files = new ConcurrentHashMap<>();
    private final Supplier<Set<ChunkId>> readable;
    private volatile Set<ChunkId> readableLoaded;
    private volatile byte[] manifestBytes;
    private volatile long lastUse = System.nanoTime();
    /** The last request other than a keepalive, begun or ended (see {@link #workBegins}). */
    private volatile long lastProgress = lastUse;
    private volatile boolean closed;
    /**
     * Uploads hold it shared, {@link #finish} and {@link #abort} exclusively: no chunk or file is still being
     * stored when the snapshot is checked and committed, and none is accepted afterwards.
     */
    private final java.util.concurrent.locks.ReentrantReadWriteLock uploads = new java.util.concurrent.locks.ReentrantReadWriteLock();
    final java.util.concurrent.atomic.AtomicLong uploadedBytes = new java.util.concurrent.atomic.AtomicLong();

    BackupSession(String id, String datastore, Datastore ds, AuthId owner, BackupGroup group, CryptMode mode,
            boolean requireEncryption, SnapshotWriter writer, Supplier<Set<ChunkId>> readable) {
        this.id = id;
        this.datastore = datastore;
        this.ds = ds;
        this.owner = owner;
        this.group = group;
        this.mode = mode;
        this.requireEncryption = requireEncryption;
        this.writer = writer;
        this.readable = readable;
    }

    SnapshotRef ref() {
        return writer.ref();
    }

    void touch() {
        lastUse = System.nanoTime();
    }

    long idleNanos() {
        return System.nanoTime() - lastUse;
    }

    /** Requests other than keepalives under way: a session is never stalled while one runs. */
    private final java.util.concurrent.atomic.AtomicInteger working = new java.util.concurrent.atomic.AtomicInteger();

    /** A request that does the backup's work (anything but a keepalive) begins. Pair with {@link #workEnded}. */
    void workBegins() {
        working.incrementAndGet();
        lastProgress = System.nanoTime();
    }

    void workEnded() {
        lastProgress = System.nanoTime();
        working.decrementAndGet();
    }

    /** How long the session has had keepalives and nothing else: 0 while a request other than a keepalive runs. */
    long stalledNanos() {
        return working.get() > 0 ? 0 : System.nanoTime() - lastProgress;
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * For each id: whether the datastore has it and the caller may reference it. Confirmed chunks are touched
     * (so a concurrent garbage collection keeps them) and become usable in this session's indexes.
     */
    byte[] known(ChunkId[] ids) {
        Set<ChunkId> allowed = readableLoaded;
        if (allowed == null) {
            allowed = readable.get();
            readableLoaded = allowed;
        }
        byte[] out = new byte[ids.length];
        for (int i = 0; i < ids.length; i++) {
            ChunkId c = ids[i];
            if ((known.contains(c) || allowed.contains(c)) && ds.touchChunk(c)) {
                known.add(c);
                out[i] = 1;
            }
        }
        return out;
    }

    /** Runs an upload step while the session is open, refusing it once the session has ended. */
    private <T> T uploading(Supplier<T> step) {
        uploads.readLock().lock();
        try {
            if (closed) {
                throw ApiException.notFound("backup session " + id + " has ended");
            }
            return step.get();
        } finally {
            uploads.readLock().unlock();
        }
    }

    /**
     * Checks an uploaded chunk by its header (and, when not encrypted, by its content) and stores it. When the
     * datastore has the chunk already, its stored copy must fit this upload (design.md 14.5): chunks are shared
     * by every tenant of a datastore, and an unencrypted chunk's id is a plain SHA-256 that anyone can compute,
     * so another tenant may have put something else under it. A stored copy that fails the checks an
     * unencrypted upload passes is replaced by this (checked) upload; an encrypted upload under the id of a
     * stored unencrypted chunk is refused.
     */
    void putChunk(ChunkId cid, byte[] blob) {
        uploading(() -> {
            storeChunk(cid, blob);
            return null;
        });
    }

    private void storeChunk(ChunkId cid, byte[] blob) {
        BlobCodec.BlobInfo info;
        try {
            info = BlobCodec.inspect(blob);
        } catch (CorruptDataException e) {
            throw ApiException.badRequest("chunk " + cid.hex() + ": " + e.getMessage());
        }
        if (info.kind() != BlobCodec.KIND_CHUNK) {
            throw ApiException.badRequest("chunk " + cid.hex() + ": blob kind " + info.kind() + " is not a data chunk");
        }
        if (requireEncryption && !info.encrypted()) {
            throw new ApiException(400, "encryption-required", "datastore " + datastore
                    + " requires encryption: refusing unencrypted chunk " + cid.hex());
        }
        if (info.encrypted() != (mode == CryptMode.ENCRYPT)) {
            throw ApiException.badRequest("chunk " + cid.hex() + (info.encrypted() ? " is encrypted" : " is not encrypted")
                    + " but this backup's crypt mode is " + mode);
        }
        if (!info.encrypted()) {
            try {
                new BlobCodec(CryptMode.NONE, null).decodeChunk(cid, blob);
            } catch (CorruptDataException e) {
                throw ApiException.badRequest(e.getMessage());
            }
        }
        for (int attempt = 1; !ds.insertChunk(cid, blob, 0, blob.length); attempt++) {
            Stored stored = stored(cid, info.encrypted());
            if (stored == Stored.FITS) {
                break;
            }
            if (stored == Stored.INTACT_UNENCRYPTED) {
                throw new ApiException(409, "refused", "chunk " + cid.hex()
                        + " is stored unencrypted in this datastore; an encrypted chunk cannot take its id");
            }
            if (attempt == 3) {
                throw new ApiException(503, "busy", "chunk " + cid.hex() + " keeps changing in the datastore; try again");
            }
            if (stored == Stored.REPLACEABLE) {
                // what is stored under this id is damaged or not this content: the checked upload takes its place
                ds.moveChunkAside(cid);
            }
        }
        known.add(cid);
        uploadedBytes.addAndGet(blob.length);
    }

    /** What the datastore holds under an id an upload found taken. */
    private enum Stored {
        /** Could be what the upload holds: of its encryption, and when unencrypted, intact and matching the id. */
        FITS,
        /** An intact unencrypted chunk that matches its id, under which an encrypted upload came. */
        INTACT_UNENCRYPTED,
        /** Damaged, not a data chunk, of the other encryption, or unencrypted and not matching its id. */
        REPLACEABLE,
        /** Gone meanwhile (moved aside by a verify, say). */
        MISSING
    }

    private Stored stored(ChunkId cid, boolean encrypted) {
        byte[] stored;
        try {
            stored = ds.readChunk(cid);
        } catch (dev.coffer.store.ChunkMissingException e) {
            return Stored.MISSING;
        }
        try {
            BlobCodec.BlobInfo s = BlobCodec.inspect(stored);
            if (s.kind() != BlobCodec.KIND_CHUNK) {
                return Stored.REPLACEABLE;
            }
            if (!s.encrypted()) {
                new BlobCodec(CryptMode.NONE, null).decodeChunk(cid, stored);
                return encrypted ? Stored.INTACT_UNENCRYPTED : Stored.FITS;
            }
            return encrypted ? Stored.FITS : Stored.REPLACEABLE; // an encrypted copy cannot be checked without the key
        } catch (CorruptDataException e) {
            return Stored.REPLACEABLE;
        }
    }

    /** Checks and stores one of the snapshot's files. */
    FileInfo putFile(String name, byte[] data) {
        return uploading(() -> {
            synchronized (files) { // the file on disk and its record in files are replaced together
                return storeFile(name, data);
            }
        });
    }

    private FileInfo storeFile(String name, byte[] data) {
        if (files.size() >= MAX_FILES && !files.containsKey(name)) {
            throw new ApiException(413, "too-large", "a snapshot holds at most " + MAX_FILES + " files");
        }
        FileInfo info;
        if (name.endsWith(INDEX_SUFFIX)) {
            info = checkIndex(name, data);
        } else if (name.equals(MANIFEST)) {
            checkManifest(data);
            manifestBytes = data;
            info = new FileInfo(sha256(data), data.length, 0, 0, null);
        } else if (name.equals(ESCROW)) {
            if (mode != CryptMode.ENCRYPT) {
                throw ApiException.badRequest("escrow.json belongs only to encrypted snapshots");
            }
            info = new FileInfo(sha256(data), data.length, 0, 0, null);
        } else {
            throw ApiException.badRequest("unexpected snapshot file name " + Json.quote(name)
                    + ": a snapshot holds NAME" + INDEX_SUFFIX + ", " + MANIFEST + " and " + ESCROW);
        }
        writer.writeFile(name, data);
        files.put(name, info);
        return info;
    }

    private FileInfo checkIndex(String name, byte[] data) {
        Index idx;
        try {
            idx = Index.parse(data);
        } catch (CorruptDataException e) {
            throw ApiException.badRequest(name + ": " + e.getMessage());
        }
        if (idx.cryptMode() != mode) {
            throw ApiException.badRequest(name + ": crypt mode " + idx.cryptMode() + " differs from this backup's " + mode);
        }
        for (int i = 0; i < idx.chunkCount(); i++) {
            ChunkId c = idx.id(i);
            if (!known.contains(c)) {
                throw ApiException.badRequest(name + ": chunk " + c.hex()
                        + " was neither uploaded nor confirmed as known in this session");
            }
        }
        return new FileInfo(sha256(data), data.length, idx.chunkCount(), idx.size(), idx.sha256());
    }

    private void checkManifest(byte[] data) {
        Manifest m;
        try {
            m = Manifest.parse(data);
        } catch (CorruptDataException e) {
            throw ApiException.badRequest("manifest: " + e.getMessage());
        }
        ManifestBody b = m.body();
        if (!b.backupType().equals(group.type()) || !b.backupId().equals(group.id()) || !b.backupTime().equals(ref().time())) {
            throw ApiException.badRequest("manifest names " + b.backupType() + "/" + b.backupId() + "/"
                    + SnapshotRef.formatTime(b.backupTime()) + ", not this session's snapshot " + ref().name());
        }
        if (b.cryptMode() != mode) {
            throw ApiException.badRequest("manifest crypt mode " + b.cryptMode() + " differs from this backup's " + mode);
        }
        if (requireEncryption && b.cryptMode() != CryptMode.ENCRYPT) {
            throw new ApiException(400, "encryption-required", "datastore " + datastore + " requires encryption");
        }
    }

    /**
     * Checks that the manifest and every index it names are here and match (content and size), then makes the
     * snapshot visible. Waits for uploads under way; afterwards none is accepted.
     */
    SnapshotRef finish() {
        uploads.writeLock().lock();
        try {
            if (closed) {
                throw ApiException.notFound("backup session " + id + " has ended");
            }
            return checkAndCommit();
        } finally {
            uploads.writeLock().unlock();
        }
    }

    private SnapshotRef checkAndCommit() {
        FileInfo mf = files.get(MANIFEST);
        if (mf == null) {
            throw ApiException.badRequest("cannot finish: no manifest was uploaded");
        }
        Manifest m = Manifest.parse(manifestBytes);
        for (var a : m.body().archives()) {
            for (IndexRef ir : a.indexes()) {
                FileInfo fi = files.get(ir.file());
                if (fi == null) {
                    throw ApiException.badRequest("cannot finish: index " + ir.file() + " named by the manifest was not uploaded");
                }
                if (fi.indexSha256() == null || !MessageDigest.isEqual(fi.indexSha256(), HexFormat.of().parseHex(ir.sha256()))) {
                    throw ApiException.badRequest("cannot finish: index " + ir.file() + " differs from the one the manifest names");
                }
                if (fi.dataSize() != ir.size()) {
                    throw ApiException.badRequest("cannot finish: the manifest gives index " + ir.file() + " a size of "
                            + ir.size() + " bytes, the index says " + fi.dataSize());
                }
            }
        }
        closed = true;
        try {
            return writer.commit();
        } catch (RuntimeException | Error e) {
            writer.close(); // a commit that failed before the rename leaves nothing, and holds no lock
            throw e;
        }
    }

    void abort() {
        uploads.writeLock().lock();
        try {
            closed = true;
            writer.close();
        } finally {
            uploads.writeLock().unlock();
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
