package dev.coffer.client.backup;

import dev.coffer.client.fs.BytePaths;
import dev.coffer.client.fs.FileType;
import dev.coffer.client.fs.FsException;
import dev.coffer.client.fs.Posix;
import dev.coffer.client.fs.Stat;
import dev.coffer.client.repo.Repository;
import dev.coffer.client.snapshot.OpenSnapshot;
import dev.coffer.client.snapshot.StreamReader;
import dev.coffer.core.CofferException;
import dev.coffer.core.chunking.CdcChunker;
import dev.coffer.core.chunking.ChunkStream;
import dev.coffer.core.chunking.Chunker;
import dev.coffer.core.chunking.FixedChunker;
import dev.coffer.core.crypto.BlobCodec;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.crypto.KeySet;
import dev.coffer.core.format.ArchiveReader;
import dev.coffer.core.format.ArchiveRef;
import dev.coffer.core.format.Index;
import dev.coffer.core.format.IndexRef;
import dev.coffer.core.format.IndexWriter;
import dev.coffer.core.format.Manifest;
import dev.coffer.core.format.ManifestBody;
import dev.coffer.core.util.Hex;
import dev.coffer.store.BackupGroup;
import dev.coffer.store.SnapshotRef;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Consumer;

/** Makes one snapshot of a group from directory and image archives. */
public final class BackupEngine {
    /** The largest average chunk size of a directory archive's meta stream (the payload's is the option's). */
    static final int META_AVERAGE = 1 << 20;

    public static final int DEFAULT_AVERAGE_CHUNK = 4 << 20;

    /** What to back up and how. {@code keys} may be null only in {@link CryptMode#NONE}. */
    public record Options(Repository repo, BackupGroup group, List<ArchiveSpec> archives, CryptMode mode, KeySet keys,
            List<String> excludes, int averageChunk, int threads, Consumer<String> warnings, boolean scanTotal,
            byte[] escrow, boolean metadataChangeDetection) {
        public Options {
            if (mode != CryptMode.NONE && keys == null) {
                throw new IllegalArgumentException("a key is needed for " + mode);
            }
            if (archives.isEmpty()) {
                throw new CofferException("nothing to back up", "name at least one archive, e.g. docs.cfar:./docs");
            }
            Set<String> names = new HashSet<>();
            for (ArchiveSpec a : archives) {
                if (!names.add(a.name())) {
                    throw new CofferException("archive name " + a.name() + " is used twice");
                }
            }
        }
    }

    public record Result(SnapshotRef snapshot, BackupStats stats, long durationMillis) {
    }

    private final Options o;
    private final BackupStats stats;

    public BackupEngine(Options options, BackupStats stats) {
        this.o = options;
        this.stats = stats;
    }

    public Result run() {
        long start = System.nanoTime();
        for (ArchiveSpec a : o.archives()) {
            checkSource(a);
        }
        BlobCodec codec = new BlobCodec(o.mode(), o.keys());
        long[] gear = o.mode() == CryptMode.ENCRYPT ? o.keys().gearTable() : CdcChunker.unkeyedGear();
        Chunker cdc = new CdcChunker(gear, o.averageChunk());
        // the entries are cut finer: a meta chunk is in memory whole while it is cut and encoded, at the end of
        // the walk, when nothing else shares the work (a first backup of 48,000 files makes about 6 MB of entries)
        Chunker metaCdc = new CdcChunker(gear, Math.min(o.averageChunk(), META_AVERAGE));
        Instant time = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Thread scan = o.scanTotal() ? SizeScanner.start(o.archives(), new Excludes(o.excludes()), stats.expectedBytes) : null;
        try {
            return write(codec, cdc, metaCdc, time, start);
        } finally {
            if (scan != null) {
                scan.interrupt();
            }
        }
    }

    private Result write(BlobCodec codec, Chunker cdc, Chunker metaCdc, Instant time, long start) {
        try (Repository.SnapshotSession session = o.repo().beginSnapshot(o.group(), time, o.mode());
                ChunkUploader uploader = new ChunkUploader(o.repo(), codec, o.threads(), stats)) {
            List<ArchiveRef> refs = new ArrayList<>();
            for (ArchiveSpec a : o.archives()) {
                refs.add(a.isImage() ? image(a, uploader, session) : directory(a, cdc, metaCdc, uploader, session));
            }
            long duration = (System.nanoTime() - start) / 1_000_000;
            Map<String, Long> s = new LinkedHashMap<>();
            s.put("bytes", stats.streamBytes.get());
            s.put("new-bytes", stats.newBytes.get());
            s.put("stored-new-bytes", stats.storedNewBytes.get());
            s.put("chunks", stats.chunks.get());
            s.put("new-chunks", stats.newChunks.get());
            s.put("duration-ms", duration);
            SnapshotRef ref = session.ref();
            ManifestBody body = new ManifestBody(1, ref.group().type(), ref.group().id(), ref.time(), o.mode(),
                    o.mode() == CryptMode.NONE ? null : o.keys().fingerprint(), refs, o.averageChunk(),
                    o.mode() == CryptMode.ENCRYPT, s, "coffer " + dev.coffer.core.Version.VERSION);
            byte[] manifest = o.mode() == CryptMode.NONE
                    ? Manifest.encode(body, Manifest::sha256Tag)
                    : Manifest.encode(body, b -> o.keys().manifestTag(b, 0, b.length));
            if (o.escrow() != null) {
                session.writeFile("escrow.json", o.escrow());
            }
            session.writeFile("manifest.cfm", manifest);
            SnapshotRef done = session.commit();
            return new Result(done, stats, (System.nanoTime() - start) / 1_000_000);
        }
    }

