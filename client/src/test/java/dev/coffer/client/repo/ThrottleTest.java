package dev.coffer.client.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThrottleTest {
    /** A lower bound only: a slow machine can make this take longer, never shorter. */
    @Test
    void threadsTogetherNeverExceedTheCap() throws Exception {
        // the clock starts before the throttle does: its timeline begins when it is made, so a pause between the
        // two would otherwise be subtracted from the measured time
        long start = System.nanoTime();
        Throttle t = new Throttle(4_000_000);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Thread th = new Thread(() -> {
                for (int k = 0; k < 3; k++) {
                    t.acquire(1_000_000);
                }
            });
            th.start();
            threads.add(th);
        }
        for (Thread th : threads) {
            th.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        // 12 MB at 4 MB/s: the last reservation starts 11 MB after the first, 2.75 s in
        assertThat(seconds).isGreaterThanOrEqualTo(2.7);
    }

    @Test
    void anIdleThrottleAllowsAtMostOneSecondOfBurst() throws Exception {
        Throttle t = new Throttle(1_000_000);
        Thread.sleep(1500);
        long start = System.nanoTime();
        t.acquire(1_000_000); // the burst
        t.acquire(500_000);
        t.acquire(1);         // must wait for the 0.5 MB beyond the burst
        assertThat((System.nanoTime() - start) / 1e9).isGreaterThanOrEqualTo(0.45);
        assertThatThrownBy(() -> new Throttle(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
