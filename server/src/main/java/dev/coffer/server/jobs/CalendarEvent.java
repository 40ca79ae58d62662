package dev.coffer.server.jobs;

import dev.coffer.core.CofferException;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.BitSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A schedule in the calendar-event syntax of systemd (and Proxmox Backup Server): {@code [WEEKDAYS] [DATE] [TIME]}.
 *
 * <ul>
 *   <li>keywords {@code minutely}, {@code hourly}, {@code daily}, {@code weekly} (mon 00:00), {@code monthly},
 *       {@code yearly};</li>
 *   <li>WEEKDAYS: names ({@code mon} or {@code monday}), lists {@code sat,sun}, ranges {@code mon..fri};</li>
 *   <li>DATE {@code YEAR-MONTH-DAY}, TIME {@code HOUR:MINUTE[:SECOND]}: each field {@code *}, a number, a list
 *       {@code 0,30}, a range {@code 8..17}, or a repetition {@code START/STEP} ({@code *:0/15} = every 15
 *       minutes). A missing TIME is 00:00:00, a missing SECOND is 0.</li>
 * </ul>
 * Times are local to the server's zone. A local time that a daylight-saving change skips is run at the same
 * wall-clock offset after the change (02:30 becomes 03:30 on the spring-forward day); a repeated one runs once.
 */
public final class CalendarEvent {
    private static final int MAX_LENGTH = 256;
    private static final int SEARCH_YEARS = 10;
    private static final Map<String, String> KEYWORDS = Map.of("minutely", "*:*:00", "hourly", "*:00", "daily", "00:00",
            "weekly", "mon 00:00", "monthly", "*-*-01 00:00", "yearly", "*-01-01 00:00", "annually", "*-01-01 00:00");

    private final String text;
    private final BitSet weekdays; // 1..7, Monday = 1
    private final BitSet years;    // offset from 1970, null = any
    private final BitSet months;   // 1..12
    private final BitSet days;     // 1..31
    private final BitSet hours;
    private final BitSet minutes;
    private final BitSet seconds;

    private CalendarEvent(String text, BitSet weekdays, BitSet years, BitSet months, BitSet days, BitSet hours, BitSet minutes,
            BitSet seconds) {
        this.text = text;
        this.weekdays = weekdays;
        this.years = years;
        this.months = months;
        this.days = days;
        this.hours = hours;
        this.minutes = minutes;
        this.seconds = seconds;
    }

    public static CalendarEvent parse(String expression) {
        if (expression == null || expression.isBlank()) {
            throw bad(expression, "it is empty");
        }
        if (expression.length() > MAX_LENGTH) {
            throw bad(expression.substring(0, 32) + "…", "it is longer than " + MAX_LENGTH + " characters");
        }
        String text = expression.strip().replaceAll("\\s+", " ");
        String body = KEYWORDS.getOrDefault(text.toLowerCase(Locale.ROOT), text);
        String[] parts = body.split(" ");
        if (parts.length > 3) {
            throw bad(text, "it has more than a weekday, a date and a time part");
        }
        BitSet wd = null;
        BitSet y = null;
        BitSet mo = null;
        BitSet d = null;
        BitSet h = null;
        BitSet mi = null;
        BitSet s = null;
        int i = 0;
        if (i < parts.length && Character.isLetter(parts[i].charAt(0))) {
            wd = weekdays(text, parts[i++]);
        }
        if (i < parts.length && parts[i].contains("-") && !parts[i].contains(":")) {
            String[] f = parts[i++].split("-", -1);
            if (f.length != 3) {
                throw bad(text, "the date must be YEAR-MONTH-DAY, each a value or *");
            }
            y = f[0].equals("*") ? null : field(text, "year", f[0], 1970, 2199, 1970);
            mo = field(text, "month", f[1], 1, 12, 1);
            d = field(text, "day", f[2], 1, 31, 1);
        }
        if (i < parts.length && parts[i].contains(":")) {
            String[] f = parts[i++].split(":", -1);
            if (f.length < 2 || f.length > 3) {
                throw bad(text, "the time must be HOUR:MINUTE or HOUR:MINUTE:SECOND");
            }
            h = field(text, "hour", f[0], 0, 23, 0);
            mi = field(text, "minute", f[1], 0, 59, 0);
            s = f.length == 3 ? field(text, "second", f[2], 0, 59, 0) : only(0);
        }
        if (i != parts.length) {
            throw bad(text, "\"" + parts[i] + "\" is not a weekday, a date (Y-M-D) or a time (H:M)");
        }
        if (h == null) {
            h = only(0);
            mi = only(0);
            s = only(0);
        }
        CalendarEvent e = new CalendarEvent(text, wd == null ? range(1, 7) : wd, y, mo == null ? range(1, 12) : mo,
                d == null ? range(1, 31) : d, h, mi, s);
        // a leap day needs up to 8 years; a year list is searched from its first year
        int from = y == null ? 2000 : 1969 + y.nextSetBit(0);
        if (e.next(ZonedDateTime.of(LocalDateTime.of(from, 12, 31, 0, 0), ZoneId.of("UTC"))).isEmpty()) {
            throw bad(text, "no date ever matches it");
        }
        return e;
    }

