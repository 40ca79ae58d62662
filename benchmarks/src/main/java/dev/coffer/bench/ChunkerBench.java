package dev.coffer.bench;

import dev.coffer.core.chunking.CdcChunker;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The keyed Gear chunker (design.md 3.1) cutting a 64 MiB buffer at the default 4 MiB average. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
@State(Scope.Thread)
public class ChunkerBench {
    /** Bytes processed per operation: divide by the time per operation for MB/s. */
    public static final int BYTES = 64 << 20;

    @Param({"random", "text"})
    public String data;

    private byte[] buf;
    private CdcChunker chunker;

    @Setup
    public void setUp() {
        buf = Data.of(data, BYTES, 1);
        chunker = new CdcChunker(CdcChunker.gear(Data.random(32, 2)), CdcChunker.DEFAULT_AVERAGE);
    }

    /** Cuts the whole buffer; returns the number of chunks. */
    @Benchmark
    public int cutAll() {
        int off = 0;
        int chunks = 0;
        while (off < buf.length) {
            int len = buf.length - off;
            off += chunker.findCut(buf, off, len, len < chunker.maxSize());
            chunks++;
        }
        return chunks;
    }
}
