package dev.coffer.bench;

import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.format.Index;
import dev.coffer.core.format.IndexWriter;
import dev.coffer.core.util.IdSet;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The mark phase of garbage collection per index: parsing a 100,000-entry dynamic index (4 MB: SHA-256 of the
 * file, offset checks) and putting its ids into the known-chunk set.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
@State(Scope.Thread)
public class IndexBench {
    public static final int ENTRIES = 100_000;

    private byte[] file;
    private Index parsed;

    @Setup
    public void setUp() {
        IndexWriter w = IndexWriter.dynamic(CryptMode.ENCRYPT);
        SplittableRandom r = new SplittableRandom(6);
        byte[] id = new byte[32];
        long end = 0;
        for (int i = 0; i < ENTRIES; i++) {
            r.nextBytes(id);
            end += 1 + r.nextInt(8 << 20);
            w.addDynamic(end, ChunkId.of(id));
        }
        file = w.finish();
        parsed = Index.parse(file);
    }

    @Benchmark
    public Index parse() {
        return Index.parse(file);
    }

    /** Every id of the parsed index into a fresh known-chunk set. */
    @Benchmark
    public IdSet markIds() {
        IdSet s = new IdSet();
        byte[] scratch = new byte[32];
        for (int i = 0; i < parsed.chunkCount(); i++) {
            parsed.id(i).copyTo(scratch, 0);
            s.add(scratch, 0);
        }
        return s;
    }
}
