package dev.coffer.core.format;

import static dev.coffer.core.format.Samples.id;
import static dev.coffer.core.format.Samples.index;
import static dev.coffer.core.format.Samples.putU64;
import static dev.coffer.core.format.Samples.resum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class IndexTest {
    @Test
    void dynamicRoundTrip() throws Exception {
        long[] ends = {1, 5, 100, 101, 4096, 70_000};
        byte[] file = index(CryptMode.SIGN_ONLY, ends);
        assertThat(file).hasSize(32 + 40 * ends.length + 32);
        Index idx = Index.parse(file);
        assertThat(idx.type()).isEqualTo(IndexType.DYNAMIC);
        assertThat(idx.cryptMode()).isEqualTo(CryptMode.SIGN_ONLY);
        assertThat(idx.size()).isEqualTo(70_000);
        assertThat(idx.chunkCount()).isEqualTo(ends.length);
        assertThat(idx.fixedChunkSize()).isZero();
        for (int i = 0; i < ends.length; i++) {
            assertThat(idx.id(i)).isEqualTo(id(i));
            assertThat(idx.start(i)).isEqualTo(i == 0 ? 0 : ends[i - 1]);
            assertThat(idx.end(i)).isEqualTo(ends[i]);
        }
        for (long off = 0; off < idx.size(); off++) {
            int c = idx.chunkIndexAt(off);
            assertThat(off).isGreaterThanOrEqualTo(idx.start(c)).isLessThan(idx.end(c));
        }
        assertThat(idx.sha256()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(file, file.length - 32)));
        assertThat(idx.sha256Hex()).hasSize(64);
        List<ChunkId> ids = new ArrayList<>();
        idx.forEachId(ids::add);
        assertThat(ids).containsExactly(id(0), id(1), id(2), id(3), id(4), id(5));
        assertThatThrownBy(() -> idx.chunkIndexAt(70_000)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> idx.chunkIndexAt(-1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> idx.id(6)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void fixedRoundTrip() {
        IndexWriter w = IndexWriter.fixed(CryptMode.ENCRYPT, 4096);
        w.addFixed(id(0), 4096);
        w.addFixed(id(1), 4096);
        w.addFixed(id(2), 10);
        assertThat(w.size()).isEqualTo(8202);
        assertThat(w.chunkCount()).isEqualTo(3);
        byte[] file = w.finish();
        assertThat(file).hasSize(32 + 3 * 32 + 32);
        assertThat(w.finish()).isEqualTo(file);
        Index idx = Index.parse(file);
        assertThat(idx.type()).isEqualTo(IndexType.FIXED);
        assertThat(idx.cryptMode()).isEqualTo(CryptMode.ENCRYPT);
        assertThat(idx.fixedChunkSize()).isEqualTo(4096);
        assertThat(idx.size()).isEqualTo(8202);
        assertThat(idx.start(2)).isEqualTo(8192);
        assertThat(idx.end(1)).isEqualTo(8192);
        assertThat(idx.end(2)).isEqualTo(8202);
        assertThat(idx.id(2)).isEqualTo(id(2));
        assertThat(idx.chunkIndexAt(4095)).isZero();
        assertThat(idx.chunkIndexAt(4096)).isEqualTo(1);
        assertThat(idx.chunkIndexAt(8201)).isEqualTo(2);
    }

    @Test
    void emptyStreams() {
        Index d = Index.parse(IndexWriter.dynamic(CryptMode.NONE).finish());
        assertThat(d.size()).isZero();
        assertThat(d.chunkCount()).isZero();
        Index f = Index.parse(IndexWriter.fixed(CryptMode.NONE, 1 << 22).finish());
        assertThat(f.size()).isZero();
        assertThat(f.chunkCount()).isZero();
        assertThatThrownBy(() -> f.chunkIndexAt(0)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void writerRefusesInconsistentInput() {
        IndexWriter d = IndexWriter.dynamic(CryptMode.NONE);
        d.addDynamic(10, id(0));
        assertThatThrownBy(() -> d.addDynamic(10, id(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.addDynamic(5, id(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.addDynamic(10 + (64 << 20) + 1, id(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.addFixed(id(1), 10)).isInstanceOf(IllegalStateException.class);
        d.addDynamic(10 + (64 << 20), id(1));
        d.finish();
        assertThatThrownBy(() -> d.addDynamic(1L << 40, id(1))).isInstanceOf(IllegalStateException.class);

        IndexWriter f = IndexWriter.fixed(CryptMode.NONE, 4096);
        assertThatThrownBy(() -> f.addFixed(id(0), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> f.addFixed(id(0), 4097)).isInstanceOf(IllegalArgumentException.class);
        f.addFixed(id(0), 100);
        assertThatThrownBy(() -> f.addFixed(id(1), 4096)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only the last chunk");
        assertThatThrownBy(() -> f.addDynamic(5000, id(1))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> IndexWriter.fixed(CryptMode.NONE, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IndexWriter.fixed(CryptMode.NONE, (64 << 20) + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyDamagedByteIsNoticed() {
        byte[] file = index(CryptMode.ENCRYPT, 100, 200, 300);
        for (int i = 0; i < file.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] bad = file.clone();
                bad[i] ^= (byte) (1 << bit);
                String expected = i < 4 ? "index: bad magic" : "index: checksum mismatch";
                long count = new ByteReader(bad, 16, 8, "t").u64();
                if (count > 3 && count < Integer.MAX_VALUE / 40) {
                    expected = "index: truncated"; // a larger chunk count: the header announces more bytes
                }
                assertThatThrownBy(() -> Index.parse(bad)).as("byte %d bit %d", i, bit)
                        .isInstanceOf(CorruptDataException.class).hasMessageStartingWith(expected);
            }
        }
    }

    @Test
    void tamperedRegionsGiveExactMessages() {
        byte[] file = index(CryptMode.ENCRYPT, 100, 200, 300);
        byte[] header = file.clone();
        header[8] ^= 1; // stream size
        assertThatThrownBy(() -> Index.parse(header)).hasMessage("index: checksum mismatch");
        byte[] entry = file.clone();
        entry[32 + 40 + 20] ^= 1; // an id
        assertThatThrownBy(() -> Index.parse(entry)).hasMessage("index: checksum mismatch");
        byte[] trailer = file.clone();
        trailer[trailer.length - 1] ^= 1;
        assertThatThrownBy(() -> Index.parse(trailer)).hasMessage("index: checksum mismatch");
        byte[] magic = file.clone();
        magic[0] = 'X';
        assertThatThrownBy(() -> Index.parse(magic)).hasMessage("index: bad magic");
        byte[] count = file.clone();
        count[16] = 4;
        assertThatThrownBy(() -> Index.parse(count)).hasMessage("index: truncated (184 bytes, the header announces 224)");
    }

    @Test
    void everyTruncationIsRefused() {
        byte[] file = index(CryptMode.NONE, 7, 9);
        for (int n = 0; n < file.length; n++) {
            byte[] cut = Arrays.copyOf(file, n);
            String expected = n < 64 ? "index: truncated (" + n + " bytes)"
                    : "index: truncated (" + n + " bytes, the header announces 144)";
            assertThatThrownBy(() -> Index.parse(cut)).as("%d bytes", n).isInstanceOf(CorruptDataException.class)
                    .hasMessage(expected);
        }
        byte[] longer = Arrays.copyOf(file, file.length + 1);
        assertThatThrownBy(() -> Index.parse(longer)).hasMessage("index: checksum mismatch");
        assertThatThrownBy(() -> Index.parse(resum(Arrays.copyOf(file, file.length + 40))))
                .hasMessage("index: length does not match its chunk count");
    }

    @Test
    void inconsistentIndexesWithValidChecksums() {
        byte[] file = index(CryptMode.ENCRYPT, 100, 200, 300);
        assertRefused(file, b -> b[32 + 40] = 50, "index: offsets not increasing at entry 1");
        assertRefused(file, b -> putU64(b, 32 + 80, 200), "index: offsets not increasing at entry 2");
        assertRefused(file, b -> putU64(b, 32, 0), "index: offsets not increasing at entry 0");
        assertRefused(file, b -> putU64(b, 32, -1), "index: offsets not increasing at entry 0");
        assertRefused(file, b -> putU64(b, 8, 301), "index: last offset 300 differs from the stream size 301");
        assertRefused(file, b -> putU64(b, 8, -1), "index: stream size exceeds 2^63-1");
        assertRefused(file, b -> b[4] = 3, "index: unknown type 3");
        assertRefused(file, b -> b[5] = 3, "index: unknown crypt mode 3");
        assertRefused(file, b -> b[7] = 1, "index: reserved bytes 6-7 are not zero");
        assertRefused(file, b -> b[31] = 1, "index: reserved bytes 28-31 are not zero");
        assertRefused(file, b -> b[24] = 1, "index: fixed chunk size 1 in a dynamic index");
        assertRefused(file, b -> putU64(b, 16, 2), "index: length does not match its chunk count");
        assertRefused(file, b -> b[4] = 2, "index: length does not match its chunk count");
    }

    @Test
    void oversizedChunksAndFixedInconsistencies() {
        IndexWriter w = IndexWriter.dynamic(CryptMode.NONE);
        w.addDynamic(64 << 20, id(0));
        byte[] file = w.finish();
        assertThat(Index.parse(file).size()).isEqualTo(64 << 20);
        assertRefused(file, b -> {
            putU64(b, 32, (64 << 20) + 1);
            putU64(b, 8, (64 << 20) + 1);
        }, "index: chunk 0 of 67108865 bytes exceeds 64 MiB");

        IndexWriter f = IndexWriter.fixed(CryptMode.NONE, 4096);
        f.addFixed(id(0), 4096);
        f.addFixed(id(1), 1);
        byte[] fixed = f.finish();
        assertRefused(fixed, b -> putU64(b, 8, 4096), "index: chunk count 2 does not match stream size 4096 / chunk size 4096");
        assertRefused(fixed, b -> putU64(b, 8, 8193), "index: chunk count 2 does not match stream size 8193 / chunk size 4096");
        assertRefused(fixed, b -> Arrays.fill(b, 24, 28, (byte) 0), "index: fixed chunk size 0 outside 1 byte to 64 MiB");
        assertRefused(fixed, b -> Arrays.fill(b, 24, 28, (byte) 0xff),
                "index: fixed chunk size 4294967295 outside 1 byte to 64 MiB");
    }

    /** The 40-byte-per-chunk claim: the writer stores entries in their stored form. */
    @Test
    void writerOutputSizeIsExact() {
        IndexWriter w = IndexWriter.dynamic(CryptMode.ENCRYPT);
        for (int i = 1; i <= 100_000; i++) {
            w.addDynamic(i * 1000L, id(i));
        }
        byte[] file = w.finish();
        assertThat(file).hasSize(64 + 40 * 100_000);
        Index idx = Index.parse(file);
        assertThat(idx.chunkIndexAt(99_999_999)).isEqualTo(99_999);
        assertThat(idx.chunkIndexAt(1000)).isEqualTo(1);
    }

    interface Change {
        void apply(byte[] b);
    }

    static void assertRefused(byte[] valid, Change change, String message) {
        byte[] b = valid.clone();
        change.apply(b);
        resum(b);
        assertThatThrownBy(() -> Index.parse(b)).isInstanceOf(CorruptDataException.class).hasMessage(message);
    }
}
