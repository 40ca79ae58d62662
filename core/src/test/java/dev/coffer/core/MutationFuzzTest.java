package dev.coffer.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coffer.core.crypto.BlobCodec;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.crypto.DataKey;
import dev.coffer.core.crypto.KeySet;
import dev.coffer.core.format.ArchiveEntry;
import dev.coffer.core.format.ArchiveReader;
import dev.coffer.core.format.ArchiveRef;
import dev.coffer.core.format.ArchiveWriter;
import dev.coffer.core.format.DirEntry;
import dev.coffer.core.format.EntryMeta;
import dev.coffer.core.format.FileEntry;
import dev.coffer.core.format.HardlinkEntry;
import dev.coffer.core.format.Index;
import dev.coffer.core.format.IndexRef;
import dev.coffer.core.format.IndexWriter;
import dev.coffer.core.format.Manifest;
import dev.coffer.core.format.ManifestBody;
import dev.coffer.core.format.SymlinkEntry;
import dev.coffer.core.format.Xattr;
import dev.coffer.core.keys.KeyFile;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A short mutation fuzz run of every parser of stored bytes, part of the normal suite: valid inputs are
 * damaged at random (bit flips, byte changes, insertions, deletions, truncations, splices) and each parser
 * must either accept the input or throw the project's own error — never another exception, never hang.
 * The seed is fixed so a failure reproduces; {@code -Dfuzz.iterations=N} runs longer. Coverage-guided runs
 * are the Jazzer tests (see README).
 */
class MutationFuzzTest {
    static final int ITERATIONS = Integer.getInteger("fuzz.iterations", 4000);
    static final KeySet KEYS = KeySet.derive(DataKey.fromBytesDangerous(new byte[32]));

    static void fuzz(String name, byte[] valid, Consumer<byte[]> parser) {
        fuzz(name, valid, java.util.function.UnaryOperator.identity(), parser);
    }

    /** {@code repair} recomputes checksums after mutating, so the fuzz reaches past them. */
    static void fuzz(String name, byte[] valid, java.util.function.UnaryOperator<byte[]> repair, Consumer<byte[]> parser) {
        parser.accept(valid); // the seed itself parses
        Random r = new Random(name.hashCode());
        long deadline = System.nanoTime() + 20_000_000_000L;
        for (int i = 0; i < ITERATIONS && System.nanoTime() < deadline; i++) {
            byte[] m = repair.apply(Mutator.mutate(valid, r));
            try {
                parser.accept(m);
            } catch (CofferException expected) {
                // the project's own error: fine
            } catch (RuntimeException | Error e) {
                throw new AssertionError(name + ": input " + java.util.HexFormat.of().formatHex(m) + " gave " + e, e);
            }
        }
    }

