package dev.coffer.core.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BufferPoolTest {
    @Test
    void takesTheSmallestFreeArrayThatFitsAndAllocatesOnlyWhenNoneDoes() {
        BufferPool pool = new BufferPool(64 << 20);
        byte[] a = pool.take(3 << 20);
        byte[] b = pool.take(5 << 20);
        assertThat(pool.allocations()).isEqualTo(2);
        assertThat(a.length).isGreaterThanOrEqualTo(3 << 20);
        pool.give(b);
        pool.give(a);
        assertThat(pool.take(1 << 20)).isSameAs(a);
        assertThat(pool.take(4 << 20)).isSameAs(b);
        assertThat(pool.take(1 << 20)).isNotSameAs(a).isNotSameAs(b);
        assertThat(pool.allocations()).isEqualTo(3);
    }

    @Test
    void retainsAtMostItsLimitDroppingTheSmallestFreeArrays() {
        BufferPool pool = new BufferPool(10 << 20);
        byte[] small = new byte[2 << 20];
        byte[] mid = new byte[4 << 20];
        byte[] large = new byte[8 << 20];
        pool.give(small);
        pool.give(large);
        assertThat(pool.freeBytes()).isEqualTo(10 << 20);
        pool.give(mid); // 14 MiB: the 2 MiB one goes, then (still 12) the 4 MiB one
        assertThat(pool.freeBytes()).isEqualTo(8 << 20);
        // the array kept serves any request up to its size
        assertThat(pool.take(7 << 20)).isSameAs(large);
        assertThat(pool.allocations()).isZero();
        assertThat(pool.take(3 << 20)).isNotSameAs(small).isNotSameAs(mid);
        assertThat(pool.allocations()).isEqualTo(1);
        pool.give(null);
        assertThat(new BufferPool(0).freeBytes()).isZero();
    }

    @Test
    void freshArraysAreRoundedUpToAQuarterOfTheirPowerOfTwo() {
        assertThat(BufferPool.roundUp(0)).isZero();
        assertThat(BufferPool.roundUp(4096)).isEqualTo(4096);
        assertThat(BufferPool.roundUp(4097)).isEqualTo(5120);
        assertThat(BufferPool.roundUp(1 << 20)).isEqualTo(1 << 20);
        assertThat(BufferPool.roundUp((1 << 20) + 1)).isEqualTo(5 << 18);
        assertThat(BufferPool.roundUp((4 << 20) + 40)).isEqualTo(5 << 20);
        assertThat(BufferPool.roundUp((16 << 20) + 40)).isEqualTo(20 << 20);
        assertThat(BufferPool.roundUp(Integer.MAX_VALUE - 20)).isEqualTo(Integer.MAX_VALUE - 16);
        assertThatThrownBy(() -> new BufferPool(1).take(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
