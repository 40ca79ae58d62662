package dev.coffer.core.chunking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.crypto.DataKey;
import dev.coffer.core.crypto.KeySet;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChunkingTest {
    static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Chunks data through a ChunkStream written in uneven pieces; returns the chunks. */
    static List<byte[]> chunk(Chunker c, byte[] data, int piece) {
        List<byte[]> out = new ArrayList<>();
        ChunkStream s = new ChunkStream(c, (d, len) -> {
            assertThat(d.length).isEqualTo(len);
            out.add(d);
        });
        for (int off = 0; off < data.length; off += piece) {
            s.write(data, off, Math.min(piece, data.length - off));
        }
        s.finish();
        assertThat(s.position()).isEqualTo(data.length);
        return out;
    }

    static Set<String> hashes(List<byte[]> chunks) throws Exception {
        Set<String> out = new HashSet<>();
        for (byte[] c : chunks) {
            out.add(java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c)));
        }
        return out;
    }

    @Test
    void boundsAverageAndDeterminism() {
        CdcChunker c = new CdcChunker(CdcChunker.unkeyedGear(), 64 << 10);
        byte[] data = random(1, 32 << 20);
        List<byte[]> a = chunk(c, data, 100_003);
        List<byte[]> b = chunk(c, data, 1 << 20);
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i)).isEqualTo(b.get(i));
            if (i < a.size() - 1) {
                assertThat(a.get(i).length).isBetween(16 << 10, 256 << 10);
            }
        }
        double avg = (double) data.length / a.size();
        assertThat(avg).isBetween(48.0 * 1024, 96.0 * 1024);
        byte[] joined = new byte[data.length];
        int at = 0;
        for (byte[] x : a) {
            System.arraycopy(x, 0, joined, at, x.length);
            at += x.length;
        }
        assertThat(joined).isEqualTo(data);
    }

    @Test
    void keyedTablesDifferFromUnkeyedAndBetweenKeys() throws Exception {
        byte[] data = random(2, 16 << 20);
        Set<String> unkeyed = hashes(chunk(new CdcChunker(CdcChunker.unkeyedGear(), 256 << 10), data, 1 << 20));
        Set<String> k1 = hashes(chunk(new CdcChunker(KeySet.derive(DataKey.generate()).gearTable(), 256 << 10), data, 1 << 20));
        Set<String> k2 = hashes(chunk(new CdcChunker(KeySet.derive(DataKey.generate()).gearTable(), 256 << 10), data, 1 << 20));
        k1.retainAll(unkeyed);
        k2.retainAll(hashes(chunk(new CdcChunker(KeySet.derive(DataKey.generate()).gearTable(), 256 << 10), data, 1 << 20)));
        assertThat(k1).isEmpty();
        assertThat(k2).isEmpty();
    }

    @Test
    void hundredBytesInsertedInHundredMebibytesChangeAtMostThreeChunks() throws Exception {
        byte[] data = random(3, 100 << 20);
        byte[] changed = new byte[data.length + 100];
        int mid = data.length / 2;
        System.arraycopy(data, 0, changed, 0, mid);
        System.arraycopy(random(4, 100), 0, changed, mid, 100);
        System.arraycopy(data, mid, changed, mid + 100, data.length - mid);
        CdcChunker c = new CdcChunker(KeySet.derive(DataKey.generate()).gearTable(), 4 << 20);
        Set<String> before = hashes(chunk(c, data, 1 << 20));
        Set<String> after = hashes(chunk(c, changed, 1 << 20));
        after.removeAll(before);
        assertThat(after).hasSizeBetween(1, 3);
    }

    @Test
    void fixedChunksAndForcedBoundaries() {
        List<byte[]> out = chunk(new FixedChunker(1000), random(5, 3500), 333);
        assertThat(out).extracting(b -> b.length).containsExactly(1000, 1000, 1000, 500);
        List<Integer> sizes = new ArrayList<>();
        ChunkStream s = new ChunkStream(new CdcChunker(CdcChunker.unkeyedGear(), 64 << 10), (d, len) -> sizes.add(len));
        s.write(new byte[10], 0, 10);
        s.flushBoundary();
        s.write(new byte[20], 0, 20);
        s.finish();
        assertThat(sizes).containsExactly(10, 20);
    }

    @Test
    void invalidParametersAreRejected() {
        assertThatThrownBy(() -> new CdcChunker(CdcChunker.unkeyedGear(), 3000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CdcChunker(new long[3], 4096)).isInstanceOf(IllegalArgumentException.class);
    }
}
