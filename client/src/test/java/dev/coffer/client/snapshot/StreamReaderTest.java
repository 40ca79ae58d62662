package dev.coffer.client.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.client.repo.LocalRepository;
import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.BlobCodec;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.crypto.DataKey;
import dev.coffer.core.crypto.KeySet;
import dev.coffer.core.format.Index;
import dev.coffer.core.format.IndexWriter;
import dev.coffer.core.util.BufferPool;
import dev.coffer.store.BackupGroup;
import dev.coffer.store.SnapshotRef;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamReaderTest {
    @TempDir
    Path tmp;

    private final ExecutorService threads = Executors.newFixedThreadPool(2);
    /** Counts chunk fetches: every fetch is one task on the reader's executor. */
    private final AtomicInteger fetches = new AtomicInteger();
    private final Executor counting = r -> {
        fetches.incrementAndGet();
        threads.execute(r);
    };
    private final SnapshotRef snapshot = new SnapshotRef(new BackupGroup("", "host", "h"), Instant.EPOCH);
    private LocalRepository repo;
    private BlobCodec codec;
    private final List<byte[]> plain = new ArrayList<>();
    private final List<ChunkId> ids = new ArrayList<>();

    @BeforeEach
    void setUp() {
        repo = LocalRepository.openOrCreate(tmp.resolve("ds"));
        codec = new BlobCodec(CryptMode.ENCRYPT, KeySet.derive(DataKey.generate()));
        Random r = new Random(3);
        for (int i = 0; i < 4; i++) { // chunks A, B, C, D of different lengths
            byte[] d = new byte[1000 + 300 * i];
            r.nextBytes(d);
            BlobCodec.Encoded e = codec.encodeChunk(d, 0, d.length);
            repo.insertChunk(e.id(), e.blob(), 0, e.blob().length);
            plain.add(d);
            ids.add(e.id());
        }
    }

    @AfterEach
    void tearDown() {
        threads.shutdownNow();
        repo.close();
    }

    /** A stream listing the chunks {@code which} (indices into A, B, C, D) in that order. */
    private Index stream(int... which) {
        IndexWriter w = IndexWriter.dynamic(CryptMode.ENCRYPT);
        long end = 0;
        for (int c : which) {
            end += plain.get(c).length;
            w.addDynamic(end, ids.get(c));
        }
        return Index.parse(w.finish());
    }

    private StreamReader reader(Index index, int readAhead, BufferPool pool) {
        return new StreamReader(repo, snapshot, codec, index, counting, readAhead, pool);
    }

    @Test
    void aChunkListedTwiceIsFetchedAndDecodedOnce() {
        Index index = stream(0, 1, 0, 2); // A B A C: a re-backup's payload stream repeats a base chunk like this
        for (BufferPool pool : new BufferPool[] {null, new BufferPool(1 << 20)}) {
            fetches.set(0);
            StreamReader r = reader(index, 2, pool);
            byte[] all = new byte[(int) index.size()];
            r.read(0, all, 0, all.length);
            int at = 0;
            for (int c : new int[] {0, 1, 0, 2}) {
                byte[] part = java.util.Arrays.copyOfRange(all, at, at + plain.get(c).length);
                assertThat(part).as("chunk at " + at).isEqualTo(plain.get(c));
                at += plain.get(c).length;
            }
            assertThat(fetches.get()).as("fetches with pool " + pool).isEqualTo(3);
        }
    }

    @Test
    void readAheadFetchesOnlyThePlannedChunks() {
        Index index = stream(0, 1, 2, 3);
        StreamReader r = reader(index, 3, new BufferPool(1 << 20));
        long startC = index.start(2);
        r.plan(10, 20); // inside A
        r.plan(startC + 5, plain.get(2).length - 5); // inside C
        byte[] buf = new byte[20];
        r.read(10, buf, 0, 20);
        assertThat(buf).isEqualTo(java.util.Arrays.copyOfRange(plain.get(0), 10, 30));
        byte[] c = new byte[plain.get(2).length - 5];
        r.read(startC + 5, c, 0, c.length);
        assertThat(c).isEqualTo(java.util.Arrays.copyOfRange(plain.get(2), 5, plain.get(2).length));
        assertThat(fetches.get()).as("A and C; B and D skipped").isEqualTo(2);

        // a range outside the plan is still served, fetched when asked for
        byte[] d = new byte[plain.get(3).length];
        r.read(index.start(3), d, 0, d.length);
        assertThat(d).isEqualTo(plain.get(3));
        assertThat(fetches.get()).isEqualTo(3);
    }

    @Test
    void withoutAPlanEveryChunkIsFetchedAhead() {
        Index index = stream(0, 1, 2, 3);
        StreamReader r = reader(index, 3, null);
        r.read(0, new byte[1], 0, 1);
        assertThat(fetches.get()).isEqualTo(4);
    }

    /** The repository, recording every chunk it is told will be read soon. */
    private dev.coffer.client.repo.Repository hinted(List<ChunkId> hints) {
        return (dev.coffer.client.repo.Repository) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {dev.coffer.client.repo.Repository.class}, (proxy, m, args) -> {
                    if (m.getName().equals("prefetch")) {
                        synchronized (hints) {
                            hints.add((ChunkId) args[1]);
                        }
                    }
                    try {
                        return m.invoke(repo, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void chunksBeyondTheReadAheadAreHintedOnceEachAndOnlyWhenPlanned() {
        Random rnd = new Random(9);
        IndexWriter w = IndexWriter.dynamic(CryptMode.ENCRYPT);
        List<ChunkId> stream = new ArrayList<>();
        List<byte[]> data = new ArrayList<>();
        long end = 0;
        for (int i = 0; i < 30; i++) { // 30 different chunks
            byte[] d = new byte[200 + i];
            rnd.nextBytes(d);
            BlobCodec.Encoded e = codec.encodeChunk(d, 0, d.length);
            repo.insertChunk(e.id(), e.blob(), 0, e.blob().length);
            end += d.length;
            w.addDynamic(end, e.id());
            stream.add(e.id());
            data.add(d);
        }
        Index index = Index.parse(w.finish());

        List<ChunkId> hints = new ArrayList<>();
        StreamReader r = new StreamReader(hinted(hints), snapshot, codec, index, counting, 2, new BufferPool(1 << 20));
        r.chunk(0);
        // chunks 1 and 2 are fetched now; the next HINT_AHEAD after them are hinted
        assertThat(hints).containsExactlyElementsOf(stream.subList(3, 3 + StreamReader.HINT_AHEAD));
        byte[] all = new byte[(int) index.size()];
        r.read(0, all, 0, all.length);
        assertThat(hints).as("every chunk after the first read-ahead, once, in order")
                .containsExactlyElementsOf(stream.subList(3, 30));
        int at = 0;
        for (byte[] d : data) {
            assertThat(java.util.Arrays.copyOfRange(all, at, at + d.length)).isEqualTo(d);
            at += d.length;
        }

        // with a plan, only planned chunks are fetched or hinted
        hints.clear();
        StreamReader planned = new StreamReader(hinted(hints), snapshot, codec, index, counting, 2, null);
        for (int i = 0; i < 30; i += 3) {
            planned.plan(index.start(i), 1);
        }
        planned.read(0, new byte[1], 0, 1);
        assertThat(hints).containsExactly(stream.get(9), stream.get(12), stream.get(15), stream.get(18));
    }

    /**
     * Reads eight different chunks of one length whole, as an image restore does, with each fetch decoded at
     * once on the calling thread (so what is cached and pooled when is the same every time); returns how many
     * arrays the pool had to allocate. The array of the chunk just returned must stay as it is while the reader
     * decodes the next ones into pooled arrays.
     */
    private long readWhole(boolean wholeChunks) {
        IndexWriter w = IndexWriter.fixed(CryptMode.ENCRYPT, 4096);
        List<byte[]> chunks = new ArrayList<>();
        Random rnd = new Random(5);
        for (int i = 0; i < 8; i++) {
            byte[] d = new byte[4096];
            rnd.nextBytes(d);
            BlobCodec.Encoded e = codec.encodeChunk(d, 0, d.length);
            repo.insertChunk(e.id(), e.blob(), 0, e.blob().length);
            w.addFixed(e.id(), d.length);
            chunks.add(d);
        }
        Index index = Index.parse(w.finish());
        BufferPool pool = new BufferPool(1 << 20);
        StreamReader r = new StreamReader(repo, snapshot, codec, index, Runnable::run, 2, pool);
        if (wholeChunks) {
            r.forWholeChunks();
        }
        for (int i = 0; i < index.chunkCount(); i++) {
            byte[] data = r.chunk(i);
            assertThat(java.util.Arrays.copyOf(data, r.chunkLength(i))).as("chunk " + i).isEqualTo(chunks.get(i));
        }
        return pool.allocations();
    }

    @Test
    void aReaderOfWholeChunksKeepsNoneBehindYetNeverReusesTheArrayItJustReturned() {
        long keepingOneBehind = readWhole(false);
        long whole = readWhole(true);
        assertThat(whole).as("arrays allocated, keeping none behind").isEqualTo(keepingOneBehind - 1);
    }

    @Test
    void wholeChunksCanOnlyBeAskedForBeforeReading() {
        StreamReader r = reader(stream(0, 1), 1, new BufferPool(1 << 20));
        r.chunk(0);
        assertThatThrownBy(r::forWholeChunks).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aRepeatedIdWithAnotherLengthInTheIndexIsRefused() {
        // the index claims chunk A a second time, but with B's length: corrupt, whichever entry comes second
        IndexWriter w = IndexWriter.dynamic(CryptMode.ENCRYPT);
        w.addDynamic(plain.get(0).length, ids.get(0));
        w.addDynamic(plain.get(0).length + plain.get(1).length, ids.get(0));
        Index index = Index.parse(w.finish());
        StreamReader r = reader(index, 2, new BufferPool(1 << 20));
        byte[] first = new byte[plain.get(0).length];
        r.read(0, first, 0, first.length);
        assertThat(first).isEqualTo(plain.get(0));
        assertThatThrownBy(() -> r.read(plain.get(0).length, new byte[10], 0, 10))
                .isExactlyInstanceOf(CorruptDataException.class)
                .hasMessage("chunk " + ids.get(0) + ": has " + plain.get(0).length + " bytes, the index says "
                        + plain.get(1).length);
    }

    @Test
    void sequentialReadsStopAtChunkEndsSoBytesBeforeADamagedChunkArrive() throws Exception {
        Index index = stream(0, 1);
        // damage B in the datastore: a reader must still get all of A first
        Path chunk = tmp.resolve("ds/.chunks").resolve(ids.get(1).hex().substring(0, 4)).resolve(ids.get(1).hex());
        byte[] b = java.nio.file.Files.readAllBytes(chunk);
        b[40] ^= 1;
        java.nio.file.Files.write(chunk, b);
        InputStream in = reader(index, 2, null).sequential();
        byte[] buf = new byte[64 << 10];
        int n = in.read(buf, 0, buf.length);
        assertThat(n).as("one chunk's bytes").isEqualTo(plain.get(0).length);
        assertThat(java.util.Arrays.copyOf(buf, n)).isEqualTo(plain.get(0));
        assertThatThrownBy(() -> in.read(buf, 0, buf.length)).isInstanceOf(CorruptDataException.class)
                .hasMessageContaining(ids.get(1).hex());
    }
}
