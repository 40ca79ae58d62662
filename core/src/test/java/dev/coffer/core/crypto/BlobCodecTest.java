package dev.coffer.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.CorruptDataException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BlobCodecTest {
    static final KeySet KEYS = KeySet.derive(DataKey.generate());
    static final KeySet OTHER = KeySet.derive(DataKey.generate());
    static final byte[] TEXT = "a compressible line of text\n".repeat(5000).getBytes(StandardCharsets.US_ASCII);
    static final byte[] RANDOM = random(300_000);

    static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(42).nextBytes(b);
        return b;
    }

    static void fixCrc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b, 12, b.length - 12);
        int v = (int) c.getValue();
        for (int i = 0; i < 4; i++) {
            b[8 + i] = (byte) (v >>> (8 * i));
        }
    }

    private static BlobCodec codec(CryptMode m) {
        return new BlobCodec(m, m == CryptMode.NONE ? null : KEYS);
    }

    @ParameterizedTest
    @EnumSource(CryptMode.class)
    void roundTripsInEveryMode(CryptMode mode) {
        BlobCodec c = codec(mode);
        for (byte[] data : new byte[][] {TEXT, RANDOM, new byte[0], new byte[1 << 20]}) {
            BlobCodec.Encoded e = c.encodeChunk(data, 0, data.length);
            assertThat(c.decodeChunk(e.id(), e.blob())).isEqualTo(data);
            BlobCodec.BlobInfo info = BlobCodec.inspect(e.blob());
            assertThat(info.encrypted()).isEqualTo(mode == CryptMode.ENCRYPT);
        }
        assertThat(c.encodeChunk(TEXT, 0, TEXT.length).compressed()).isTrue();
        assertThat(c.encodeChunk(RANDOM, 0, RANDOM.length).compressed()).isFalse();
        assertThat(c.encodeChunk(TEXT, 0, TEXT.length).blob().length).isLessThan(TEXT.length / 10);
    }

    @Test
    void idsAreKeyedOnlyWhenEncrypting() {
        assertThat(codec(CryptMode.ENCRYPT).idOf(TEXT, 0, TEXT.length))
                .isNotEqualTo(new BlobCodec(CryptMode.ENCRYPT, OTHER).idOf(TEXT, 0, TEXT.length))
                .isNotEqualTo(codec(CryptMode.NONE).idOf(TEXT, 0, TEXT.length));
        assertThat(codec(CryptMode.SIGN_ONLY).idOf(TEXT, 0, TEXT.length)).isEqualTo(Digests.sha256Id(TEXT, 0, TEXT.length));
    }

    @Test
    void everyEncryptionUsesAFreshNonce() {
        BlobCodec c = codec(CryptMode.ENCRYPT);
        byte[] a = c.encodeChunk(TEXT, 0, TEXT.length).blob();
        byte[] b = c.encodeChunk(TEXT, 0, TEXT.length).blob();
        assertThat(Arrays.copyOfRange(a, 12, 24)).isNotEqualTo(Arrays.copyOfRange(b, 12, 24));
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void flippedBytesInEveryRegionAreDetected() {
        BlobCodec c = codec(CryptMode.ENCRYPT);
        BlobCodec.Encoded e = c.encodeChunk(TEXT, 0, TEXT.length);
        String prefix = "chunk " + e.id().hex() + ": ";
        int[] offsets = {0, 4, 5, 6, 9, 13, 30, e.blob().length - 20, e.blob().length - 1};
        String[] expected = {BlobCodec.BAD_MAGIC, "unknown blob kind", "reserved header bits are set",
            "reserved header bits are set", BlobCodec.CRC_MISMATCH, BlobCodec.CRC_MISMATCH, BlobCodec.CRC_MISMATCH,
            BlobCodec.CRC_MISMATCH, BlobCodec.CRC_MISMATCH};
        for (int i = 0; i < offsets.length; i++) {
            byte[] b = e.blob().clone();
            b[offsets[i]] ^= (byte) (offsets[i] == 4 ? 0x10 : offsets[i] == 5 ? 0x80 : 1);
            int at = i;
            assertThatThrownBy(() -> c.decodeChunk(e.id(), b)).isInstanceOf(CorruptDataException.class)
                    .as("offset " + offsets[at]).hasMessageStartingWith(prefix).hasMessageContaining(expected[at]);
        }
        // with the CRC repaired, only the cryptography can notice: nonce, ciphertext, tag
        for (int off : new int[] {13, 30, e.blob().length - 1}) {
            byte[] b = e.blob().clone();
            b[off] ^= 1;
            fixCrc(b);
            assertThatThrownBy(() -> c.decodeChunk(e.id(), b)).hasMessage(prefix + BlobCodec.AUTH_FAILED);
        }
    }

    @Test
    void flagsAndKindAreAuthenticated() {
        BlobCodec c = codec(CryptMode.ENCRYPT);
        BlobCodec.Encoded e = c.encodeChunk(TEXT, 0, TEXT.length);
        byte[] noCompression = e.blob().clone();
        noCompression[5] = BlobCodec.FLAG_ENCRYPTED;
        fixCrc(noCompression);
        assertThatThrownBy(() -> c.decodeChunk(e.id(), noCompression)).hasMessageEndingWith(BlobCodec.AUTH_FAILED);
        byte[] small = e.blob().clone();
        small[4] = BlobCodec.KIND_SMALL;
        fixCrc(small);
        assertThatThrownBy(() -> c.decodeChunk(e.id(), small)).hasMessageContaining("is not a data chunk");
        assertThatThrownBy(() -> c.openSmall(small, e.id().bytes())).hasMessageEndingWith(BlobCodec.AUTH_FAILED);
    }

    @Test
    void swappedChunkWrongKeyTruncationAndModeMismatch() {
        BlobCodec c = codec(CryptMode.ENCRYPT);
        BlobCodec.Encoded a = c.encodeChunk(TEXT, 0, TEXT.length);
        BlobCodec.Encoded b = c.encodeChunk(RANDOM, 0, RANDOM.length);
        assertThatThrownBy(() -> c.decodeChunk(a.id(), b.blob())).hasMessage("chunk " + a.id().hex() + ": " + BlobCodec.AUTH_FAILED);
        assertThatThrownBy(() -> new BlobCodec(CryptMode.ENCRYPT, OTHER).decodeChunk(a.id(), a.blob()))
                .hasMessageEndingWith(BlobCodec.AUTH_FAILED);
        assertThatThrownBy(() -> c.decodeChunk(a.id(), Arrays.copyOf(a.blob(), 20))).hasMessageEndingWith(BlobCodec.CRC_MISMATCH);
        assertThatThrownBy(() -> c.decodeChunk(a.id(), Arrays.copyOf(a.blob(), 7))).hasMessageEndingWith(BlobCodec.TRUNCATED);
        BlobCodec.Encoded plain = codec(CryptMode.NONE).encodeChunk(TEXT, 0, TEXT.length);
        assertThatThrownBy(() -> c.decodeChunk(plain.id(), plain.blob())).hasMessageEndingWith("is not encrypted but the snapshot is");
        assertThatThrownBy(() -> codec(CryptMode.NONE).decodeChunk(a.id(), a.blob()))
                .hasMessageEndingWith("is encrypted but the snapshot is not");
    }

    @Test
    void plaintextChunkChangedConsistentlyFailsTheIdCheck() {
        BlobCodec c = codec(CryptMode.SIGN_ONLY);
        BlobCodec.Encoded e = c.encodeChunk(RANDOM, 0, RANDOM.length);
        byte[] b = e.blob().clone();
        b[100] ^= 1;
        fixCrc(b);
        assertThatThrownBy(() -> c.decodeChunk(e.id(), b)).hasMessage("chunk " + e.id().hex() + ": " + BlobCodec.ID_MISMATCH);
    }

    @Test
    void decompressionBombIsRefusedBeforeAllocating() {
        BlobCodec c = codec(CryptMode.NONE);
        byte[] huge = com.github.luben.zstd.Zstd.compress(new byte[65 << 20], 1);
        byte[] blob = new byte[12 + huge.length];
        System.arraycopy(new byte[] {'C', 'F', 'B', 1, 1, BlobCodec.FLAG_COMPRESSED}, 0, blob, 0, 6);
        System.arraycopy(huge, 0, blob, 12, huge.length);
        fixCrc(blob);
        ChunkId id = ChunkId.of(new byte[32]);
        assertThatThrownBy(() -> c.decodeChunk(id, blob)).hasMessageContaining("compressed data is damaged");
    }

    @Test
    void encryptedBytesLookRandomEvenForRepetitiveInput() {
        BlobCodec c = codec(CryptMode.ENCRYPT);
        long[] freq = new long[256];
        long n = 0;
        byte[] zeros = new byte[1 << 20];
        for (int k = 0; k < 4; k++) {
            zeros[0] = (byte) k; // different chunks, all nearly zero
            byte[] b = c.encodeChunk(zeros, 0, zeros.length).blob();
            for (int i = 24; i < b.length; i++) {
                freq[b[i] & 0xff]++;
                n++;
            }
        }
        // compressed to almost nothing: feed more, uncompressible-after-encryption ciphertext of random-ish text
        for (int k = 0; k < 4; k++) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 40_000; i++) {
                sb.append("record ").append(k * 40_000 + i).append(" value ").append((i * 7919L) % 100_000).append('\n');
            }
            byte[] t = sb.toString().getBytes(StandardCharsets.US_ASCII);
            byte[] b = c.encodeChunk(t, 0, t.length).blob();
            for (int i = 24; i < b.length; i++) {
                freq[b[i] & 0xff]++;
                n++;
            }
        }
        assertThat(n).isGreaterThan(200_000);
        double e = n / 256.0;
        double chi = 0;
        for (long f : freq) {
            chi += (f - e) * (f - e) / e;
        }
        assertThat(chi).isLessThan(400);
    }

    @Test
    void smallSealedBlobsBindTheirContext() {
        BlobCodec c = codec(CryptMode.ENCRYPT);
        byte[] ctx = new byte[32];
        ctx[0] = 7;
        byte[] sealed = c.sealSmall("notes".getBytes(StandardCharsets.UTF_8), ctx);
        assertThat(c.openSmall(sealed, ctx)).isEqualTo("notes".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> c.openSmall(sealed, new byte[32])).hasMessageEndingWith(BlobCodec.AUTH_FAILED);
    }

    @Test
    void keyMaterialNeverAppearsInToString() {
        DataKey k = DataKey.generate();
        String hex = dev.coffer.core.util.Hex.encode(k.exposeBytesDangerous());
        assertThat(k.toString()).doesNotContain(hex).startsWith("DataKey[");
        assertThat(KeySet.derive(k).toString()).doesNotContain(hex);
    }
}
