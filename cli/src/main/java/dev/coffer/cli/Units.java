package dev.coffer.cli;

import java.util.Locale;

/** Human-readable sizes, rates and durations. */
final class Units {
    private Units() {
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] u = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int i = -1;
        while (v >= 1024 && i < u.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, u[i]);
    }

    static String rate(long bytes, long millis) {
        if (millis <= 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.0f MB/s", bytes / 1e6 / (millis / 1000.0));
    }

    static String duration(long millis) {
        long s = millis / 1000;
        if (s < 60) {
            return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
        }
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