    private static BitSet only(int v) {
        BitSet b = new BitSet();
        b.set(v);
        return b;
    }

    private static BitSet range(int from, int to) {
        BitSet b = new BitSet();
        b.set(from, to + 1);
        return b;
    }

    private static final String[] DAY_NAMES = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

    private static int weekday(String expr, String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (int i = 0; i < 7; i++) {
            String full = DayOfWeek.of(i + 1).name().toLowerCase(Locale.ROOT);
            if (n.equals(DAY_NAMES[i]) || n.equals(full)) {
                return i + 1;
            }
        }
        throw bad(expr, "\"" + name + "\" is not a weekday (mon, tue, … or monday, tuesday, …)");
    }

    private static BitSet weekdays(String expr, String spec) {
        BitSet b = new BitSet();
        for (String item : spec.split(",", -1)) {
            int dots = item.indexOf("..");
            if (dots >= 0) {
                int from = weekday(expr, item.substring(0, dots));
                int to = weekday(expr, item.substring(dots + 2));
                for (int d = from; ; d = d % 7 + 1) {
                    b.set(d);
                    if (d == to) {
                        break;
                    }
                }
            } else {
                b.set(weekday(expr, item));
            }
        }
        return b;
    }

    /** One field: {@code *}, N, N..M, START/STEP, *\/STEP, or a comma list of these; years are stored less 1970. */
    private static BitSet field(String expr, String what, String spec, int min, int max, int base) {
        BitSet b = new BitSet();
        if (spec.isEmpty()) {
            throw bad(expr, "the " + what + " is empty");
        }
        for (String item : spec.split(",", -1)) {
            String range = item;
            int step = 0;
            int slash = item.indexOf('/');
            if (slash >= 0) {
                range = item.substring(0, slash);
                step = number(expr, what, item.substring(slash + 1), 1, max - min + 1);
            }
            int from;
            int to;
            if (range.equals("*")) {
                from = min;
                to = max;
            } else if (range.contains("..")) {
                int dots = range.indexOf("..");
                from = number(expr, what, range.substring(0, dots), min, max);
                to = number(expr, what, range.substring(dots + 2), min, max);
                if (to < from) {
                    throw bad(expr, "the " + what + " range " + range + " runs backwards");
                }
            } else {
                from = number(expr, what, range, min, max);
                to = step > 0 ? max : from;
            }
            for (int v = from; v <= to; v += step > 0 ? step : 1) {
                b.set(v - (base == 1970 ? 1970 : 0));
            }
        }
        return b;
    }

    private static int number(String expr, String what, String s, int min, int max) {
        if (!s.matches("\\d{1,4}")) {
            throw bad(expr, "\"" + s + "\" is not a valid " + what);
        }
        int v = Integer.parseInt(s);
        if (v < min || v > max) {
            throw bad(expr, "the " + what + " " + v + " is outside " + min + ".." + max);
        }
        return v;
    }

    private static CofferException bad(String expr, String why) {
        return new CofferException("invalid schedule \"" + (expr == null ? "" : expr) + "\": " + why,
                "use a calendar event like daily, hourly, sat 02:00, mon..fri 22:30, *:0/15 or *-*-01 04:00");
    }

    /** The first time strictly after {@code after} that matches, in {@code after}'s zone; empty if none within 10 years. */
    public Optional<ZonedDateTime> next(ZonedDateTime after) {
        ZoneId zone = after.getZone();
        LocalDate day = after.toLocalDate();
        LocalDate end = day.plusYears(SEARCH_YEARS);
        for (; !day.isAfter(end); day = day.plusDays(1)) {
            if (!dayMatches(day)) {
                continue;
            }
            for (int h = hours.nextSetBit(0); h >= 0; h = hours.nextSetBit(h + 1)) {
                for (int m = minutes.nextSetBit(0); m >= 0; m = minutes.nextSetBit(m + 1)) {
                    for (int s = seconds.nextSetBit(0); s >= 0; s = seconds.nextSetBit(s + 1)) {
                        ZonedDateTime t = ZonedDateTime.of(day.atTime(h, m, s), zone);
                        if (t.isAfter(after)) {
                            return Optional.of(t);
                        }
                    }
                }
            }
        }
        return Optional.empty();
    }

    private boolean dayMatches(LocalDate d) {
        return weekdays.get(d.getDayOfWeek().getValue()) && months.get(d.getMonthValue()) && days.get(d.getDayOfMonth())
                && (years == null || years.get(d.getYear() - 1970));
    }

    @Override
    public String toString() {
        return text;
    }
}