    private void checkSource(ArchiveSpec a) {
        Stat st;
        try {
            st = Posix.stat(BytePaths.of(a.source()));
        } catch (FsException e) {
            throw new CofferException("source of " + a.name() + " (" + a.source() + "): " + e.getMessage());
        }
        if (!a.isImage() && st.fileType() != FileType.DIRECTORY) {
            throw new CofferException("source of " + a.name() + " (" + a.source() + ") is not a directory",
                    "a .cfar archive takes a directory; use NAME.img:FILE for a file or block device");
        }
        if (a.isImage() && st.fileType() != FileType.FILE && st.fileType() != FileType.BLOCK_DEVICE) {
            throw new CofferException("source of " + a.name() + " (" + a.source() + ") is not a file or block device");
        }
    }

    private ArchiveRef directory(ArchiveSpec a, Chunker cdc, Chunker metaCdc, ChunkUploader uploader,
            Repository.SnapshotSession session) {
        IndexWriter metaIndex = IndexWriter.dynamic(o.mode());
        IndexWriter payloadIndex = IndexWriter.dynamic(o.mode());
        ChunkUploader.Stream metaSink = uploader.newStream(metaIndex, false);
        ChunkUploader.Stream payloadSink = uploader.newStream(payloadIndex, false);
        ChunkStream meta = new ChunkStream(metaCdc, metaSink, uploader.buffers());
        ChunkStream payload = new ChunkStream(cdc, payloadSink, uploader.buffers());
        DirArchiver archiver = new DirArchiver(payload, meta, stats, this::warning);
        long payloadSize;
        PayloadReuse reuse = null;
        // the walk starts first, so it runs while the previous snapshot is opened
        try (TreeScanner scanner = TreeScanner.start(BytePaths.of(a.source()), new Excludes(o.excludes()))) {
            if (o.metadataChangeDetection()) {
                reuse = reuseBase(a, payload, payloadSink);
                if (reuse != null) {
                    archiver.reuseFrom(reuse);
                }
            }
            payloadSize = archiver.run(scanner);
        } catch (IOException e) {
            throw new CofferException("backing up " + a.source() + " failed: " + e.getMessage(), null, e);
        } finally {
            if (reuse != null) {
                reuse.close();
            }
        }
        payload.finish();
        meta.finish();
        byte[] payloadIdx = payloadSink.finish();
        byte[] metaIdx = metaSink.finish();
        if (payloadIndex.size() != payloadSize) {
            throw new IllegalStateException("payload size mismatch");
        }
        String metaFile = a.name() + ".meta.cidx";
        String payloadFile = a.name() + ".payload.cidx";
        session.writeFile(metaFile, metaIdx);
        session.writeFile(payloadFile, payloadIdx);
        return new ArchiveRef(a.name(), "dir", List.of(
                new IndexRef("meta", metaFile, metaIndex.size(), trailer(metaIdx)),
                new IndexRef("payload", payloadFile, payloadIndex.size(), trailer(payloadIdx))));
    }

    /**
     * The newest earlier snapshot of the group with this archive, made in this mode with this key and not
     * failed in verification, as the base for metadata change detection; null when there is none.
     */
    private PayloadReuse reuseBase(ArchiveSpec a, ChunkStream payload, ChunkUploader.Stream sink) {
        List<SnapshotRef> list = o.repo().snapshots(o.group());
        for (int i = list.size() - 1; i >= 0; i--) {
            SnapshotRef r = list.get(i);
            try {
                ManifestBody b = OpenSnapshot.readManifest(o.repo(), r).body();
                if (b.cryptMode() != o.mode() || b.archives().stream().noneMatch(x -> x.name().equals(a.name()))
                        || (o.mode() != CryptMode.NONE && !o.keys().fingerprint().equals(b.keyFingerprint()))
                        || o.repo().failedVerification(r)) {
                    continue;
                }
                OpenSnapshot snap = OpenSnapshot.open(o.repo(), r, () -> o.keys());
                ArchiveRef ref = snap.archive(a.name());
                if (!ref.type().equals("dir")) {
                    continue;
                }
                Index payloadIndex = snap.index(ref, "payload");
                StreamReader meta = new StreamReader(o.repo(), r, snap.codec(), snap.index(ref, "meta"),
                        ForkJoinPool.commonPool(), 2);
                return new PayloadReuse(new ArchiveReader(meta.sequential(), payloadIndex.size()), r.name(),
                        this::warning, payloadIndex, o.repo(), payload, sink);
            } catch (CofferException e) {
                warning("snapshot " + r.name() + " cannot serve as a base for change detection ("
                        + e.getMessage() + "); reading every file");
                return null;
            }
        }
        return null;
    }

    /** A warning, counted for the summary; the archiver's go through here too. */
    private void warning(String message) {
        stats.warnings.incrementAndGet();
        o.warnings().accept(message);
    }

    private ArchiveRef image(ArchiveSpec a, ChunkUploader uploader, Repository.SnapshotSession session) {
        IndexWriter index = IndexWriter.fixed(o.mode(), FixedChunker.IMAGE_CHUNK_SIZE);
        ChunkUploader.Stream sink = uploader.newStream(index, true);
        ImageReader.copy(BytePaths.of(a.source()), FixedChunker.IMAGE_CHUNK_SIZE, uploader.buffers(), sink, stats);
        byte[] idx = sink.finish();
        String file = a.name() + ".cidx";
        session.writeFile(file, idx);
        return new ArchiveRef(a.name(), "image", List.of(new IndexRef("image", file, index.size(), trailer(idx))));
    }

    private static String trailer(byte[] indexFile) {
        byte[] sha = new byte[32];
        System.arraycopy(indexFile, indexFile.length - 32, sha, 0, 32);
        return Hex.encode(sha);
    }
}
