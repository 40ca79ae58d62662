package dev.coffer.core.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IdSetTest {
    private static byte[] randomId(SplittableRandom r) {
        byte[] b = new byte[32];
        r.nextBytes(b);
        return b;
    }

    @Test
    void addAndContains() {
        IdSet s = new IdSet();
        SplittableRandom r = new SplittableRandom(1);
        byte[] a = randomId(r);
        byte[] b = randomId(r);
        assertThat(s.contains(a)).isFalse();
        assertThat(s.add(a)).isTrue();
        assertThat(s.add(a.clone())).isFalse();
        assertThat(s.contains(a.clone())).isTrue();
        assertThat(s.contains(b)).isFalse();
        assertThat(s.size()).isEqualTo(1);
    }

    @Test
    void readsIdsAtAnOffset() {
        IdSet s = new IdSet();
        byte[] buf = new byte[100];
        new SplittableRandom(2).nextBytes(buf);
        assertThat(s.add(buf, 40)).isTrue();
        assertThat(s.contains(Arrays.copyOfRange(buf, 40, 72))).isTrue();
        assertThat(s.contains(buf, 41)).isFalse();
        assertThatThrownBy(() -> s.add(buf, 69)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> s.contains(new byte[31])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theAllZeroIdIsAnOrdinaryMember() {
        IdSet s = new IdSet();
        byte[] zero = new byte[32];
        assertThat(s.contains(zero)).isFalse();
        assertThat(s.add(zero)).isTrue();
        assertThat(s.add(zero)).isFalse();
        assertThat(s.contains(zero)).isTrue();
        assertThat(s.size()).isEqualTo(1);
        // ids with one zero word are stored in the table, not confused with empty slots
        byte[] partly = new byte[32];
        partly[31] = 1;
        assertThat(s.contains(partly)).isFalse();
        assertThat(s.add(partly)).isTrue();
        assertThat(s.contains(partly)).isTrue();
        assertThat(s.size()).isEqualTo(2);
    }

    @Test
    void idsThatDifferInOneByteAreDistinct() {
        IdSet s = new IdSet();
        byte[] base = randomId(new SplittableRandom(3));
        s.add(base);
        for (int i = 0; i < 32; i++) {
            byte[] v = base.clone();
            v[i] ^= 1;
            assertThat(s.contains(v)).as("byte %d", i).isFalse();
            assertThat(s.add(v)).isTrue();
        }
        assertThat(s.size()).isEqualTo(33);
        for (int i = 0; i < 32; i++) {
            byte[] v = base.clone();
            v[i] ^= 1;
            assertThat(s.contains(v)).isTrue();
        }
    }

    @Test
    void collisionsInOneSmallSegmentProbeOnAndWrapAround() {
        // one segment of 8 slots: every id collides with others, probes wrap past the last slot, and the
        // table grows from 8 slots while full of collision chains
        IdSet s = new IdSet(42, 0, 8);
        SplittableRandom r = new SplittableRandom(4);
        List<byte[]> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            byte[] id = randomId(r);
            ids.add(id);
            assertThat(s.add(id)).isTrue();
        }
        assertThat(s.capacity()).isEqualTo(8);
        for (byte[] id : ids) {
            assertThat(s.contains(id)).isTrue();
        }
        for (int i = 0; i < 1000; i++) {
            assertThat(s.contains(randomId(r))).isFalse(); // ends at the one free slot
        }
        byte[] eighth = randomId(r);
        assertThat(s.add(eighth)).isTrue();
        assertThat(s.capacity()).isEqualTo(16);
        ids.add(eighth);
        for (byte[] id : ids) {
            assertThat(s.contains(id)).isTrue();
            assertThat(s.add(id)).isFalse();
        }
    }

    @Test
    void idsSharingTheirFirstWordsAreKeptApart() {
        IdSet s = new IdSet(7, 0, 8);
        byte[] base = randomId(new SplittableRandom(5));
        Set<String> added = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            byte[] v = base.clone();
            v[24] = (byte) i;
            v[25] = (byte) (i >>> 8);
            assertThat(s.add(v)).isTrue();
            added.add(Hex.encode(v));
        }
        assertThat(s.size()).isEqualTo(500);
        for (int i = 0; i < 600; i++) {
            byte[] v = base.clone();
            v[24] = (byte) i;
            v[25] = (byte) (i >>> 8);
            assertThat(s.contains(v)).isEqualTo(added.contains(Hex.encode(v)));
        }
    }

    @Test
    void growsAndAgreesWithAHashSet() {
        IdSet s = new IdSet();
        Set<String> ref = new HashSet<>();
        SplittableRandom r = new SplittableRandom(6);
        List<byte[]> all = new ArrayList<>();
        for (int i = 0; i < 200_000; i++) {
            byte[] id = i % 5 == 4 ? all.get(r.nextInt(all.size())) : randomId(r); // one in five is a repeat
            all.add(id);
            assertThat(s.add(id)).isEqualTo(ref.add(Hex.encode(id)));
        }
        assertThat(s.size()).isEqualTo(ref.size());
        for (byte[] id : all) {
            assertThat(s.contains(id)).isTrue();
        }
        for (int i = 0; i < 100_000; i++) {
            byte[] id = randomId(r);
            assertThat(s.contains(id)).isEqualTo(ref.contains(Hex.encode(id)));
        }
    }

    @Test
    void theMemoryItReportsIsItsTables() {
        IdSet s = new IdSet(1, 2, 8); // 4 segments of 8 slots
        long expected = 4 * (16 + 8 * 32) // tables
                + (16 + 4 * 4) // array of tables
                + (16 + 4 * 4) // segment sizes
                + 48; // the object
        assertThat(s.memoryBytes()).isEqualTo(expected);
        assertThat(s.capacity()).isEqualTo(32);
        assertThat(s.bytesPerId()).isZero();

        IdSet d = new IdSet();
        assertThat(d.capacity()).isEqualTo(256 * 16);
        assertThat(d.memoryBytes()).isEqualTo(256 * (16 + 16 * 32) + (16 + 256 * 4) * 2 + 48);
        SplittableRandom r = new SplittableRandom(8);
        for (int i = 0; i < 1000; i++) {
            d.add(randomId(r));
        }
        long slots = d.capacity();
        assertThat(d.memoryBytes()).isEqualTo(32 * slots + 256 * 16 + (16 + 256 * 4) * 2 + 48);
        assertThat(d.bytesPerId()).isEqualTo(d.memoryBytes() / 1000.0);
    }

    @Test
    void staysUnder48BytesPerIdOnceEverySegmentHasGrown() {
        IdSet s = new IdSet();
        SplittableRandom r = new SplittableRandom(9);
        byte[] id = new byte[32];
        double max = 0;
        double min = Double.MAX_VALUE;
        for (int i = 1; i <= 1_000_000; i++) {
            r.nextBytes(id);
            s.add(id, 0);
            if (i >= 20_000 && i % 1000 == 0) {
                max = Math.max(max, s.bytesPerId());
                min = Math.min(min, s.bytesPerId());
            }
        }
        assertThat(s.size()).isEqualTo(1_000_000);
        // grown segments are 70% to 87.5% full: 36.6 to 45.7 bytes per id, plus the fixed overhead
        assertThat(max).isLessThan(48);
        assertThat(min).isGreaterThan(36);
        long slots = s.capacity();
        assertThat((double) s.size() / slots).isBetween(0.70, 0.875);
    }

    @Test
    void refusesBadShapes() {
        assertThatThrownBy(() -> new IdSet(0, 17, 16)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new IdSet(0, 8, 7)).isInstanceOf(IllegalArgumentException.class);
    }
}
