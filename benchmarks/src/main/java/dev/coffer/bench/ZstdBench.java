package dev.coffer.bench;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** zstd level 1 of one 4 MiB chunk, as BlobCodec sets it up (content size in the header, no checksum). */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
@State(Scope.Thread)
public class ZstdBench {
    public static final int BYTES = 4 << 20;

    @Param({"random", "text"})
    public String data;

    private byte[] chunk;
    private byte[] out;
    private byte[] compressed;
    private int compressedLength;
    private byte[] back;
    private ZstdCompressCtx cctx;
    private ZstdDecompressCtx dctx;

    @Setup
    public void setUp() {
        chunk = Data.of(data, BYTES, 4);
        cctx = new ZstdCompressCtx().setLevel(1).setContentSize(true).setChecksum(false);
        dctx = new ZstdDecompressCtx();
        out = new byte[BYTES + (BYTES >> 7) + 1024];
        compressedLength = cctx.compressByteArray(out, 0, out.length, chunk, 0, chunk.length);
        compressed = java.util.Arrays.copyOf(out, compressedLength);
        back = new byte[BYTES];
    }

    @TearDown
    public void tearDown() {
        cctx.close();
        dctx.close();
    }

    @Benchmark
    public int compress() {
        return cctx.compressByteArray(out, 0, out.length, chunk, 0, chunk.length);
    }

    @Benchmark
    public int decompress() {
        return dctx.decompressByteArray(back, 0, back.length, compressed, 0, compressed.length);
    }
}
