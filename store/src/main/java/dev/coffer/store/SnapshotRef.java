package dev.coffer.store;

import dev.coffer.core.CofferException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One snapshot: a backup group and a backup time. The time has second precision (finer parts are
 * dropped) and lies in the years 0000 to 9999, so that its RFC 3339 form always has four year digits and
 * sorts like the time itself.
 *
 * <p>{@link #name()} is {@code TYPE/ID/TIME} ({@code host/web1/2026-11-23T10:15:00Z}), unique within a
 * namespace; {@link #path()} and {@link #toString()} give the directory relative to the datastore root,
 * which includes the namespace. Snapshots sort by group, then time.
 */
public record SnapshotRef(BackupGroup group, Instant time) implements Comparable<SnapshotRef> {
    /** The earliest representable backup time, 0000-01-01T00:00:00Z. */
    public static final Instant MIN_TIME = LocalDateTime.of(0, 1, 1, 0, 0).toInstant(ZoneOffset.UTC);
    /** The latest representable backup time, 9999-12-31T23:59:59Z. */
    public static final Instant MAX_TIME = LocalDateTime.of(9999, 12, 31, 23, 59, 59).toInstant(ZoneOffset.UTC);

    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC)
            .withResolverStyle(ResolverStyle.STRICT);
    private static final Pattern TIME_SHAPE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z");
    private static final Comparator<SnapshotRef> ORDER = Comparator.comparing(SnapshotRef::group)
            .thenComparing(SnapshotRef::time);

    public SnapshotRef {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(time, "time");
        time = time.truncatedTo(ChronoUnit.SECONDS);
        if (time.isBefore(MIN_TIME) || time.isAfter(MAX_TIME)) {
            throw new CofferException("backup time " + time + " is out of range: it must lie in the years 0000 to 9999",
                    "check the system clock");
        }
    }

    /** Parses {@code TYPE/ID/TIME} in namespace {@code ns}. */
    public static SnapshotRef parse(String ns, String text) {
        Objects.requireNonNull(text, "text");
        int last = text.lastIndexOf('/');
        int first = text.indexOf('/');
        if (first < 0 || first == last) {
            throw new CofferException("invalid snapshot name " + Names.quote(text)
                    + ": expected TYPE/ID/TIME, e.g. host/web1/2026-11-23T10:15:00Z");
        }
        BackupGroup group = BackupGroup.parse(ns, text.substring(0, last));
        return new SnapshotRef(group, parseTime(text.substring(last + 1)));
    }

    /** Parses a backup time in its only accepted form, e.g. {@code 2026-11-23T10:15:00Z}. */
    public static Instant parseTime(String text) {
        Instant t = tryParseTime(text);
        if (t == null) {
            throw new CofferException("invalid snapshot time " + Names.quote(text)
                    + ": expected RFC 3339 UTC with seconds, e.g. 2026-11-23T10:15:00Z");
        }
        return t;
    }

    /** The time written by {@link #formatTime}, or null if {@code text} is anything else. */
    static Instant tryParseTime(String text) {
        if (text == null || !TIME_SHAPE.matcher(text).matches()) {
            return null;
        }
        try {
            return FORMAT.parse(text, Instant::from);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** RFC 3339 UTC with second precision, e.g. {@code 2026-11-23T10:15:00Z}. */
    public static String formatTime(Instant time) {
        return FORMAT.format(time.truncatedTo(ChronoUnit.SECONDS));
    }

    public String timeString() {
        return formatTime(time);
    }

    /** {@code TYPE/ID/TIME}. */
    public String name() {
        return group.name() + "/" + timeString();
    }

    /** The snapshot's directory relative to the datastore root. */
    public String path() {
        return group.path() + "/" + timeString();
    }

    @Override
    public int compareTo(SnapshotRef o) {
        return ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        return path();
    }
}
