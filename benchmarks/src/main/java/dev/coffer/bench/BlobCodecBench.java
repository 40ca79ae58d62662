package dev.coffer.bench;

import dev.coffer.core.crypto.BlobCodec;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.crypto.DataKey;
import dev.coffer.core.crypto.KeySet;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
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

/**
 * One 4 MiB chunk through BlobCodec in encrypt mode: encode with a known id (zstd-1, AES-256-GCM, CRC32C, as
 * the backup workers call it) and decode (CRC32C, GCM, zstd, HMAC id recomputed, as restore and verify
 * --decrypt do); the keyless verify of a plain chunk; and raw AES-256-GCM through the same provider.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
@State(Scope.Thread)
public class BlobCodecBench {
    public static final int BYTES = 4 << 20;

    @Param({"random", "text"})
    public String data;

    private byte[] chunk;
    private ChunkId id;
    private BlobCodec codec;
    private BlobCodec plain;
    private byte[] blob;
    private ChunkId plainId;
    private byte[] plainBlob;
    private Cipher gcm;
    private SecretKeySpec aesKey;
    private byte[] nonce;
    private byte[] gcmOut;

    @Setup
    public void setUp() throws Exception {
        chunk = Data.of(data, BYTES, 5);
        codec = new BlobCodec(CryptMode.ENCRYPT, KeySet.derive(DataKey.generate()));
        id = codec.idOf(chunk, 0, chunk.length);
        blob = codec.encodeChunk(id, chunk, 0, chunk.length).blob();
        plain = new BlobCodec(CryptMode.NONE, null);
        BlobCodec.Encoded p = plain.encodeChunk(chunk, 0, chunk.length);
        plainId = p.id();
        plainBlob = p.blob();
        gcm = Cipher.getInstance("AES/GCM/NoPadding");
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        aesKey = new SecretKeySpec(k, "AES");
        nonce = new byte[12];
        gcmOut = new byte[BYTES + 16];
    }

    @Benchmark
    public byte[] encode() {
        return codec.encodeChunk(id, chunk, 0, chunk.length).blob();
    }

    @Benchmark
    public byte[] decode() {
        return codec.decodeChunk(id, blob);
    }

    /** Keyless check of a plain chunk: CRC32C, zstd, SHA-256 (verify without a key, none/sign-only modes). */
    @Benchmark
    public byte[] verifyPlain() {
        return plain.decodeChunk(plainId, plainBlob);
    }

    /** AES-256-GCM alone over the chunk (a fresh nonce per call, as a real encryption needs). */
    @Benchmark
    public int aesGcmEncrypt() throws Exception {
        nonce[0]++;
        if (nonce[0] == 0) {
            nonce[1]++;
        }
        gcm.init(Cipher.ENCRYPT_MODE, aesKey, new GCMParameterSpec(128, nonce));
        return gcm.doFinal(chunk, 0, chunk.length, gcmOut, 0);
    }
}
