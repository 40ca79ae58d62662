package dev.coffer.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import dev.coffer.core.CorruptDataException;
import dev.coffer.core.util.Hex;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32C;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BlobCodecTest {
    static final byte[] RAW_KEY = Hex.decode("8f".repeat(32));
    static final KeySet KEYS = KeySet.derive(DataKey.fromBytesDangerous(RAW_KEY));
    static final KeySet OTHER = KeySet.derive(DataKey.generate());
    static final byte[] TEXT = "a compressible line of text\n".repeat(5000).getBytes(StandardCharsets.US_ASCII);
    static final byte[] RANDOM = random(42, 300_000);
    static final BlobCodec ENC = new BlobCodec(CryptMode.ENCRYPT, KEYS);
    static final BlobCodec NONE = new BlobCodec(CryptMode.NONE, null);

    static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Recomputes the CRC32C, as an attacker (or a careless repair tool) would. */
    static byte[] fixCrc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b, 12, b.length - 12);
        int v = (int) c.getValue();
        for (int i = 0; i < 4; i++) {
            b[8 + i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    private static BlobCodec codec(CryptMode m) {
        return new BlobCodec(m, m == CryptMode.NONE ? null : KEYS);
    }

    private static String prefix(ChunkId id) {
        return "chunk " + id.hex() + ": ";
    }

    private static void assertFails(BlobCodec c, ChunkId id, byte[] blob, String reason) {
        assertThatThrownBy(() -> c.decodeChunk(id, blob)).isExactlyInstanceOf(CorruptDataException.class)
                .hasMessage(prefix(id) + reason);
        // decoding in place, and into pooled arrays, refuses exactly the same
        assertThatThrownBy(() -> c.decodeChunkConsuming(id, blob.clone())).isExactlyInstanceOf(CorruptDataException.class)
                .hasMessage(prefix(id) + reason);
        assertThatThrownBy(() -> c.decodeChunkInto(id, blob.clone(), new dev.coffer.core.util.BufferPool(1 << 20)))
                .isExactlyInstanceOf(CorruptDataException.class).hasMessage(prefix(id) + reason);
        // a reader whose caller checks the plaintext itself refuses the same, except an authentic encrypted
        // blob whose content a key holder got wrong: that one is the caller's digest to catch
        byte[] copy = Arrays.copyOf(blob, blob.length + 5); // in a longer (pooled) array
        if (reason.equals(BlobCodec.ID_MISMATCH) && BlobCodec.inspect(blob).encrypted()) {
            BlobCodec.Decoded d = c.decodeAuthenticatedChunkInto(id, copy, blob.length, new dev.coffer.core.util.BufferPool(1 << 20));
            assertThat(c.idOf(d.data(), 0, d.length())).isNotEqualTo(id);
        } else {
            assertThatThrownBy(() -> c.decodeAuthenticatedChunkInto(id, copy, blob.length,
                    new dev.coffer.core.util.BufferPool(1 << 20)))
                    .isExactlyInstanceOf(CorruptDataException.class).hasMessage(prefix(id) + reason);
        }
    }

    @ParameterizedTest
    @EnumSource(CryptMode.class)
    void blobsBuiltInReusedArraysAndDecodedInPlace(CryptMode mode) {
        BlobCodec c = codec(mode);
        byte[] reused = new byte[BlobCodec.maxBlobLength(1 << 20) + 99];
        for (byte[] data : new byte[][] {TEXT, RANDOM, new byte[0], new byte[1], new byte[1 << 20]}) {
            Arrays.fill(reused, (byte) 0xa5); // whatever the previous chunk left there
            ChunkId id = c.idOf(data, 0, data.length);
            int n = c.encodeChunkInto(id, data, 0, data.length, reused);
            byte[] blob = Arrays.copyOf(reused, n);
            BlobCodec.Encoded fresh = c.encodeChunk(id, data, 0, data.length);
            assertThat(n).isEqualTo(fresh.blob().length);
            assertThat(BlobCodec.inspect(blob)).isEqualTo(BlobCodec.inspect(fresh.blob()));
            assertThat(c.decodeChunk(id, blob)).isEqualTo(data);
            assertThat(c.decodeChunkConsuming(id, blob.clone())).isEqualTo(data);
            dev.coffer.core.util.BufferPool pool = new dev.coffer.core.util.BufferPool(8 << 20);
            pool.give(new byte[(2 << 20) + 5]); // a dirty, longer array to decode into
            BlobCodec.Decoded d = c.decodeChunkInto(id, blob.clone(), pool);
            assertThat(d.length()).isEqualTo(data.length);
            assertThat(Arrays.copyOf(d.data(), d.length())).isEqualTo(data);
            byte[] longer = Arrays.copyOf(blob, blob.length + 7);
            BlobCodec.Decoded a = c.decodeAuthenticatedChunkInto(id, longer, blob.length, pool);
            assertThat(Arrays.copyOf(a.data(), a.length())).isEqualTo(data);
            if (mode == CryptMode.ENCRYPT && data.length >= 16) {
                // in place means in place: the ciphertext is gone afterwards (at least 16 bytes, so
                // plaintext and ciphertext cannot coincide by chance as a single byte does 1 time in 256)
                byte[] consumed = blob.clone();
                c.decodeChunkConsuming(id, consumed);
                assertThat(consumed).isNotEqualTo(blob);
            }
        }
        byte[] small = new byte[BlobCodec.maxBlobLength(TEXT.length) - 1];
        ChunkId id = c.idOf(TEXT, 0, TEXT.length);
        assertThatThrownBy(() -> c.encodeChunkInto(id, TEXT, 0, TEXT.length, small))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too small");
    }

    /** An encrypted blob built by hand from design.md with the JDK's own GCM, for payloads the codec never writes. */
    static byte[] handMade(int kind, int flags, byte[] context, byte[] payload) throws Exception {
        byte[] aeadKey = Hkdf.deriveSha256(RAW_KEY, null, "coffer/v1/aead".getBytes(StandardCharsets.US_ASCII), 32);
        byte[] nonce = random(System.nanoTime(), 12);
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding", "SunJCE");
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(aeadKey, "AES"), new GCMParameterSpec(128, nonce));
        byte[] aad = new byte[48];
        System.arraycopy("coffer-blob-v1".getBytes(StandardCharsets.US_ASCII), 0, aad, 0, 14);
        aad[14] = (byte) kind;
        aad[15] = (byte) flags;
        System.arraycopy(context, 0, aad, 16, 32);
        c.updateAAD(aad);
        byte[] ct = c.doFinal(payload);
        byte[] blob = new byte[24 + ct.length];
        System.arraycopy(new byte[] {'C', 'F', 'B', 1, (byte) kind, (byte) flags}, 0, blob, 0, 6);
        System.arraycopy(nonce, 0, blob, 12, 12);
        System.arraycopy(ct, 0, blob, 24, ct.length);
        return fixCrc(blob);
    }

    static byte[] plainBlob(int flags, byte[] payload) {
        byte[] blob = new byte[12 + payload.length];
        System.arraycopy(new byte[] {'C', 'F', 'B', 1, 1, (byte) flags}, 0, blob, 0, 6);
        System.arraycopy(payload, 0, blob, 12, payload.length);
        return fixCrc(blob);
    }

    @ParameterizedTest
    @EnumSource(CryptMode.class)
    void roundTripsInEveryMode(CryptMode mode) {
        BlobCodec c = codec(mode);
        for (byte[] data : new byte[][] {TEXT, RANDOM, new byte[0], new byte[1], {7, 7}, new byte[1 << 20]}) {
            BlobCodec.Encoded e = c.encodeChunk(data, 0, data.length);
            assertThat(e.id()).isEqualTo(c.idOf(data, 0, data.length));
            assertThat(e.plainLength()).isEqualTo(data.length);
            assertThat(c.decodeChunk(e.id(), e.blob())).isEqualTo(data);
            BlobCodec.BlobInfo info = BlobCodec.inspect(e.blob());
            assertThat(info.kind()).isEqualTo(BlobCodec.KIND_CHUNK);
            assertThat(info.encrypted()).isEqualTo(mode == CryptMode.ENCRYPT);
            assertThat(info.compressed()).isEqualTo(e.compressed());
            assertThat(info.bodyLength()).isEqualTo(e.blob().length - 12);
            int overhead = 12 + (mode == CryptMode.ENCRYPT ? 28 : 0);
            if (e.compressed()) {
                assertThat(e.blob().length - overhead).isLessThan(data.length);
            } else {
                assertThat(e.blob().length).isEqualTo(data.length + overhead);
            }
        }
        assertThat(c.encodeChunk(TEXT, 0, TEXT.length).compressed()).isTrue();
        assertThat(c.encodeChunk(TEXT, 0, TEXT.length).blob().length).isLessThan(TEXT.length / 10);
        assertThat(c.encodeChunk(RANDOM, 0, RANDOM.length).compressed()).isFalse();
        assertThat(c.encodeChunk(new byte[0], 0, 0).blob()).hasSize(mode == CryptMode.ENCRYPT ? 40 : 12);
    }

    @ParameterizedTest
    @EnumSource(CryptMode.class)
    void slicesAndPrecomputedIds(CryptMode mode) {
        BlobCodec c = codec(mode);
        byte[] big = new byte[TEXT.length + 1000];
        System.arraycopy(TEXT, 0, big, 500, TEXT.length);
        ChunkId id = c.idOf(big, 500, TEXT.length);
        assertThat(id).isEqualTo(c.idOf(TEXT, 0, TEXT.length));
        BlobCodec.Encoded e = c.encodeChunk(id, big, 500, TEXT.length);
        assertThat(e.id()).isSameAs(id);
        assertThat(c.decodeChunk(id, e.blob())).isEqualTo(TEXT);
        assertThat(c.decodeChunk(id, c.encodeChunk(big, 500, TEXT.length).blob())).isEqualTo(TEXT);
        assertThatThrownBy(() -> c.encodeChunk(big, 900, big.length)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void constructorNeedsAKeyOnlyToEncrypt() {
        assertThatThrownBy(() -> new BlobCodec(CryptMode.ENCRYPT, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BlobCodec(null, KEYS)).isInstanceOf(NullPointerException.class);
        BlobCodec signOnly = new BlobCodec(CryptMode.SIGN_ONLY, null);
        BlobCodec.Encoded e = signOnly.encodeChunk(TEXT, 0, TEXT.length);
        assertThat(NONE.decodeChunk(e.id(), e.blob())).isEqualTo(TEXT);
        assertThat(signOnly.mode()).isEqualTo(CryptMode.SIGN_ONLY);
    }

    @Test
    void idsAreKeyedOnlyWhenEncrypting() {
        assertThat(ENC.idOf(TEXT, 0, TEXT.length))
                .isNotEqualTo(new BlobCodec(CryptMode.ENCRYPT, OTHER).idOf(TEXT, 0, TEXT.length))
                .isNotEqualTo(NONE.idOf(TEXT, 0, TEXT.length));
        assertThat(codec(CryptMode.SIGN_ONLY).idOf(TEXT, 0, TEXT.length)).isEqualTo(Digests.sha256Id(TEXT, 0, TEXT.length));
        assertThat(NONE.idOf(TEXT, 0, TEXT.length)).isEqualTo(Digests.sha256Id(TEXT, 0, TEXT.length));
    }

    @Test
    void everyEncryptionUsesAFreshNonce() {
        List<String> nonces = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            nonces.add(Hex.encode(Arrays.copyOfRange(ENC.encodeChunk(TEXT, 0, 100).blob(), 12, 24)));
        }
        assertThat(nonces).doesNotHaveDuplicates();
    }

    /** Every single-bit change anywhere in an encrypted blob is refused, each with the reason of its region. */
    @Test
    void everyBitFlipOfAnEncryptedBlobIsRefused() {
        for (byte[] data : new byte[][] {TEXT, Arrays.copyOf(RANDOM, 200)}) {
            BlobCodec.Encoded e = ENC.encodeChunk(data, 0, data.length);
            byte[] good = e.blob();
            int flags = good[5];
            for (int i = 0; i < Math.min(good.length, 400); i++) {
                for (int bit = 0; bit < 8; bit++) {
                    byte[] b = good.clone();
                    b[i] ^= (byte) (1 << bit);
                    String reason;
                    if (i < 4) {
                        reason = BlobCodec.BAD_MAGIC;
                    } else if (i == 4) {
                        reason = BlobCodec.UNKNOWN_KIND + " " + (1 ^ (1 << bit));
                    } else if (i == 5 && bit == 0) {
                        reason = BlobCodec.PLAIN_UNEXPECTED; // the header is outside the CRC
                    } else if (i == 5 && bit == 1) {
                        reason = BlobCodec.AUTH_FAILED; // the flags are in the AAD
                    } else if (i < 8) {
                        reason = BlobCodec.RESERVED_BITS;
                    } else {
                        reason = BlobCodec.CRC_MISMATCH;
                    }
                    assertFails(ENC, e.id(), b, reason);
                    if (i >= 12) { // with the CRC repaired, only the cryptography notices: nonce, ciphertext, tag
                        assertFails(ENC, e.id(), fixCrc(b), BlobCodec.AUTH_FAILED);
                    }
                }
            }
            assertThat(flags).isEqualTo(e.compressed() ? 3 : 1);
        }
    }

    @Test
    void everyBitFlipOfAPlainBlobIsRefused() {
        BlobCodec.Encoded raw = NONE.encodeChunk(RANDOM, 0, 300);
        BlobCodec.Encoded packed = NONE.encodeChunk(TEXT, 0, TEXT.length);
        for (int i = 12; i < raw.blob().length; i++) {
            byte[] b = raw.blob().clone();
            b[i] ^= 1;
            assertFails(NONE, raw.id(), b, BlobCodec.CRC_MISMATCH);
            assertFails(NONE, raw.id(), fixCrc(b), BlobCodec.ID_MISMATCH);
        }
        int ignored = 0;
        for (int i = 12; i < packed.blob().length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] b = packed.blob().clone();
                b[i] ^= (byte) (1 << bit);
                fixCrc(b);
                byte[][] result = new byte[1][];
                Throwable t = catchThrowable(() -> result[0] = NONE.decodeChunk(packed.id(), b));
                if (t == null) {
                    // a bit zstd ignores: the content still matches its id, which is all that counts
                    assertThat(result[0]).isEqualTo(TEXT);
                    ignored++;
                    continue;
                }
                assertThat(t).isExactlyInstanceOf(CorruptDataException.class);
                assertThat(t.getMessage()).startsWith(prefix(packed.id()))
                        .satisfiesAnyOf(m -> assertThat(m).contains(BlobCodec.BAD_COMPRESSION),
                                m -> assertThat(m).endsWith(BlobCodec.ID_MISMATCH));
            }
        }
        assertThat(ignored).isLessThan(packed.blob().length); // a few padding bits at most
    }

    @Test
    void truncatedAndExtendedBlobs() {
        BlobCodec.Encoded e = ENC.encodeChunk(RANDOM, 0, 100);
        byte[] good = e.blob();
        for (int n = 0; n < good.length; n++) {
            byte[] b = Arrays.copyOf(good, n);
            assertFails(ENC, e.id(), b, n < 12 ? BlobCodec.TRUNCATED : BlobCodec.CRC_MISMATCH);
            if (n >= 12) {
                assertFails(ENC, e.id(), fixCrc(b), n < 40 ? BlobCodec.TRUNCATED : BlobCodec.AUTH_FAILED);
            }
        }
        byte[] longer = Arrays.copyOf(good, good.length + 1);
        assertFails(ENC, e.id(), longer, BlobCodec.CRC_MISMATCH);
        assertFails(ENC, e.id(), fixCrc(longer), BlobCodec.AUTH_FAILED);
        assertFails(ENC, e.id(), new byte[] {'X'}, BlobCodec.BAD_MAGIC);
        assertFails(ENC, e.id(), new byte[] {'C', 'F', 'X'}, BlobCodec.BAD_MAGIC);
        assertFails(ENC, e.id(), new byte[] {'C', 'F'}, BlobCodec.TRUNCATED);
        assertFails(ENC, e.id(), "CFB\u0002 something long enough".getBytes(StandardCharsets.US_ASCII), BlobCodec.BAD_MAGIC);
        assertFails(ENC, e.id(), new byte[0], BlobCodec.TRUNCATED);
        assertThatThrownBy(() -> BlobCodec.inspect(Arrays.copyOf(good, 5))).hasMessage("blob: " + BlobCodec.TRUNCATED);
    }

    @Test
    void swappedChunkWrongKeyAndModeMismatch() {
        BlobCodec.Encoded a = ENC.encodeChunk(TEXT, 0, TEXT.length);
        BlobCodec.Encoded b = ENC.encodeChunk(RANDOM, 0, RANDOM.length);
        assertFails(ENC, a.id(), b.blob(), BlobCodec.AUTH_FAILED);
        assertFails(ENC, b.id(), a.blob(), BlobCodec.AUTH_FAILED);
        assertFails(new BlobCodec(CryptMode.ENCRYPT, OTHER), a.id(), a.blob(), BlobCodec.AUTH_FAILED);
        BlobCodec.Encoded pa = NONE.encodeChunk(TEXT, 0, TEXT.length);
        BlobCodec.Encoded pb = NONE.encodeChunk(RANDOM, 0, RANDOM.length);
        assertFails(NONE, pa.id(), pb.blob(), BlobCodec.ID_MISMATCH);
        assertFails(ENC, pa.id(), pa.blob(), BlobCodec.PLAIN_UNEXPECTED);
        assertFails(NONE, a.id(), a.blob(), BlobCodec.ENCRYPTED_UNEXPECTED);
        assertFails(codec(CryptMode.SIGN_ONLY), a.id(), a.blob(), BlobCodec.ENCRYPTED_UNEXPECTED);
    }

    @Test
    void flagsAndKindAreAuthenticated() {
        BlobCodec.Encoded e = ENC.encodeChunk(TEXT, 0, TEXT.length);
        byte[] noCompression = e.blob().clone();
        noCompression[5] = BlobCodec.FLAG_ENCRYPTED;
        assertFails(ENC, e.id(), fixCrc(noCompression), BlobCodec.AUTH_FAILED);
        BlobCodec.Encoded r = ENC.encodeChunk(RANDOM, 0, 1000);
        byte[] compressionAdded = r.blob().clone();
        compressionAdded[5] = BlobCodec.FLAG_ENCRYPTED | BlobCodec.FLAG_COMPRESSED;
        assertFails(ENC, r.id(), fixCrc(compressionAdded), BlobCodec.AUTH_FAILED);
        byte[] small = e.blob().clone();
        small[4] = BlobCodec.KIND_SMALL;
        assertFails(ENC, e.id(), fixCrc(small), BlobCodec.NOT_A_DATA_CHUNK + " (kind 2)");
        assertThatThrownBy(() -> ENC.openSmall(small, e.id().bytes())).hasMessage("sealed blob: " + BlobCodec.AUTH_FAILED);
        byte[] kind3 = e.blob().clone();
        kind3[4] = 3;
        assertFails(ENC, e.id(), fixCrc(kind3), BlobCodec.UNKNOWN_KIND + " 3");
        // plain blobs: the flags are not authenticated, but the id check and the zstd frame rules catch a change
        BlobCodec.Encoded p = NONE.encodeChunk(TEXT, 0, TEXT.length);
        byte[] cleared = p.blob().clone();
        cleared[5] = 0;
        assertFails(NONE, p.id(), cleared, BlobCodec.ID_MISMATCH);
        BlobCodec.Encoded q = NONE.encodeChunk(RANDOM, 0, 1000);
        byte[] set = q.blob().clone();
        set[5] = BlobCodec.FLAG_COMPRESSED;
        assertThatThrownBy(() -> NONE.decodeChunk(q.id(), set)).hasMessageStartingWith(prefix(q.id()) + BlobCodec.BAD_COMPRESSION);
        byte[] plainSealed = p.blob().clone();
        plainSealed[4] = BlobCodec.KIND_SMALL;
        assertFails(NONE, p.id(), plainSealed, BlobCodec.SEALED_NOT_ENCRYPTED);
    }

    @Test
    void authenticBlobsWithBadContentAreStillRefused() throws Exception {
        ChunkId id = ENC.idOf(TEXT, 0, TEXT.length);
        // authentic (right key, id, kind, flags), but the plaintext is not what the id says
        assertFails(ENC, id, handMade(1, 1, id.bytes(), RANDOM), BlobCodec.ID_MISMATCH);
        // authentic, but the compressed payload declares more than 64 MiB
        byte[] bomb = Zstd.compress(new byte[(64 << 20) + 1], 1);
        assertFails(ENC, id, handMade(1, 3, id.bytes(), bomb),
                BlobCodec.BAD_COMPRESSION + " (declares 67108865 bytes, more than 64 MiB)");
        // authentic, but the frame does not declare its size
        byte[] unsized;
        try (ZstdCompressCtx ctx = new ZstdCompressCtx().setLevel(1).setContentSize(false)) {
            unsized = ctx.compress(TEXT);
        }
        assertThat(unsized[4] & 0xe0).isZero(); // no Frame_Content_Size field
        assertFails(ENC, id, handMade(1, 3, id.bytes(), unsized), BlobCodec.BAD_COMPRESSION + " (no declared content size)");
        // authentic, but two frames
        byte[] one = Zstd.compress(TEXT, 1);
        byte[] two = Arrays.copyOf(one, one.length * 2);
        System.arraycopy(one, 0, two, one.length, one.length);
        assertFails(ENC, id, handMade(1, 3, id.bytes(), two), BlobCodec.BAD_COMPRESSION + " (not exactly one zstd frame)");
        assertFails(ENC, id, handMade(1, 3, id.bytes(), Arrays.copyOf(one, one.length + 1)),
                BlobCodec.BAD_COMPRESSION + " (not exactly one zstd frame)");
        assertFails(ENC, id, handMade(1, 3, id.bytes(), new byte[0]), BlobCodec.BAD_COMPRESSION + " (no valid frame header)");
        // and the real thing, built the same way, is accepted
        assertThat(ENC.decodeChunk(id, handMade(1, 3, id.bytes(), one))).isEqualTo(TEXT);
    }

    @Test
    void sizeLimitsAreEnforcedBeforeAllocating() {
        ChunkId id = NONE.idOf(TEXT, 0, TEXT.length);
        byte[] bomb = Zstd.compress(new byte[(64 << 20) + 1], 1);
        assertThat(bomb.length).isLessThan(10_000);
        assertFails(NONE, id, plainBlob(BlobCodec.FLAG_COMPRESSED, bomb),
                BlobCodec.BAD_COMPRESSION + " (declares 67108865 bytes, more than 64 MiB)");
        byte[] exactly = Zstd.compress(new byte[64 << 20], 1);
        ChunkId zeros = NONE.idOf(new byte[64 << 20], 0, 64 << 20);
        assertThat(NONE.decodeChunk(zeros, plainBlob(BlobCodec.FLAG_COMPRESSED, exactly))).hasSize(64 << 20);
        byte[] huge = new byte[BlobCodec.MAX_BLOB + 1];
        System.arraycopy(new byte[] {'C', 'F', 'B', 1, 1}, 0, huge, 0, 5);
        assertFails(NONE, id, huge, BlobCodec.TOO_LARGE + " (" + huge.length + " bytes)");
        assertThatThrownBy(() -> ENC.encodeChunk(new byte[(64 << 20) + 1], 0, (64 << 20) + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void encryptedBytesLookRandomEvenForRepetitiveInput() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 200_000; i++) {
            sb.append("record ").append(i).append(" value ").append((i * 7919L) % 100).append('\n');
        }
        byte[] t = sb.toString().getBytes(StandardCharsets.US_ASCII);
        BlobCodec.Encoded e = ENC.encodeChunk(t, 0, t.length);
        assertThat(e.compressed()).isTrue();
        byte[] body = Arrays.copyOfRange(e.blob(), 24, e.blob().length);
        assertThat(body.length).isGreaterThan(40_000).isLessThan(t.length / 20);
        // 255 degrees of freedom: mean 255, standard deviation 22.6; uniform bytes (fresh ones every run: the
        // nonce is random) exceed 450 with probability 6e-13, while 400 would fail 1 run in 60 million
        assertThat(chiSquare(body)).isLessThan(450);
        // the same data unencrypted is far from uniform, so the statistic does tell them apart
        assertThat(chiSquare(Arrays.copyOfRange(NONE.encodeChunk(t, 0, t.length).blob(), 12, 12 + body.length))).isGreaterThan(10_000);
    }

    private static double chiSquare(byte[] b) {
        long[] freq = new long[256];
        for (byte x : b) {
            freq[x & 0xff]++;
        }
        double expected = b.length / 256.0;
        double chi = 0;
        for (long f : freq) {
            chi += (f - expected) * (f - expected) / expected;
        }
        return chi;
    }

    @Test
    void smallSealedBlobsBindTheirContext() {
        byte[] ctx = Digests.sha256("coffer-notes/host/a/2026-01-01T00:00:00Z".getBytes(StandardCharsets.UTF_8));
        byte[] other = Digests.sha256("coffer-notes/host/b/2026-01-01T00:00:00Z".getBytes(StandardCharsets.UTF_8));
        byte[] notes = "notes".getBytes(StandardCharsets.UTF_8);
        byte[] sealed = ENC.sealSmall(notes, ctx);
        assertThat(BlobCodec.inspect(sealed)).isEqualTo(new BlobCodec.BlobInfo(2, true, false, sealed.length - 12));
        assertThat(ENC.openSmall(sealed, ctx)).isEqualTo(notes);
        assertThat(ENC.openSmall(ENC.sealSmall(TEXT, ctx), ctx)).isEqualTo(TEXT);
        assertThat(ENC.openSmall(ENC.sealSmall(new byte[0], ctx), ctx)).isEmpty();
        assertThatThrownBy(() -> ENC.openSmall(sealed, other)).isExactlyInstanceOf(CorruptDataException.class)
                .hasMessage("sealed blob: " + BlobCodec.AUTH_FAILED);
        assertThatThrownBy(() -> new BlobCodec(CryptMode.ENCRYPT, OTHER).openSmall(sealed, ctx))
                .hasMessage("sealed blob: " + BlobCodec.AUTH_FAILED);
        byte[] flipped = sealed.clone();
        flipped[30] ^= 4;
        assertThatThrownBy(() -> ENC.openSmall(flipped, ctx)).hasMessage("sealed blob: " + BlobCodec.CRC_MISMATCH);
        assertThatThrownBy(() -> ENC.openSmall(fixCrc(flipped), ctx)).hasMessage("sealed blob: " + BlobCodec.AUTH_FAILED);
        byte[] asChunk = sealed.clone();
        asChunk[4] = BlobCodec.KIND_CHUNK;
        ChunkId fakeId = ChunkId.of(ctx);
        assertFails(ENC, fakeId, fixCrc(asChunk), BlobCodec.AUTH_FAILED);
        assertFails(ENC, fakeId, sealed, BlobCodec.NOT_A_DATA_CHUNK + " (kind 2)");
        BlobCodec.Encoded chunk = ENC.encodeChunk(TEXT, 0, TEXT.length);
        assertThatThrownBy(() -> ENC.openSmall(chunk.blob(), chunk.id().bytes()))
                .hasMessage("sealed blob: " + BlobCodec.NOT_SEALED + " (kind 1)");
        assertThatThrownBy(() -> NONE.sealSmall(notes, ctx)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> NONE.openSmall(sealed, ctx)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ENC.sealSmall(notes, new byte[31])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ENC.openSmall(sealed, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void inspectNeedsNoKey() {
        BlobCodec.Encoded e = ENC.encodeChunk(TEXT, 0, TEXT.length);
        assertThat(BlobCodec.inspect(e.blob())).isEqualTo(new BlobCodec.BlobInfo(1, true, true, e.blob().length - 12));
        byte[] b = e.blob().clone();
        b[b.length - 1] ^= 1;
        assertThatThrownBy(() -> BlobCodec.inspect(b)).isExactlyInstanceOf(CorruptDataException.class)
                .hasMessage("blob: " + BlobCodec.CRC_MISMATCH);
        assertThat(BlobCodec.inspect(fixCrc(b)).encrypted()).isTrue(); // only the key can tell now
    }

    @Test
    void allZeroDetection() {
        byte[] z = new byte[100_000];
        assertThat(BlobCodec.isAllZero(z, 0, z.length)).isTrue();
        assertThat(BlobCodec.isAllZero(z, 0, 0)).isTrue();
        for (int at : new int[] {0, 1, 8191, 8192, 8193, 50_000, 99_999}) {
            z[at] = 1;
            assertThat(BlobCodec.isAllZero(z, 0, z.length)).as("at " + at).isFalse();
            assertThat(BlobCodec.isAllZero(z, at + 1, z.length - at - 1)).isTrue();
            assertThat(BlobCodec.isAllZero(z, 0, at)).isTrue();
            assertThat(BlobCodec.isAllZero(z, at, 1)).isFalse();
            z[at] = 0;
        }
        assertThatThrownBy(() -> BlobCodec.isAllZero(z, 10, z.length)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void oneCodecServesManyThreadsAtOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int seed = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 30; i++) {
                        byte[] d = i % 2 == 0 ? random(seed * 1000L + i, 10_000 + i) : Arrays.copyOf(TEXT, 20_000 + i);
                        for (BlobCodec c : new BlobCodec[] {ENC, NONE}) {
                            BlobCodec.Encoded e = c.encodeChunk(d, 0, d.length);
                            assertThat(c.decodeChunk(e.id(), e.blob())).isEqualTo(d);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void keyMaterialNeverAppearsInToStringAndClosedKeysAreUnusable() {
        DataKey k = DataKey.generate();
        byte[] raw = k.exposeBytesDangerous();
        String hex = Hex.encode(raw);
        assertThat(k.toString()).doesNotContain(hex).isEqualTo("DataKey[" + k.fingerprint().shortForm() + "]");
        KeySet ks = KeySet.derive(k);
        assertThat(ks.toString()).doesNotContain(hex).isEqualTo("KeySet[" + k.fingerprint().shortForm() + "]");
        assertThat(DataKey.fromBytesDangerous(raw).fingerprint()).isEqualTo(k.fingerprint());
        k.close();
        assertThat(k.toString()).isEqualTo("DataKey[closed]");
        assertThatThrownBy(k::exposeBytesDangerous).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(k::fingerprint).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> KeySet.derive(k)).isInstanceOf(IllegalStateException.class);
        // the key set outlives the key it came from
        assertThat(ks.chunkId(TEXT, 0, 10)).isEqualTo(KeySet.derive(DataKey.fromBytesDangerous(raw)).chunkId(TEXT, 0, 10));
        assertThatThrownBy(() -> DataKey.fromBytesDangerous(new byte[31])).isInstanceOf(IllegalArgumentException.class);
        assertThat(DataKey.generate().exposeBytesDangerous()).isNotEqualTo(DataKey.generate().exposeBytesDangerous());
    }

    @Test
    void providerIsInstalled() {
        Providers.install();
        Providers.preload();
        assertThat(Providers.aeadProviderName()).isNotEqualTo("none");
        if (System.getProperty("os.arch").equals("amd64") && System.getProperty("os.name").equals("Linux")) {
            assertThat(Providers.fastProviderInstalled()).isTrue();
            assertThat(Providers.aeadProviderName()).isEqualTo("AmazonCorrettoCryptoProvider");
        }
    }
}