    static byte[] sampleArchive() {
        EntryMeta m = new EntryMeta(0755, 0, 0, 1_700_000_000L, 5, 1_700_000_000L, 6, 42,
                List.of(new Xattr("user.a".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3})));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ArchiveWriter w = new ArchiveWriter(out)) {
            w.add(new DirEntry(new byte[0], m));
            w.add(new DirEntry("d".getBytes(StandardCharsets.UTF_8), m));
            w.add(new FileEntry("d/f".getBytes(StandardCharsets.UTF_8), m, 10, 0, new byte[32]));
            w.add(new HardlinkEntry("d/g".getBytes(StandardCharsets.UTF_8), m, "d/f".getBytes(StandardCharsets.UTF_8)));
            w.add(new SymlinkEntry("s".getBytes(StandardCharsets.UTF_8), m, "../x".getBytes(StandardCharsets.UTF_8)));
            w.finish(10);
        }
        return out.toByteArray();
    }

    @Test
    void archiveReader() {
        fuzz("archive", sampleArchive(), b -> {
            List<ArchiveEntry> e = ArchiveReader.readAll(b, 10);
            assertThat(e).isNotEmpty();
        });
    }

    @Test
    void index() {
        IndexWriter w = IndexWriter.dynamic(CryptMode.ENCRYPT);
        for (int i = 1; i <= 5; i++) {
            w.addDynamic(i * 1000L, ChunkId.of(new byte[32]));
        }
        fuzz("index", w.finish(), b -> {
            Index idx = Index.parse(b);
            for (int i = 0; i < idx.chunkCount(); i++) {
                assertThat(idx.end(i)).isGreaterThan(idx.start(i));
            }
        });
        IndexWriter f = IndexWriter.fixed(CryptMode.NONE, 4096);
        f.addFixed(ChunkId.of(new byte[32]), 4096);
        f.addFixed(ChunkId.of(new byte[32]), 100);
        fuzz("fixed index", f.finish(), Index::parse);
        fuzz("index, checksum repaired", w.finish(), MutationFuzzTest::repairIndex, Index::parse);
        fuzz("fixed index, checksum repaired", f.finish(), MutationFuzzTest::repairIndex, Index::parse);
    }

    @Test
    void manifest() {
        ManifestBody body = new ManifestBody(1, "host", "web1", Instant.parse("2026-11-23T10:15:00Z"), CryptMode.ENCRYPT,
                KEYS.fingerprint(), List.of(new ArchiveRef("a.cfar", "dir", List.of(
                        new IndexRef("meta", "a.cfar.meta.cidx", 10, "00".repeat(32)),
                        new IndexRef("payload", "a.cfar.payload.cidx", 20, "11".repeat(32))))),
                4 << 20, true, Map.of("bytes", 30L), "coffer test");
        byte[] file = Manifest.encode(body, b -> KEYS.manifestTag(b, 0, b.length));
        fuzz("manifest", file, b -> Manifest.parse(b).verifyTag(x -> KEYS.manifestTag(x, 0, x.length)));
    }

    @Test
    void blobs() {
        BlobCodec enc = new BlobCodec(CryptMode.ENCRYPT, KEYS);
        byte[] text = "fuzz me\n".repeat(500).getBytes(StandardCharsets.US_ASCII);
        BlobCodec.Encoded e = enc.encodeChunk(text, 0, text.length);
        fuzz("encrypted blob", e.blob(), b -> assertThat(enc.decodeChunk(e.id(), b)).isEqualTo(text));
        BlobCodec plain = new BlobCodec(CryptMode.NONE, null);
        BlobCodec.Encoded p = plain.encodeChunk(text, 0, text.length);
        fuzz("plain blob", p.blob(), b -> assertThat(plain.decodeChunk(p.id(), b)).isEqualTo(text));
        fuzz("encrypted blob, CRC repaired", e.blob(), MutationFuzzTest::repairCrc,
                b -> assertThat(enc.decodeChunk(e.id(), b)).isEqualTo(text));
        fuzz("plain blob, CRC repaired", p.blob(), MutationFuzzTest::repairCrc,
                b -> assertThat(plain.decodeChunk(p.id(), b)).isEqualTo(text));
        fuzz("blob inspection, CRC repaired", p.blob(), MutationFuzzTest::repairCrc, BlobCodec::inspect);
    }

    static byte[] repairCrc(byte[] b) {
        if (b.length >= 12) {
            java.util.zip.CRC32C c = new java.util.zip.CRC32C();
            c.update(b, 12, b.length - 12);
            int v = (int) c.getValue();
            for (int i = 0; i < 4; i++) {
                b[8 + i] = (byte) (v >>> (8 * i));
            }
        }
        return b;
    }

    static byte[] repairIndex(byte[] b) {
        if (b.length >= 32) {
            try {
                var md = java.security.MessageDigest.getInstance("SHA-256");
                md.update(b, 0, b.length - 32);
                System.arraycopy(md.digest(), 0, b, b.length - 32, 32);
            } catch (java.security.NoSuchAlgorithmException ex) {
                throw new IllegalStateException(ex);
            }
        }
        return b;
    }

    @Test
    void keyFile() {
        byte[] json = KeyFile.create(DataKey.fromBytesDangerous(new byte[32]), "passphrase".toCharArray(),
                new KeyFile.ScryptParams(16, 1, 1), "h").toJson();
        fuzz("key file", json, b -> {
            KeyFile kf = KeyFile.parse(b);
            if (dev.coffer.core.crypto.CryptoFuzzTest.cheap(kf.kdf())) {
                kf.unwrap("passphrase".toCharArray()).close();
            }
        });
    }

    @Test
    void paperKeysAndShares() {
        DataKey k = DataKey.fromBytesDangerous(new byte[32]);
        KeyFile kf = KeyFile.create(k, "passphrase".toCharArray(), new KeyFile.ScryptParams(16, 1, 1), null);
        fuzz("paper key lines", String.join("\n", dev.coffer.core.keys.PaperKey.lines(kf)).getBytes(StandardCharsets.US_ASCII),
                b -> dev.coffer.core.keys.PaperKey.parse(new String(b, StandardCharsets.ISO_8859_1)));
        fuzz("paper key payload", dev.coffer.core.keys.PaperKey.payload(kf), dev.coffer.core.keys.PaperKey::fromPayload);
        var share = dev.coffer.core.keys.RecoveryShare.split(k, 3, 2).getFirst();
        fuzz("share sheet", share.sheet(Instant.EPOCH).getBytes(StandardCharsets.UTF_8),
                b -> dev.coffer.core.keys.RecoveryShare.parse(new String(b, StandardCharsets.UTF_8)));
        fuzz("share payload", share.payload(), dev.coffer.core.keys.RecoveryShare::fromPayload);
        fuzz("escrow", dev.coffer.core.keys.MasterKey.escrow(k, ESCROW_KEYS.getPublic()),
                b -> dev.coffer.core.keys.MasterKey.recover(b, ESCROW_KEYS.getPrivate(), null).close());
    }

    static final java.security.KeyPair ESCROW_KEYS = dev.coffer.core.keys.MasterKey.generate(3072);

    /** Inputs this fuzzer once found; each gave a foreign exception before the fix. */
    @Test
    void foundInputsStayFixed() {
        java.util.HexFormat hex = java.util.HexFormat.of();
        byte[] zstdHeader = hex.parseHex("4346420101020000efb0ad92a00e7d00004066757a7a206d650a0100959f5fb8");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new BlobCodec(CryptMode.NONE, null)
                .decodeChunk(ChunkId.of(new byte[32]), zstdHeader)).isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("compressed data is damaged");
        byte[] wrappingCount = hex.parseHex("4346490101020000881300000000000005000000000000400000000000000000"
                + "e8030000000000000000000000000000000000000000000000000000000000000000000000000000"
                + "d0070000000000000000000000000000000000000000000000000000000000000000000000000000"
                + "b80b0000000000000000000000000000000000000000000000000000000000000000000000000000"
                + "a00f0000000000000000000000000000000000000000000000000000000000000000000000000000"
                + "8813000000000000000000000000000000000000000000000000000000000000000000000000000"
                + "009ea43531ae98e7d62e38d43723242f7b539e6a0ab07a94aab473e0000da134b");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Index.parse(wrappingCount))
                .isInstanceOf(CorruptDataException.class).hasMessage("index: length does not match its chunk count");
    }
}
