package dev.coffer.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A one-line progress display on a terminal's stderr, redrawn twice a second: bytes, files, throughput and,
 * once the total is known, percentage and ETA. Does nothing when not a terminal or when quiet.
 */
final class Progress implements AutoCloseable {
    private final Thread thread;
    private final PrintStream err = System.err;
    private volatile boolean running = true;
    private final long start = System.nanoTime();

    Progress(boolean enabled, String verb, LongSupplier bytes, LongSupplier total, LongSupplier files) {
        if (!enabled) {
            thread = null;
            return;
        }
        thread = Thread.ofPlatform().daemon().name("coffer-progress").start(() -> {
            while (running) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
                if (running) {
                    err.print("\r\033[K" + line(verb, bytes.getAsLong(), total.getAsLong(), files.getAsLong()));
                    err.flush();
                }
            }
        });
    }

    private String line(String verb, long b, long t, long f) {
        long ms = Math.max(1, (System.nanoTime() - start) / 1_000_000);
        double rate = b / (ms / 1000.0);
        StringBuilder sb = new StringBuilder();
        sb.append(verb).append(' ').append(Units.bytes(b));
        if (t > 0) {
            sb.append(" of ").append(Units.bytes(t)).append(String.format(Locale.ROOT, " (%.0f%%)", 100.0 * Math.min(b, t) / t));
        }
        sb.append(", ").append(Units.count(f)).append(" files, ").append(Units.bytes((long) rate)).append("/s");
        if (t > 0 && rate > 0 && b < t) {
            sb.append(", ETA ").append(Units.duration((long) ((t - b) / rate * 1000)));
        }
        return sb.toString();
    }

    static boolean enabled(boolean quiet) {
        return !quiet && Terminal.isInteractive();
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            err.print("\r\033[K");
            err.flush();
        }
    }
}
