package dev.coffer.core.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rules readers enforce on archives and indexes, each with its exact error. */
class FormatRulesTest {
    static final EntryMeta M = new EntryMeta(0644, 1000, 1000, -5, 999_999_999, 1_700_000_000L, 1, 7,
            List.of(new Xattr("user.x".getBytes(StandardCharsets.UTF_8), new byte[] {0, (byte) 0xff})));

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Encodes entries without the writer's checks, to build hostile streams. */
    static byte[] stream(long payload, ArchiveEntry... entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ArchiveWriter w = new ArchiveWriter(out)) {
            w.add(new DirEntry(new byte[0], M));
            for (ArchiveEntry e : entries) {
                w.add(e);
            }
            w.finish(payload);
        }
        return out.toByteArray();
    }

    @Test
    void everyEntryTypeRoundTrips() {
        byte[] weird = {'a', (byte) 0xff, (byte) 0xfe};
        List<ArchiveEntry> all = List.of(new DirEntry(new byte[0], M), new DirEntry(b("d"), M),
                new FileEntry(b("d/f"), M, 10, 0, new byte[32]), new HardlinkEntry(b("d/h"), M, b("d/f")),
                new SymlinkEntry(weird, M, b("../outside")), new FifoEntry(b("p"), M), new SocketEntry(b("s"), M),
                new DeviceEntry(b("z"), new EntryMeta(0600, 4294967295L, 0, 0, 0, 0, 0, 0, List.of()), false, 1, 3),
                new DeviceEntry(b("zb"), M, true, 259, 65536));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ArchiveWriter w = new ArchiveWriter(out)) {
            all.forEach(w::add);
            w.finish(10);
        }
        assertThat(ArchiveReader.readAll(out.toByteArray(), 10)).containsExactlyElementsOf(all);
        assertThat(all.get(4).displayPath()).isEqualTo("a\\xff\\xfe");
    }

    @Test
    void hostileArchivesAreRefused() {
        // a child of a symlink: restoring it would write through the link
        byte[] s1 = stream(0, new SymlinkEntry(b("l"), M, b("/etc")), new FileEntry(b("l/passwd"), M, 0, 0, new byte[32]));
        assertThatThrownBy(() -> ArchiveReader.readAll(s1, 0)).isInstanceOf(CorruptDataException.class)
                .hasMessage("archive: l/passwd comes before its directory");
        byte[] s2 = stream(0, new FileEntry(b("f"), M, 0, 0, new byte[32]), new FileEntry(b("f"), M, 0, 0, new byte[32]));
        assertThatThrownBy(() -> ArchiveReader.readAll(s2, 0)).hasMessage("archive: f appears twice");
        byte[] s3 = stream(0, new HardlinkEntry(b("h"), M, b("nothing")));
        assertThatThrownBy(() -> ArchiveReader.readAll(s3, 0)).hasMessage("archive: hard link h points to no earlier file");
        byte[] s4 = stream(100, new FileEntry(b("f"), M, 50, 60, new byte[32]));
        assertThatThrownBy(() -> ArchiveReader.readAll(s4, 100)).hasMessage("archive: file f lies outside the payload stream");
        byte[] s5 = stream(5);
        assertThatThrownBy(() -> ArchiveReader.readAll(s5, 6)).hasMessageContaining("trailer says payload of 5 bytes");
        byte[] s6 = java.util.Arrays.copyOf(s5, s5.length + 1);
        assertThatThrownBy(() -> ArchiveReader.readAll(s6, 5)).hasMessage("archive: data after the trailer");
        for (int cut = 0; cut < s4.length; cut++) {
            byte[] t = java.util.Arrays.copyOf(s4, cut);
            assertThatThrownBy(() -> ArchiveReader.readAll(t, 100)).isInstanceOf(CorruptDataException.class);
        }
    }

    @Test
    void writerRefusesUnsafePaths() {
        for (String p : List.of("..", "a/../b", "/abs", "a//b", "./a", "a/")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ArchiveWriter w = new ArchiveWriter(out);
            w.add(new DirEntry(new byte[0], M));
            assertThatThrownBy(() -> w.add(new DirEntry(b(p), M))).as(p).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> new ArchiveWriter(new ByteArrayOutputStream()).add(new DirEntry(b("a"), M)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void indexesRoundTripAndRejectInconsistency() throws Exception {
        IndexWriter w = IndexWriter.dynamic(CryptMode.ENCRYPT);
        for (int i = 1; i <= 4; i++) {
            byte[] id = new byte[32];
            id[0] = (byte) i;
            w.addDynamic(i * 100L, ChunkId.of(id));
        }
        byte[] file = w.finish();
        Index idx = Index.parse(file);
        assertThat(idx.size()).isEqualTo(400);
        assertThat(idx.chunkIndexAt(0)).isZero();
        assertThat(idx.chunkIndexAt(99)).isZero();
        assertThat(idx.chunkIndexAt(100)).isEqualTo(1);
        assertThat(idx.chunkIndexAt(399)).isEqualTo(3);
        assertThat(idx.start(2)).isEqualTo(200);
        assertThat(idx.id(3).bytes()[0]).isEqualTo((byte) 4);
        assertThat(idx.cryptMode()).isEqualTo(CryptMode.ENCRYPT);
        // a non-increasing offset with a correct checksum
        byte[] bad = file.clone();
        bad[32 + 40] = 50; // entry 1's end offset: 50 < 100
        resum(bad);
        assertThatThrownBy(() -> Index.parse(bad)).hasMessage("index: offsets not increasing at entry 1");
        byte[] flipped = file.clone();
        flipped[40] ^= 1;
        assertThatThrownBy(() -> Index.parse(flipped)).hasMessage("index: checksum mismatch");
        IndexWriter f = IndexWriter.fixed(CryptMode.NONE, 4096);
        f.addFixed(ChunkId.of(new byte[32]), 4096);
        f.addFixed(ChunkId.of(new byte[32]), 10);
        Index fi = Index.parse(f.finish());
        assertThat(fi.size()).isEqualTo(4106);
        assertThat(fi.end(1)).isEqualTo(4106);
        assertThatThrownBy(() -> f.addFixed(ChunkId.of(new byte[32]), 4096)).isInstanceOf(IllegalArgumentException.class);
    }

    static void resum(byte[] file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(file, 0, file.length - 32);
        System.arraycopy(md.digest(), 0, file, file.length - 32, 32);
    }
}
