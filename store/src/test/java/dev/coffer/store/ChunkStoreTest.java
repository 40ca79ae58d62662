package dev.coffer.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.ChunkId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkStoreTest {
    @TempDir
    Path tmp;
    Datastore store;

    @BeforeEach
    void setUp() {
        store = Datastore.create(tmp.resolve("store"));
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    static ChunkId idOf(byte[] data) {
        try {
            return ChunkId.of(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] blob(int seed, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (seed * 31 + i * 7);
        }
        for (int i = 0; i < Math.min(4, size); i++) {
            b[i] = (byte) (seed >>> (8 * i));
        }
        return b;
    }

    @Test
    void insertReadAndLayout() throws IOException {
        byte[] data = blob(1, 1000);
        ChunkId id = idOf(data);
        assertThat(store.hasChunk(id)).isFalse();
        assertThat(store.insertChunk(id, data, 0, data.length)).isTrue();
        assertThat(store.hasChunk(id)).isTrue();
        assertThat(store.readChunk(id)).isEqualTo(data);
        assertThat(store.chunkSize(id)).isEqualTo(1000);
        Path file = store.root().resolve(".chunks").resolve(id.hex().substring(0, 4)).resolve(id.hex());
        assertThat(file).isRegularFile().hasBinaryContent(data);
        assertThat(Files.getAttribute(file, "unix:nlink")).isEqualTo(1);
        assertNoTempFiles();
    }

    @Test
    void insertHonoursOffsetAndLength() {
        byte[] data = blob(2, 100);
        ChunkId id = idOf(data);
        store.insertChunk(id, data, 10, 50);
        assertThat(store.readChunk(id)).isEqualTo(Arrays.copyOfRange(data, 10, 60));
        assertThatThrownBy(() -> store.insertChunk(id, data, 90, 20)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void blobsOfManyMebibytesAreStoredAndReadWhole() throws IOException {
        // larger than one I/O slice, not a multiple of it, and a slice of a larger reused array
        for (int size : new int[] {(1 << 20) - 1, 1 << 20, (1 << 20) + 1, (9 << 20) + 12345}) {
            byte[] data = blob(size, size);
            byte[] reused = new byte[size + 777];
            Arrays.fill(reused, (byte) 0x5a);
            System.arraycopy(data, 0, reused, 3, size);
            ChunkId id = idOf(data);
            assertThat(store.insertChunk(id, reused, 3, size)).isTrue();
            assertThat(Files.size(store.chunkPath(id))).isEqualTo(size);
            assertThat(store.readChunk(id)).isEqualTo(data);
        }
    }

    @Test
    void emptyBlobIsStored() {
        ChunkId id = idOf(new byte[0]);
        assertThat(store.insertChunk(id, new byte[0], 0, 0)).isTrue();
        assertThat(store.readChunk(id)).isEmpty();
    }

    private Path chunkFile(ChunkId id) {
        return store.root().resolve(".chunks/" + id.hex().substring(0, 4) + "/" + id.hex());
    }

    @Test
    void secondInsertKeepsTheFileAndMarksItUsed() throws Exception {
        byte[] data = blob(3, 4096);
        ChunkId id = idOf(data);
        assertThat(store.insertChunk(id, data, 0, data.length)).isTrue();
        Path file = chunkFile(id);
        Object inode = Files.getAttribute(file, "unix:ino");
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(file, old);
        store.syncDirtyChunkDirs();

        long before = System.currentTimeMillis() - 1000;
        byte[] other = blob(4, 4096);
        assertThat(store.insertChunk(id, other, 0, other.length)).isFalse();
        assertThat(file).hasBinaryContent(data);
        assertThat(Files.getAttribute(file, "unix:ino")).isEqualTo(inode);
        // used now, as a reused chunk is: a garbage collection that started before keeps it
        assertThat(Files.getLastModifiedTime(file).toMillis()).isGreaterThanOrEqualTo(before);
        assertThat(store.dirtyChunkDirCount()).as("its directory is synced before the next commit").isEqualTo(1);
        assertNoTempFiles();
    }

    @Test
    void aChunkAnotherWriterLinkedFirstIsMarkedUsedByTheSecond() throws Exception {
        byte[] data = blob(6, 9000);
        ChunkId id = idOf(data);
        // two writers of one chunk, neither visible yet; the first links, the second finds it there
        Datastore.PendingChunk first = store.writeChunk(id, data, 0, data.length);
        Datastore.PendingChunk second = store.writeChunk(id, blob(7, 9000), 0, 9000);
        assertThat(first.finish()).isTrue();
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(chunkFile(id), old); // the first writer wrote it long ago
        long before = System.currentTimeMillis() - 1000;
        assertThat(second.finish()).isFalse();
        assertThat(chunkFile(id)).hasBinaryContent(data);
        assertThat(Files.getLastModifiedTime(chunkFile(id)).toMillis()).isGreaterThanOrEqualTo(before);

        // found there by writeChunk itself: touched too, nothing written
        Files.setLastModifiedTime(chunkFile(id), old);
        assertThat(store.writeChunk(id, data, 0, data.length).existed()).isTrue();
        assertThat(Files.getLastModifiedTime(chunkFile(id)).toMillis()).isGreaterThanOrEqualTo(before);
        assertNoTempFiles();
    }

    @Test
    void somethingOtherThanAChunkFileUnderAChunksNameIsAClearErrorNotAHang() throws Exception {
        byte[] data = blob(12, 5000);
        ChunkId id = idOf(data);
        Path name = chunkFile(id);
        Files.createDirectories(name.getParent());
        Files.createSymbolicLink(name, Path.of("nowhere")); // dangling: not a chunk, and no touch reaches it
        assertThat(store.hasChunk(id)).isFalse();
        Datastore.PendingChunk p = store.writeChunk(id, data, 0, data.length);
        assertThatThrownBy(p::finish).isInstanceOf(CofferException.class)
                .hasMessageContaining("cannot store chunk " + id.hex())
                .hasMessageContaining("is in the way and is not a chunk file");
        assertThat(Files.isSymbolicLink(name)).isTrue();
        assertNoTempFiles();
    }

    @Test
    void touchingAChunkMarksItsDirectoryForTheNextSync() {
        byte[] data = blob(8, 100);
        ChunkId id = idOf(data);
        store.insertChunk(id, data, 0, data.length);
        store.syncDirtyChunkDirs();
        assertThat(store.dirtyChunkDirCount()).isZero();
        // another process may have linked it without syncing its directory: the backup that uses it syncs it
        assertThat(store.touchChunk(id)).isTrue();
        assertThat(store.dirtyChunkDirCount()).isEqualTo(1);
        assertThat(store.touchChunk(idOf(new byte[] {9}))).isFalse();
        assertThat(store.dirtyChunkDirCount()).isEqualTo(1);
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void writtenChunksKeepNoDescriptorOpenOnceFinishedOrAbandoned() throws Exception {
        // one of each first, so that whatever the JVM opens once (classes, jars) is open before counting
        byte[] warm = blob(99, 3000);
        store.writeChunk(idOf(warm), warm, 0, warm.length).finish();
        store.writeChunk(idOf(blob(98, 3000)), blob(98, 3000), 0, 3000).abandon();
        assertThat(store.hasChunk(idOf(warm))).isTrue();
        long before = openDescriptors();
        List<Datastore.PendingChunk> pending = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            byte[] b = blob(100 + i, 3000);
            pending.add(store.writeChunk(idOf(b), b, 0, b.length));
        }
        // each holds the channel that wrote it, to fsync through, until finished or abandoned
        assertThat(openDescriptors()).isGreaterThanOrEqualTo(before + 20);
        for (int i = 0; i < pending.size(); i++) {
            if (i % 2 == 0) {
                assertThat(pending.get(i).finish()).isTrue();
            } else {
                pending.get(i).abandon();
            }
        }
        assertThat(openDescriptors()).isEqualTo(before);
        assertNoTempFiles();
    }

    @Test
    void aChunkACollectorMovedAsideAndLeftIsPutBackUnderItsName() throws Exception {
        byte[] b = blob(13, 3000);
        ChunkId id = idOf(b);
        store.insertChunk(id, b, 0, b.length);
        Path file = chunkFile(id);
        // a collector died between moving the chunk off its name and reading its time again
        Path aside = file.resolveSibling(".tmp-gc-" + id.hex());
        Files.move(file, aside);
        assertThat(store.hasChunk(id)).isFalse();
        java.time.Instant cutoff = java.time.Instant.now().minusSeconds(3600); // the copy is new: not "old"
        assertThat(store.removeChunkTempFiles(cutoff)).isEqualTo(1);
        assertThat(store.readChunk(id)).isEqualTo(b);
        assertThat(aside).doesNotExist();

        // with the chunk stored again meanwhile, an old copy aside simply goes
        Files.copy(file, aside);
        Files.setLastModifiedTime(aside, FileTime.fromMillis(System.currentTimeMillis() - 2 * 86_400_000L));
        assertThat(store.removeChunkTempFiles(cutoff)).isEqualTo(1);
        assertThat(aside).doesNotExist();
        assertThat(store.readChunk(id)).isEqualTo(b);
    }

    /**
     * A backup's touch and a collector's removal of the same old chunk, started together many times: a touch
     * that reports the chunk present must leave it present (the backup then references it without storing
     * it); otherwise it reports it gone and the backup stores it again. Both outcomes must occur, so the race
     * is really run.
     */
    @Test
    void aTouchRacingARemovalNeverReportsAChunkThatIsThenGone() throws Exception {
        byte[] b = blob(17, 2000);
        ChunkId id = idOf(b);
        java.time.Instant cutoff = java.time.Instant.now().minusSeconds(1);
        FileTime old = FileTime.from(cutoff.minusSeconds(3600));
        int touched = 0;
        int gone = 0;
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            for (int round = 0; round < 3000 && (touched < 20 || gone < 20 || round < 1000); round++) {
                if (!store.hasChunk(id)) {
                    store.insertChunk(id, b, 0, b.length);
                }
                Files.setLastModifiedTime(chunkFile(id), old);
                CyclicBarrier barrier = new CyclicBarrier(2);
                Future<Boolean> touch = pool.submit(() -> {
                    barrier.await();
                    return store.touchChunk(id);
                });
                Future<Long> removal = pool.submit(() -> {
                    barrier.await();
                    return store.removeChunkIfUnusedSince(id, cutoff);
                });
                boolean reported = touch.get();
                removal.get();
                if (reported) {
                    touched++;
                    assertThat(store.hasChunk(id)).as("round %d: the touch reported the chunk present", round).isTrue();
                    assertThat(store.readChunk(id)).isEqualTo(b);
                } else {
                    gone++;
                }
            }
        }
        assertThat(touched).as("touches that found the chunk").isPositive();
        assertThat(gone).as("touches that found it removed").isPositive();
    }

    @Test
    void leftoverTemporaryChunkFilesOlderThanTheCutoffAreRemoved() throws Exception {
        byte[] b = blob(11, 3000);
        store.insertChunk(idOf(b), b, 0, b.length);
        Path dir = chunkFile(idOf(b)).getParent();
        Path old = Files.writeString(dir.resolve(".tmp-00112233445566778899aabbccddeeff"), "interrupted insert");
        Files.setLastModifiedTime(old, FileTime.fromMillis(System.currentTimeMillis() - 2 * 86_400_000L));
        Path recent = Files.writeString(dir.resolve(".tmp-ffeeddccbbaa99887766554433221100"), "insert under way");
        Path notTemp = Files.writeString(dir.resolve("README"), "x");
        Files.setLastModifiedTime(notTemp, FileTime.fromMillis(0));
        java.time.Instant cutoff = java.time.Instant.now().minusSeconds(3600);
        assertThat(store.removeChunkTempFiles(cutoff)).isEqualTo(1);
        assertThat(old).doesNotExist();
        assertThat(recent).exists();
        assertThat(notTemp).exists();
        assertThat(chunkFile(idOf(b))).exists();
    }

    @Test
    void concurrentInsertsOfOneChunk() throws Exception {
        byte[] data = blob(5, 256 * 1024);
        ChunkId id = idOf(data);
        int threads = 8;
        for (int round = 0; round < 20; round++) {
            ChunkId roundId = round == 0 ? id : idOf(blob(100 + round, 64));
            byte[] roundData = round == 0 ? data : blob(100 + round, 64);
            CyclicBarrier barrier = new CyclicBarrier(threads);
            List<Future<Boolean>> results = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
                for (int t = 0; t < threads; t++) {
                    results.add(pool.submit(() -> {
                        barrier.await();
                        return store.insertChunk(roundId, roundData, 0, roundData.length);
                    }));
                }
            }
            int written = 0;
            for (Future<Boolean> f : results) {
                written += f.get() ? 1 : 0;
            }
            assertThat(written).as("round %d", round).isEqualTo(1);
            assertThat(store.readChunk(roundId)).isEqualTo(roundData);
        }
        store.syncDirtyChunkDirs();
        assertNoTempFiles();
    }

    @Test
    void concurrentInsertsOfManyChunksWithSyncs() throws Exception {
        int threads = 8;
        int perThread = 200;
        List<Future<?>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads + 1)) {
            for (int t = 0; t < threads; t++) {
                int base = t * perThread;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        byte[] b = blob(base + i, 100);
                        store.insertChunk(idOf(b), b, 0, b.length);
                    }
                    return null;
                }));
            }
            futures.add(pool.submit(() -> {
                for (int i = 0; i < 50; i++) {
                    store.syncDirtyChunkDirs();
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        store.syncDirtyChunkDirs();
        Set<ChunkId> seen = new HashSet<>();
        store.forEachChunk(seen::add);
        assertThat(seen).hasSize(threads * perThread);
    }

    @Test
    void aWrittenChunkIsInvisibleUntilFinishedAndItsTemporaryFileNeverStays() throws Exception {
        byte[] a = blob(1, 70_000);
        ChunkId id = idOf(a);
        Datastore.PendingChunk p = store.writeChunk(id, a, 0, a.length);
        assertThat(p.existed()).isFalse();
        Arrays.fill(a, (byte) 0); // the caller may reuse its array as soon as writeChunk returns
        assertThat(store.hasChunk(id)).as("not visible before it is durable").isFalse();
        List<ChunkId> listed = new ArrayList<>();
        store.forEachChunk(listed::add);
        assertThat(listed).isEmpty();
        assertThat(p.finish()).isTrue();
        assertThat(store.readChunk(id)).isEqualTo(blob(1, 70_000));
        assertThat(tempFiles()).isEmpty();

        // a chunk the store has: nothing written, finish stores nothing
        Datastore.PendingChunk again = store.writeChunk(id, blob(1, 70_000), 0, 70_000);
        assertThat(again.existed()).isTrue();
        assertThat(again.finish()).isFalse();

        // abandoned: its temporary file goes, nothing becomes visible
        byte[] b = blob(2, 5000);
        Datastore.PendingChunk dropped = store.writeChunk(idOf(b), b, 0, b.length);
        assertThat(tempFiles()).hasSize(1);
        dropped.abandon();
        assertThat(tempFiles()).isEmpty();
        assertThat(store.hasChunk(idOf(b))).isFalse();

        // a finish that cannot make the file durable fails, and links nothing
        byte[] c = blob(3, 5000);
        Datastore.PendingChunk lost = store.writeChunk(idOf(c), c, 0, c.length);
        for (Path t : tempFiles()) {
            Files.delete(t);
        }
        assertThatThrownBy(lost::finish).isInstanceOf(CofferException.class)
                .hasMessageContaining("cannot store chunk " + idOf(c).hex());
        assertThat(store.hasChunk(idOf(c))).isFalse();
    }

    private List<Path> tempFiles() throws IOException {
        try (Stream<Path> all = Files.walk(tmp.resolve("store/.chunks"))) {
            return all.filter(Files::isRegularFile).filter(f -> f.getFileName().toString().length() != 64).toList();
        }
    }

    @Test
    void readMissingChunk() {
        ChunkId id = idOf(new byte[] {1});
        assertThatThrownBy(() -> store.readChunk(id))
                .isInstanceOf(ChunkMissingException.class)
                .isInstanceOf(CorruptDataException.class)
                .hasMessage("chunk " + id.hex() + " is missing from the datastore");
        assertThatThrownBy(() -> store.chunkSize(id)).isInstanceOf(ChunkMissingException.class);
    }

    @Test
    void oversizedBlobs() throws IOException {
        ChunkId id = idOf(new byte[] {2});
        byte[] huge = new byte[Datastore.MAX_BLOB_SIZE + 1];
        assertThatThrownBy(() -> store.insertChunk(id, huge, 0, huge.length))
                .isInstanceOf(CofferException.class)
                .hasMessageContaining("too large");
        Path dir = Files.createDirectories(store.root().resolve(".chunks/" + id.hex().substring(0, 4)));
        try (var ch = java.nio.channels.FileChannel.open(dir.resolve(id.hex()),
                java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(0);
            ch.write(java.nio.ByteBuffer.wrap(new byte[1]), Datastore.MAX_BLOB_SIZE);
        }
        assertThatThrownBy(() -> store.readChunk(id))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("more than any blob");
    }

    @Test
    void forEachChunkSkipsTemporaryAndForeignFiles() throws IOException {
        Set<ChunkId> ids = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            byte[] b = blob(i, 10);
            ChunkId id = idOf(b);
            ids.add(id);
            store.insertChunk(id, b, 0, b.length);
        }
        ChunkId some = ids.iterator().next();
        Path dir = store.root().resolve(".chunks/" + some.hex().substring(0, 4));
        Files.writeString(dir.resolve(".tmp-0011223344556677"), "partial");
        Files.writeString(dir.resolve("README"), "x");
        Files.writeString(dir.resolve("f".repeat(64)), "wrong directory");
        Files.createDirectories(store.root().resolve(".chunks/zzzz"));
        Files.writeString(store.root().resolve(".chunks/ABCD"), "x");
        List<ChunkId> listed = new ArrayList<>();
        store.forEachChunk(listed::add);
        assertThat(listed).containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void syncWithNothingDirtyIsCheap() {
        store.syncDirtyChunkDirs();
        store.syncDirtyChunkDirs();
    }

    private void assertNoTempFiles() throws IOException {
        try (Stream<Path> files = Files.walk(store.root())) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".tmp-"))).isEmpty();
        }
    }
}
