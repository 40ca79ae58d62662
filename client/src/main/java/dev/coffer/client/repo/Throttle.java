package dev.coffer.client.repo;

import java.util.concurrent.locks.LockSupport;

/**
 * Caps a byte rate across threads: each caller reserves its bytes on one shared timeline and sleeps until its
 * reservation begins, so the long-run rate never exceeds the cap, with a burst of at most one second's worth.
 */
public final class Throttle {
    private final double nanosPerByte;
    private long nextFree = System.nanoTime();

    public Throttle(long bytesPerSecond) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("rate must be positive");
        }
        this.nanosPerByte = 1e9 / bytesPerSecond;
    }

    public void acquire(long bytes) {
        long wait;
        synchronized (this) {
            long now = System.nanoTime();
            long burstStart = now - 1_000_000_000L;
            if (nextFree < burstStart) {
                nextFree = burstStart;
            }
            wait = nextFree - now;
            nextFree += (long) (bytes * nanosPerByte);
        }
        while (wait > 0) {
            long start = System.nanoTime();
            LockSupport.parkNanos(wait);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                return;
            }
            wait -= System.nanoTime() - start;
        }
    }
}
