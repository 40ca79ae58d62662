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
 * Committed known-answer vectors (src/test/resources/kat/vectors.json, data key 00..1f). Any change to
 * key derivation, ids, the blob format, the gear tables or the chunker fails here. Some checks decode
 * with nothing but the JDK's own providers and design.md, as an independent reader would.
 */
class KnownAnswerTest {
    static JsonNode v;
    static byte[] key;
    static byte[] plain;
    static final byte[] SHORT = "abc".getBytes(StandardCharsets.US_ASCII);

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = KnownAnswerTest.class.getResourceAsStream("/kat/vectors.json")) {
            v = new ObjectMapper().readTree(in);
        }
        key = Hex.decode(v.get("data-key").asText());
        plain = "coffer known-answer plaintext\n".repeat(34).getBytes(StandardCharsets.US_ASCII);
        assertThat(plain).hasSize(1020);
    }

    private static KeySet keys() {
        return KeySet.derive(DataKey.fromBytesDangerous(key));
    }

    private static byte[] hex(String field) {
        return Hex.decode(v.get(field).asText());
    }

    @Test
    void subKeysFingerprintIdsAndManifestTag() {
        for (String label : List.of(KeySet.LABEL_AEAD, KeySet.LABEL_CHUNK_ID, KeySet.LABEL_CHUNKER,
                KeySet.LABEL_MANIFEST, KeySet.LABEL_FINGERPRINT)) {
            assertThat(Hex.encode(Hkdf.deriveSha256(key, null, label.getBytes(StandardCharsets.US_ASCII), 32)))
                    .as(label).isEqualTo(v.get("subkeys").get(label).asText());
        }
        KeySet ks = keys();
        assertThat(ks.fingerprint().toString()).isEqualTo(v.get("fingerprint").asText());
        assertThat(DataKey.fromBytesDangerous(key).fingerprint()).isEqualTo(ks.fingerprint());
        assertThat(ks.chunkId(plain, 0, plain.length).hex()).isEqualTo(v.get("chunk-id-encrypted").asText());
        assertThat(Digests.sha256Id(plain, 0, plain.length).hex()).isEqualTo(v.get("chunk-id-plain").asText());
        assertThat(Hex.encode(ks.manifestTag(plain, 0, plain.length))).isEqualTo(v.get("manifest-tag-of-plaintext").asText());
        assertThat(ks.manifestTagMatches(plain, 0, plain.length, hex("manifest-tag-of-plaintext"))).isTrue();
        assertThat(ks.chunkId(SHORT, 0, 3).hex()).isEqualTo(v.get("short-chunk-id-encrypted").asText());
        assertThat(Digests.sha256Id(SHORT, 0, 3).hex()).isEqualTo(v.get("short-chunk-id-plain").asText());
        // ids over a slice of a larger array are the ids of the slice
        byte[] padded = new byte[plain.length + 10];
        System.arraycopy(plain, 0, padded, 7, plain.length);
        assertThat(ks.chunkId(padded, 7, plain.length).hex()).isEqualTo(v.get("chunk-id-encrypted").asText());
        assertThat(Digests.sha256Id(padded, 7, plain.length).hex()).isEqualTo(v.get("chunk-id-plain").asText());
    }

    @Test
    void encodingWithFixedNoncesGivesTheCommittedBlobs() {
        BlobCodec codec = new BlobCodec(CryptMode.ENCRYPT, keys());
        BlobCodec.Encoded e = codec.encodeWithNonceForTesting(plain, hex("nonce"));
        assertThat(Hex.encode(e.blob())).isEqualTo(v.get("blob-encrypted").asText());
        assertThat(e.compressed()).isTrue();
        assertThat(Hex.encode(codec.encodeWithNonceForTesting(SHORT, hex("short-nonce")).blob()))
                .isEqualTo(v.get("short-blob-encrypted").asText());
        BlobCodec none = new BlobCodec(CryptMode.NONE, null);
        assertThat(Hex.encode(none.encodeChunk(plain, 0, plain.length).blob())).isEqualTo(v.get("blob-plain").asText());
        assertThat(Hex.encode(none.encodeChunk(SHORT, 0, 3).blob())).isEqualTo(v.get("short-blob-plain").asText());
        assertThat(Hex.encode(new BlobCodec(CryptMode.SIGN_ONLY, keys()).encodeChunk(plain, 0, plain.length).blob()))
                .isEqualTo(v.get("blob-plain").asText());
        byte[] notes = v.get("sealed-plaintext").asText().getBytes(StandardCharsets.UTF_8);
        assertThat(Hex.encode(codec.sealSmallWithNonceForTesting(notes, hex("sealed-context-hex"), hex("sealed-nonce"))))
                .isEqualTo(v.get("sealed-blob").asText());
        assertThat(hex("sealed-context-hex")).isEqualTo(Digests.sha256(
                "coffer-notes/host/web1/2026-11-23T10:15:00Z".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void committedBlobsDecodeWithTheCodec() {
        BlobCodec enc = new BlobCodec(CryptMode.ENCRYPT, keys());
        BlobCodec none = new BlobCodec(CryptMode.NONE, null);
        assertThat(enc.decodeChunk(ChunkId.parse(v.get("chunk-id-encrypted").asText()), hex("blob-encrypted"))).isEqualTo(plain);
        assertThat(enc.decodeChunk(ChunkId.parse(v.get("short-chunk-id-encrypted").asText()), hex("short-blob-encrypted")))
                .isEqualTo(SHORT);
        assertThat(none.decodeChunk(ChunkId.parse(v.get("chunk-id-plain").asText()), hex("blob-plain"))).isEqualTo(plain);
        assertThat(none.decodeChunk(ChunkId.parse(v.get("short-chunk-id-plain").asText()), hex("short-blob-plain")))
                .isEqualTo(SHORT);
        assertThat(enc.openSmall(hex("sealed-blob"), hex("sealed-context-hex")))
                .isEqualTo(v.get("sealed-plaintext").asText().getBytes(StandardCharsets.UTF_8));
        assertThat(BlobCodec.inspect(hex("blob-encrypted"))).isEqualTo(new BlobCodec.BlobInfo(1, true, true, hex("blob-encrypted").length - 12));
        assertThat(BlobCodec.inspect(hex("short-blob-plain"))).isEqualTo(new BlobCodec.BlobInfo(1, false, false, 3));
        assertThat(BlobCodec.inspect(hex("sealed-blob")).kind()).isEqualTo(2);
    }

    /** Reads the committed blob following design.md alone: HKDF by hand, the header, the AAD, GCM, zstd. */
    @Test
    void independentReaderFollowingTheSpec() throws Exception {
        byte[] blob = hex("blob-encrypted");
        assertThat(Arrays.copyOf(blob, 4)).isEqualTo(new byte[] {0x43, 0x46, 0x42, 0x01});
        int kind = blob[4];
        int flags = blob[5];
        assertThat(kind).isEqualTo(1);
        assertThat(flags).isEqualTo(3); // encrypted, compressed
        assertThat(blob[6]).isZero();
        assertThat(blob[7]).isZero();
        CRC32C crc = new CRC32C();
        crc.update(blob, 12, blob.length - 12);
        long stored = (blob[8] & 0xffL) | (blob[9] & 0xffL) << 8 | (blob[10] & 0xffL) << 16 | (blob[11] & 0xffL) << 24;
        assertThat(stored).isEqualTo(crc.getValue());
        byte[] aeadKey = hkdf(key, "coffer/v1/aead");
        byte[] id = hex("chunk-id-encrypted");
        byte[] aad = new byte[14 + 2 + 32];
        System.arraycopy("coffer-blob-v1".getBytes(StandardCharsets.US_ASCII), 0, aad, 0, 14);
        aad[14] = (byte) kind;
        aad[15] = (byte) flags;
        System.arraycopy(id, 0, aad, 16, 32);
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding", "SunJCE");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(aeadKey, "AES"), new GCMParameterSpec(128, blob, 12, 12));
        c.updateAAD(aad);
        byte[] compressed = c.doFinal(blob, 24, blob.length - 24);
        assertThat(Zstd.getFrameContentSize(compressed)).isEqualTo(plain.length);
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
        // the gear table, from its definition
        mac.init(new SecretKeySpec(hkdf(key, "coffer/v1/chunker"), "HmacSHA256"));
        byte[] g3 = mac.doFinal(new byte[] {'g', 'e', 'a', 'r', 3});
        assertThat(Hex.encode(Arrays.copyOf(g3, 8))).isEqualTo(v.get("gear-keyed-0-3").get(3).asText());
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
            assertThat(String.format("%016x", g[i])).isEqualTo(v.get("gear-keyed-0-3").get(i).asText());
            assertThat(String.format("%016x", u[i])).isEqualTo(v.get("gear-unkeyed-0-3").get(i).asText());
        }
        byte[] stream = xorshiftStream(20 << 20);
        int average = v.get("cdc-average").asInt();
        assertThat(cuts(new CdcChunker(u, average), stream)).isEqualTo(list(v.get("cdc-cuts-unkeyed")));
        assertThat(cuts(new CdcChunker(g, average), stream)).isEqualTo(list(v.get("cdc-cuts-keyed")));
    }

    /** The documented test stream: xorshift64 from seed 1, each value as 8 little-endian bytes. */
    static byte[] xorshiftStream(int n) {
        byte[] stream = new byte[n];
        long x = 1;
        for (int i = 0; i < stream.length; i += 8) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            for (int j = 0; j < 8 && i + j < n; j++) {
                stream[i + j] = (byte) (x >>> (8 * j));
            }
        }
        return stream;
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
        assertThat(kf.kdf()).isEqualTo(new KeyFile.ScryptParams(1024, 8, 1));
        try (DataKey k = kf.unwrap("correct horse battery staple".toCharArray())) {
            assertThat(k.exposeBytesDangerous()).isEqualTo(key);
            assertThat(k.fingerprint().toString()).isEqualTo(v.get("fingerprint").asText());
        }
        // the same file written out again is byte-identical: field order and formatting are stable
        assertThat(new String(kf.toJson(), StandardCharsets.UTF_8)).isEqualTo(new String(json, StandardCharsets.UTF_8));
    }

    @Test
    void hkdfMatchesRfc5869TestCases() {
        // A.1: basic
        assertThat(Hex.encode(Hkdf.deriveSha256(Hex.decode("0b".repeat(22)), Hex.decode("000102030405060708090a0b0c"),
                Hex.decode("f0f1f2f3f4f5f6f7f8f9"), 42))).isEqualTo(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
        // A.2: longer inputs and outputs (three blocks)
        assertThat(Hex.encode(Hkdf.deriveSha256(range(0x00, 0x50), range(0x60, 0xb0), range(0xb0, 0x100), 82))).isEqualTo(
                "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09"
                        + "da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87");
        // A.3: zero-length salt and info (null and empty mean the same)
        String a3 = "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8";
        assertThat(Hex.encode(Hkdf.deriveSha256(Hex.decode("0b".repeat(22)), null, new byte[0], 42))).isEqualTo(a3);
        assertThat(Hex.encode(Hkdf.deriveSha256(Hex.decode("0b".repeat(22)), new byte[0], null, 42))).isEqualTo(a3);
    }

    private static byte[] range(int from, int to) {
        byte[] b = new byte[to - from];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }
}
