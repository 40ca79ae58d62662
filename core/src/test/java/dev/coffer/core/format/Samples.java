package dev.coffer.core.format;

import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.crypto.KeyFingerprint;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Sample values and raw encoders (without the writers' checks) for the format tests. */
final class Samples {
    private Samples() {
    }

    static final EntryMeta META = new EntryMeta(0755, 1000, 100, 1_700_000_000L, 123_456_789, 1_700_000_001L, 5, 42,
            List.of(x("user.a", new byte[] {1, 2, 3}), x("user.b", new byte[0])));
    static final EntryMeta PLAIN = new EntryMeta(0644, 0, 0, 0, 0, 0, 0, 0);

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Xattr x(String name, byte[] value) {
        return new Xattr(b(name), value);
    }

    static ChunkId id(int n) {
        byte[] id = new byte[32];
        for (int i = 0; i < 32; i++) {
            id[i] = (byte) (n * 31 + i);
        }
        return ChunkId.of(id);
    }

    static byte[] sha(int n) {
        return id(n).bytes();
    }

    static DirEntry root() {
        return new DirEntry(new byte[0], META);
    }

    static DirEntry dir(String p) {
        return new DirEntry(b(p), META);
    }

    static FileEntry file(String p, long size, long offset) {
        return new FileEntry(b(p), PLAIN, size, offset, sha(p.length()));
    }

    /** Writes entries with the checking writer. */
    static byte[] write(long payload, List<? extends ArchiveEntry> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ArchiveWriter w = new ArchiveWriter(out)) {
            entries.forEach(w::add);
            w.finish(payload);
        }
        return out.toByteArray();
    }

    /** Encodes a root directory and then {@code entries} without any check, with a matching trailer. */
    static byte[] raw(long payload, ArchiveEntry... entries) {
        List<ArchiveEntry> all = new ArrayList<>();
        all.add(root());
        all.addAll(List.of(entries));
        return rawExact(payload, all.size(), all);
    }

    /** Encodes exactly {@code entries} and a trailer claiming {@code count} entries, without any check. */
    static byte[] rawExact(long payload, long count, List<ArchiveEntry> entries) {
        ByteWriter w = new ByteWriter();
        w.bytes(ArchiveWriter.MAGIC).u8(ArchiveWriter.VERSION);
        for (ArchiveEntry e : entries) {
            ArchiveWriter.encode(w, e);
        }
        w.u8(0xff).varint(count).varint(payload);
        return w.toByteArray();
    }

    /** A small archive with every entry type, for truncation and mutation runs. */
    static List<ArchiveEntry> everyType() {
        byte[] weird = {'w', (byte) 0xff, '\n', (byte) 0xc3, (byte) 0xa9};
        return List.of(root(), dir("d"), new FileEntry(b("d/f"), META, 10, 0, sha(1)),
                new HardlinkEntry(b("d/h"), PLAIN, b("d/f")), new FifoEntry(b("p"), PLAIN),
                new SocketEntry(b("s"), PLAIN), new SymlinkEntry(weird, META, b("../outside")),
                new DeviceEntry(b("zb"), META, true, 259, 65536),
                new DeviceEntry(b("zc"), new EntryMeta(0600, 4294967295L, 4294967295L, -1, 999_999_999,
                        Varint.MIN_SIGNED, 0, Long.MAX_VALUE), false, 1, 3));
    }

    static byte[] index(CryptMode mode, long... ends) {
        IndexWriter w = IndexWriter.dynamic(mode);
        for (int i = 0; i < ends.length; i++) {
            w.addDynamic(ends[i], id(i));
        }
        return w.finish();
    }

    /** Recomputes an index's trailing SHA-256 after a change. */
    static byte[] resum(byte[] file) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(file, 0, file.length - 32);
            System.arraycopy(md.digest(), 0, file, file.length - 32, 32);
            return file;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static void putU64(byte[] b, int at, long v) {
        for (int i = 0; i < 8; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    static final byte[] MANIFEST_KEY = new byte[32];

    static final Function<byte[], byte[]> HMAC = hmac(MANIFEST_KEY);

    static Function<byte[], byte[]> hmac(byte[] key) {
        return data -> {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
                return mac.doFinal(data);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    static final KeyFingerprint FINGERPRINT = KeyFingerprint.of(sha(7));

    static ManifestBody body(CryptMode mode) {
        Map<String, Long> stats = new LinkedHashMap<>();
        stats.put("bytes", 99_000L);
        stats.put("new-bytes", 5L);
        stats.put("chunks", 3L);
        stats.put("duration-ms", 0L);
        return new ManifestBody(1, "host", "web1", Instant.parse("2026-11-23T10:15:00Z"), mode,
                mode == CryptMode.NONE ? null : FINGERPRINT,
                List.of(new ArchiveRef("docs.cfar", "dir", List.of(
                        new IndexRef("meta", "docs.cfar.meta.cidx", 5120, "ab".repeat(32)),
                        new IndexRef("payload", "docs.cfar.payload.cidx", 99000, "cd".repeat(32)))),
                        new ArchiveRef("disk.img", "image", List.of(
                                new IndexRef("image", "disk.img.cidx", 2147483648L, "ef".repeat(32))))),
                4 << 20, mode == CryptMode.ENCRYPT, stats, "coffer 0.1.0");
    }

    /** A manifest file around a raw JSON body, with a SHA-256 tag. */
    static byte[] manifestFile(String json) {
        byte[] body = b(json);
        ByteWriter w = new ByteWriter();
        w.bytes(Manifest.MAGIC).u32(body.length).bytes(body);
        w.bytes(Manifest.sha256Tag(w.toByteArray()));
        return w.toByteArray();
    }

    /** The JSON body of an encoded manifest. */
    static String json(byte[] manifest) {
        return new String(manifest, 8, manifest.length - 40, StandardCharsets.UTF_8);
    }
}
