package dev.coffer.bench;

import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.crypto.KeyFingerprint;
import dev.coffer.core.format.ArchiveRef;
import dev.coffer.core.format.IndexRef;
import dev.coffer.core.format.IndexWriter;
import dev.coffer.core.format.Manifest;
import dev.coffer.core.format.ManifestBody;
import dev.coffer.core.util.Hex;
import dev.coffer.core.util.IdSet;
import dev.coffer.store.BackupGroup;
import dev.coffer.store.Datastore;
import dev.coffer.store.SnapshotRef;
import dev.coffer.store.SnapshotWriter;
import dev.coffer.store.maint.GarbageCollector;
import dev.coffer.store.maint.Verifier;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * Builds a synthetic datastore of N tiny chunks and times garbage collection and keyless verify on it, to see
 * how their time and the known-chunk set's memory grow with the number of chunks (docs/performance.md).
 *
 * <p>Chunks are 44-byte blobs that pass every keyless check of an encrypted chunk (magic, kind, flags,
 * reserved bits, CRC32C, a body of nonce and tag size): what verify without a key can see of a real one.
 * Their ids are a deterministic pseudo-random function of their number. They are written straight into
 * {@code .chunks/} without fsync (building 10 million through the datastore's durable insert would take hours);
 * snapshots go through the normal snapshot writer. Snapshots reference the first {@code 100 - garbage}
 * percent of the chunks, each an image index over a window of {@code per-snapshot} chunks overlapping the
 * previous window by a tenth; the rest are garbage for GC to remove. {@code create} on an existing synthetic
 * datastore grows it: chunks already there are kept (removed ones are written again) and the snapshots are
 * replaced, which spares deleting and rewriting millions of files between sizes.
 *
 * <pre>
 *   create DIR CHUNKS [--per-snapshot N] [--garbage-percent P] [--threads T]
 *   gc DIR             run garbage collection, print its figures
 *   verify DIR         keyless verify of every snapshot, print its figures
 *   set N              heap used by the known-chunk set and by a HashSet&lt;ChunkId&gt; for N random ids
 * </pre>
 */
public final class SyntheticDatastore {
    private static final long SEED = 0x5eed_c0ff_ee00_0001L;
    private static final int BLOB_BODY = 32; // >= nonce (12) + tag (16)
    private static final int FAKE_CHUNK_SIZE = 4 << 20;

    private SyntheticDatastore() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            usage();
        }
        switch (args[0]) {
            case "create" -> create(Path.of(args[1]), Long.parseLong(args[2]), options(args, 3));
            case "gc" -> gc(Path.of(args[1]));
            case "verify" -> verify(Path.of(args[1]));
            case "set" -> set(Integer.parseInt(args[1]));
            default -> usage();
        }
    }

    private static void usage() {
        System.err.println("usage: SyntheticDatastore create DIR CHUNKS [--per-snapshot N] [--garbage-percent P] "
                + "[--threads T] | gc DIR | verify DIR | set N");
        System.exit(2);
    }

    private static Map<String, Long> options(String[] args, int from) {
        Map<String, Long> o = new LinkedHashMap<>();
        o.put("--per-snapshot", 100_000L);
        o.put("--garbage-percent", 10L);
        o.put("--threads", (long) Runtime.getRuntime().availableProcessors());
        for (int i = from; i + 1 < args.length; i += 2) {
            if (!o.containsKey(args[i])) {
                usage();
            }
            o.put(args[i], Long.parseLong(args[i + 1]));
        }
        return o;
    }

    /** The id of chunk {@code i}: four words of a SplitMix64-style mix of the seed and {@code i}. */
    static void idOf(long i, byte[] out) {
        for (int k = 0; k < 4; k++) {
            long z = SEED + (4 * i + k) * 0x9e3779b97f4a7c15L;
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            z ^= z >>> 31;
            for (int b = 0; b < 8; b++) {
                out[8 * k + b] = (byte) (z >>> (8 * b));
            }
        }
    }

    /** A blob that passes the keyless checks of an encrypted data chunk (design.md 2). */
    static byte[] blobOf(byte[] id) {
        byte[] blob = new byte[12 + BLOB_BODY];
        blob[0] = 'C';
        blob[1] = 'F';
        blob[2] = 'B';
        blob[3] = 1;
        blob[4] = 1; // data chunk
        blob[5] = 1; // encrypted, not compressed
        System.arraycopy(id, 0, blob, 12, BLOB_BODY); // "nonce || ciphertext || tag": any bytes will do
        CRC32C crc = new CRC32C();
        crc.update(blob, 12, BLOB_BODY);
        int c = (int) crc.getValue();
        for (int b = 0; b < 4; b++) {
            blob[8 + b] = (byte) (c >>> (8 * b));
        }
        return blob;
    }

    private static void create(Path dir, long chunks, Map<String, Long> o) throws Exception {
        long t0 = System.nanoTime();
        int threads = o.get("--threads").intValue();
        long referenced = chunks * (100 - o.get("--garbage-percent")) / 100;
        int perSnapshot = o.get("--per-snapshot").intValue();
        try (Datastore ds = Datastore.create(dir)) {
            Path chunkDir = ds.root().resolve(Datastore.CHUNKS);
            for (int p = 0; p < 65536; p++) {
                Files.createDirectories(chunkDir.resolve(String.format("%04x", p)));
            }
            for (SnapshotRef old : ds.allSnapshots()) {
                ds.forgetSnapshot(old);
            }
            AtomicLong next = new AtomicLong();
            AtomicLong written = new AtomicLong();
            List<Thread> workers = new ArrayList<>();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < threads; t++) {
                workers.add(Thread.ofPlatform().start(() -> {
                    byte[] id = new byte[32];
                    try {
                        for (long i; (i = next.getAndAdd(1000)) < chunks; ) {
                            for (long j = i; j < Math.min(chunks, i + 1000); j++) {
                                idOf(j, id);
                                String hex = Hex.encode(id);
                                try {
                                    Files.write(chunkDir.resolve(hex.substring(0, 4)).resolve(hex), blobOf(id),
                                            StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                                    written.incrementAndGet();
                                } catch (FileAlreadyExistsException e) {
                                    // from an earlier, smaller run
                                }
                            }
                        }
                    } catch (IOException | RuntimeException e) {
                        failures.add(e);
                    }
                }));
            }
            for (Thread t : workers) {
                t.join();
            }
            if (!failures.isEmpty()) {
                throw new IllegalStateException("writing chunks failed", failures.get(0));
            }
            double chunkSeconds = (System.nanoTime() - t0) / 1e9;
            int stride = Math.max(1, perSnapshot * 9 / 10);
            BackupGroup group = new BackupGroup("", "host", "synthetic");
            Instant time = Instant.parse("2026-01-01T00:00:00Z");
            byte[] id = new byte[32];
            int snapshots = 0;
            long references = 0;
            for (long start = 0; start < referenced; start += stride) {
                long end = Math.min(referenced, start + perSnapshot);
                IndexWriter w = IndexWriter.fixed(CryptMode.ENCRYPT, FAKE_CHUNK_SIZE);
                for (long i = start; i < end; i++) {
                    idOf(i, id);
                    w.addFixed(ChunkId.of(id), FAKE_CHUNK_SIZE);
                }
                byte[] index = w.finish();
                String sha = Hex.encode(java.util.Arrays.copyOfRange(index, index.length - 32, index.length));
                try (SnapshotWriter sw = ds.beginSnapshot(group, time.plusSeconds(snapshots))) {
                    sw.writeFile("disk.img.cidx", index);
                    ManifestBody body = new ManifestBody(1, "host", "synthetic", sw.ref().time(), CryptMode.ENCRYPT,
                            KeyFingerprint.of(new byte[32]),
                            List.of(new ArchiveRef("disk.img", ArchiveRef.IMAGE, List.of(new IndexRef("image",
                                    "disk.img.cidx", (end - start) * FAKE_CHUNK_SIZE, sha)))),
                            4 << 20, true, new LinkedHashMap<>(), "coffer synthetic datastore");
                    // keyless maintenance never checks the tag; a SHA-256 stands in for the keyed HMAC
                    sw.writeFile("manifest.cfm", Manifest.encode(body, Manifest::sha256Tag));
                    sw.commit();
                }
                snapshots++;
                references += end - start;
                if (end == referenced) {
                    break;
                }
            }
            System.out.printf(Locale.ROOT, "created %d chunks (%d written now, %d referenced, %d references) in %d "
                    + "snapshots: chunks %.1f s, total %.1f s%n", chunks, written.get(), referenced, references,
                    snapshots, chunkSeconds, (System.nanoTime() - t0) / 1e9);
        }
    }

    private static void gc(Path dir) {
        try (Datastore ds = Datastore.open(dir)) {
            long t0 = System.nanoTime();
            GarbageCollector.MarkStats[] mark = new GarbageCollector.MarkStats[1];
            GarbageCollector.Report r = GarbageCollector.run(ds, m -> mark[0] = m);
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "gc: %.1f s (mark %.1f s, sweep %.1f s); %d snapshots, %d references, "
                    + "%d marked; removed %d, kept %d chunks; known-chunk set %d bytes = %.1f bytes/chunk; "
                    + "peak RSS %d MiB%n", s, mark[0].markTime().toMillis() / 1e3,
                    s - mark[0].markTime().toMillis() / 1e3, r.snapshots(), mark[0].references(),
                    mark[0].markedChunks(), r.removedChunks(), r.keptChunks(), mark[0].setBytes(),
                    mark[0].bytesPerChunk(), peakRssKib() >> 10);
        }
    }

    private static void verify(Path dir) {
        try (Datastore ds = Datastore.open(dir)) {
            long t0 = System.nanoTime();
            Verifier v = new Verifier(ds, Verifier.KEYLESS);
            long refs = 0;
            int failed = 0;
            List<SnapshotRef> all = ds.allSnapshots();
            for (SnapshotRef s : all) {
                Verifier.Outcome o = v.verify(s, null);
                refs += o.chunks();
                if (!o.ok()) {
                    failed++;
                    System.out.println("FAILED " + s.name() + ": " + o.errors());
                }
            }
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "verify: %.1f s; %d snapshots (%d failed), %d references, %d chunks "
                    + "checked; known-chunk set %d bytes = %.1f bytes/chunk; peak RSS %d MiB%n", s, all.size(),
                    failed, refs, v.checkedChunks(), v.knownChunkSetBytes(),
                    (double) v.knownChunkSetBytes() / Math.max(1, v.checkedChunks()), peakRssKib() >> 10);
        }
    }

    /** Heap bytes held by the known-chunk set and by the HashSet of ChunkIds it replaced, for n random ids. */
    private static void set(int n) {
        SplittableRandom r = new SplittableRandom(1);
        byte[] id = new byte[32];
        long before = heapUsed();
        IdSet compact = new IdSet();
        for (int i = 0; i < n; i++) {
            r.nextBytes(id);
            compact.add(id, 0);
        }
        long compactHeap = heapUsed() - before;
        System.out.printf(Locale.ROOT, "IdSet: %d ids, reported %d bytes (%.1f/id), heap grew %d bytes (%.1f/id)%n",
                compact.size(), compact.memoryBytes(), compact.bytesPerId(), compactHeap, (double) compactHeap / n);
        compact = null;
        r = new SplittableRandom(1);
        before = heapUsed();
        Set<ChunkId> old = new HashSet<>();
        for (int i = 0; i < n; i++) {
            r.nextBytes(id);
            old.add(ChunkId.of(id));
        }
        long oldHeap = heapUsed() - before;
        System.out.printf(Locale.ROOT, "HashSet<ChunkId>: %d ids, heap grew %d bytes (%.1f/id)%n", old.size(), oldHeap,
                (double) oldHeap / n);
    }

    private static long heapUsed() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** The process's peak resident set (VmHWM), in KiB; -1 when unknown. */
    static long peakRssKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }
}
