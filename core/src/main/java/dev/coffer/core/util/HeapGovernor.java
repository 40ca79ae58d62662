package dev.coffer.core.util;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryNotificationInfo;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;

/**
 * Keeps the heap near what a run really holds. The serial collector grows the old generation whenever a
 * promotion does not fit, up to the heap limit, and collects it only when that limit is reached; a backup
 * whose live data is 60 MiB would so end up using the whole limit. The governor watches the old
 * generation instead: when its use passes a threshold (checked by the VM after every collection) it asks
 * for a full collection and sets the next threshold at the live data plus half of it (at least
 * {@code floor}). Peak heap thus follows the live data, while a run that needs a large heap (a tree of
 * millions of files) still gets it, up to the limit.
 *
 * <p>Costs one full collection per threshold crossing: tens of milliseconds at these sizes. Does nothing
 * when the collector's old generation has no usage threshold.
 */
public final class HeapGovernor {
    private static volatile boolean installed;

    private HeapGovernor() {
    }

    /** Starts governing, on a background thread so that loading the management classes costs no start-up time. */
    public static void installInBackground(long floorBytes) {
        Thread.ofPlatform().daemon().name("coffer-heap-governor").start(() -> install(floorBytes));
    }

    /** Starts governing with the given smallest threshold. Idempotent. */
    public static synchronized void install(long floorBytes) {
        if (installed) {
            return;
        }
        MemoryPoolMXBean old = null;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.isUsageThresholdSupported()
                    && (p.getName().contains("Tenured") || p.getName().contains("Old"))) {
                old = p;
            }
        }
        if (old == null || !(ManagementFactory.getMemoryMXBean() instanceof NotificationEmitter emitter)) {
            return;
        }
        MemoryPoolMXBean pool = old;
        NotificationListener listener = (Notification n, Object handback) -> {
            if (!MemoryNotificationInfo.MEMORY_THRESHOLD_EXCEEDED.equals(n.getType())) {
                return;
            }
            System.gc();
            long live = pool.getUsage().getUsed();
            pool.setUsageThreshold(nextThreshold(live, floorBytes, pool.getUsage().getMax()));
        };
        emitter.addNotificationListener(listener, null, null);
        pool.setUsageThreshold(nextThreshold(pool.getUsage().getUsed(), floorBytes, pool.getUsage().getMax()));
        installed = true;
    }

    /** Live data plus half of it, at least {@code floor}, at most the pool's maximum (when it has one). */
    static long nextThreshold(long live, long floor, long max) {
        long t = Math.max(floor, live + live / 2);
        return max > 0 ? Math.min(t, max) : t;
    }
}
