package dev.coffer.bench;

import dev.coffer.core.crypto.BlobCodec;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.crypto.DataKey;
import dev.coffer.core.crypto.Digests;
import dev.coffer.core.crypto.KeySet;
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

/** Chunk ids of one 4 MiB chunk: SHA-256 (plain modes, per-file digests) and the keyed HMAC-SHA256 id. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
@State(Scope.Thread)
public class HashBench {
    public static final int BYTES = 4 << 20;

    private byte[] chunk;
    private KeySet keys;
    private BlobCodec codec;

    @Setup
    public void setUp() {
        chunk = Data.random(BYTES, 3);
        keys = KeySet.derive(DataKey.generate());
        codec = new BlobCodec(CryptMode.ENCRYPT, keys);
    }

    @Benchmark
    public ChunkId sha256() {
        return Digests.sha256Id(chunk, 0, chunk.length);
    }

    @Benchmark
    public ChunkId hmacChunkId() {
        return keys.chunkId(chunk, 0, chunk.length);
    }

    /** The same HMAC through the codec, as the backup pipeline calls it. */
    @Benchmark
    public ChunkId blobCodecIdOf() {
        return codec.idOf(chunk, 0, chunk.length);
    }
}
