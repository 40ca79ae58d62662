package dev.coffer.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.luben.zstd.Zstd;
import dev.coffer.core.chunking.CdcChunker;
import dev.coffer.core.keys.KeyFile;
import dev.coffer.core.util.Hex;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Committed known-answer vectors (src/test/resources/kat). Any change to key derivation, ids, the blob
 * format or the chunker fails here. Some checks decode with nothing but the JDK and design.md, as an
 * independent reader would.
 */
class KnownAnswerTest {
    static JsonNode v;
    static byte[] key;
    static byte[] plain;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = KnownAnswerTest.class.getResourceAsStream("/kat/vectors.json")) {
            v = new ObjectMapper().readTree(in);
        }
        key = Hex.decode(v.get("data-key").asText());
        plain = "coffer known-answer plaintext\n".repeat(34).getBytes(StandardCharsets.US_ASCII);
    }

    private static KeySet keys() {
        return KeySet.derive(DataKey.fromBytesDangerous(key));
    }

    @Test
    void fingerprintAndIdsAndManifestTag() {
        KeySet ks = keys();
        assertThat(ks.fingerprint().toString()).isEqualTo(v.get("fingerprint").asText());
        assertThat(ks.chunkId(plain, 0, plain.length).hex()).isEqualTo(v.get("chunk-id-encrypted").asText());
        assertThat(Digests.sha256Id(plain, 0, plain.length).hex()).isEqualTo(v.get("chunk-id-plain").asText());
        assertThat(Hex.encode(ks.manifestTag(plain, 0, plain.length))).isEqualTo(v.get("manifest-tag-of-plaintext").asText());
    }

    @Test
    void encodingWithTheFixedNonceGivesTheCommittedBlob() {
        BlobCodec codec = new BlobCodec(CryptMode.ENCRYPT, keys());
        byte[] blob = codec.encodeWithNonceForTesting(plain, Hex.decode(v.get("nonce").asText())).blob();
        assertThat(Hex.encode(blob)).isEqualTo(v.get("blob-encrypted").asText());
        byte[] plainBlob = new BlobCodec(CryptMode.NONE, null).encodeChunk(plain, 0, plain.length).blob();
        assertThat(Hex.encode(plainBlob)).isEqualTo(v.get("blob-plain").asText());
    }

    @Test
    void committedBlobsDecodeWithTheCodec() {
        ChunkId id = ChunkId.parse(v.get("chunk-id-encrypted").asText());
        assertThat(new BlobCodec(CryptMode.ENCRYPT, keys()).decodeChunk(id, Hex.decode(v.get("blob-encrypted").asText())))
                .isEqualTo(plain);
        ChunkId pid = ChunkId.parse(v.get("chunk-id-plain").asText());
        assertThat(new BlobCodec(CryptMode.NONE, null).decodeChunk(pid, Hex.decode(v.get("blob-plain").asText())))
                .isEqualTo(plain);
    }

    /** Reads the committed blob following design.md alone: HKDF by hand, the header, the AAD, GCM, zstd. */
    @Test
    void independentReaderFollowingTheSpec() throws Exception {
        byte[] blob = Hex.decode(v.get("blob-encrypted").asText());
        assertThat(Arrays.copyOf(blob, 4)).isEqualTo(new byte[] {0x43, 0x46, 0x42, 0x01});
        int kind = blob[4];
        int flags = blob[5];
        assertThat(kind).isEqualTo(1);
        assertThat(flags).isEqualTo(3); // encrypted, compressed
        CRC32C crc = new CRC32C();
        crc.update(blob, 12, blob.length - 12);
        long stored = (blob[8] & 0xffL) | (blob[9] & 0xffL) << 8 | (blob[10] & 0xffL) << 16 | (blob[11] & 0xffL) << 24;
        assertThat(stored).isEqualTo(crc.getValue());
        byte[] aeadKey = hkdf(key, "coffer/v1/aead");
        byte[] id = Hex.decode(v.get("chunk-id-encrypted").asText());
        byte[] aad = new byte[14 + 2 + 32];
        System.arraycopy("coffer-blob-v1".getBytes(StandardCharsets.US_ASCII), 0, aad, 0, 14);
        aad[14] = (byte) kind;
        aad[15] = (byte) flags;
        System.arraycopy(id, 0, aad, 16, 32);
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding", "SunJCE");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(aeadKey, "AES"), new GCMParameterSpec(128, blob, 12, 12));
        c.updateAAD(aad);
        byte[] compressed = c.doFinal(blob, 24, blob.length - 24);
        byte[] out = Zstd.decompress(compressed, (int) Zstd.getFrameContentSize(compressed));
        assertThat(out).isEqualTo(plain);
        Mac mac = Mac.getInstance("HmacSHA256", "SunJCE");
        mac.init(new SecretKeySpec(hkdf(key, "coffer/v1/chunk-id"), "HmacSHA256"));
        assertThat(mac.doFinal(out)).isEqualTo(id);
        StringBuilder fp = new StringBuilder();
        for (byte b : hkdf(key, "coffer/v1/fingerprint")) {
            fp.append(fp.isEmpty() ? "" : ":").append(String.format("%02x", b));
        }
        assertThat(fp.toString()).isEqualTo(v.get("fingerprint").asText());
    }

    /** RFC 5869 HKDF, one output block, written out from the RFC with the JDK's HMAC. */
    private static byte[] hkdf(byte[] ikm, String label) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256", "SunJCE");
        mac.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
        byte[] prk = mac.doFinal(ikm);
        mac.init(new SecretKeySpec(prk, "HmacSHA256"));
        mac.update(label.getBytes(StandardCharsets.US_ASCII));
        mac.update((byte) 1);
        return mac.doFinal();
    }

    @Test
    void gearTablesAndChunkBoundaries() {
        long[] g = keys().gearTable();
        long[] u = CdcChunker.unkeyedGear();
        for (int i = 0; i < 4; i++) {
            assertThat(Long.toHexString(g[i])).isEqualTo(v.get("gear-keyed-0-3").get(i).asText());
            assertThat(Long.toHexString(u[i])).isEqualTo(v.get("gear-unkeyed-0-3").get(i).asText());
        }
        byte[] stream = new byte[20 << 20];
        long x = 1;
        for (int i = 0; i < stream.length; i += 8) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            for (int j = 0; j < 8; j++) {
                stream[i + j] = (byte) (x >>> (8 * j));
            }
        }
        assertThat(cuts(new CdcChunker(u, 1 << 20), stream)).isEqualTo(list(v.get("cdc-cuts-unkeyed")));
        assertThat(cuts(new CdcChunker(g, 1 << 20), stream)).isEqualTo(list(v.get("cdc-cuts-keyed")));
    }

    private static List<Integer> cuts(CdcChunker c, byte[] s) {
        List<Integer> out = new ArrayList<>();
        for (int off = 0; off < s.length;) {
            int n = c.findCut(s, off, s.length - off, true);
            out.add(n);
            off += n;
        }
        return out;
    }

    private static List<Integer> list(JsonNode a) {
        List<Integer> out = new ArrayList<>();
        a.forEach(n -> out.add(n.asInt()));
        return out;
    }

    @Test
    void committedKeyFileOpensWithItsPassphrase() throws Exception {
        byte[] json;
        try (InputStream in = KnownAnswerTest.class.getResourceAsStream("/kat/keyfile.json")) {
            json = in.readAllBytes();
        }
        KeyFile kf = KeyFile.parse(json);
        assertThat(kf.hint()).isEqualTo("the usual");
        try (DataKey k = kf.unwrap("correct horse battery staple".toCharArray())) {
            assertThat(k.exposeBytesDangerous()).isEqualTo(key);
            assertThat(k.fingerprint().toString()).isEqualTo(v.get("fingerprint").asText());
        }
    }

    @Test
    void hkdfMatchesRfc5869TestCases() {
        // RFC 5869 A.1
        byte[] okm = Hkdf.deriveSha256(Hex.decode("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
                Hex.decode("000102030405060708090a0b0c"), Hex.decode("f0f1f2f3f4f5f6f7f8f9"), 42);
        assertThat(Hex.encode(okm)).isEqualTo(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
        // RFC 5869 A.3 (empty salt and info)
        byte[] okm3 = Hkdf.deriveSha256(Hex.decode("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), null, new byte[0], 42);
        assertThat(Hex.encode(okm3)).isEqualTo(
                "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
    }
}
