package dev.coffer.server.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.CofferException;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CalendarEventTest {
    static final ZoneId UTC = ZoneId.of("UTC");
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    static String next(String expr, String after, ZoneId zone) {
        ZonedDateTime t = ZonedDateTime.of(LocalDateTime.parse(after), zone);
        return CalendarEvent.parse(expr).next(t).map(z -> z.toOffsetDateTime().toString()).orElse("never");
    }

    @ParameterizedTest(name = "{0} after {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
        // 2026-11-23 is a Monday
        "daily              | 2026-11-23T10:15:00 | 2026-11-24T00:00Z",
        "daily              | 2026-11-23T00:00:00 | 2026-11-24T00:00Z",
        "hourly             | 2026-11-23T10:15:00 | 2026-11-23T11:00Z",
        "minutely           | 2026-11-23T10:15:30 | 2026-11-23T10:16Z",
        "weekly             | 2026-11-23T00:00:00 | 2026-11-30T00:00Z",
        "monthly            | 2026-11-23T10:00:00 | 2026-12-01T00:00Z",
        "yearly             | 2026-11-23T10:00:00 | 2027-01-01T00:00Z",
        "sat 02:00          | 2026-11-23T10:00:00 | 2026-11-28T02:00Z",
        "sat 02:00          | 2026-11-28T02:00:00 | 2026-12-05T02:00Z",
        "sat 02:00          | 2026-11-28T01:59:59 | 2026-11-28T02:00Z",
        "*:0/15             | 2026-11-23T10:59:59 | 2026-11-23T11:00Z",
        "*:0/15             | 2026-11-23T11:00:00 | 2026-11-23T11:15Z",
        "*:0/15             | 2026-11-23T23:50:00 | 2026-11-24T00:00Z",
        "*:*/20             | 2026-11-23T10:41:00 | 2026-11-23T11:00Z",
        "0/2:30             | 2026-11-23T03:00:00 | 2026-11-23T04:30Z",
        "mon..fri 22:30     | 2026-11-27T22:30:00 | 2026-11-30T22:30Z",
        "fri..mon 01:00     | 2026-11-24T12:00:00 | 2026-11-27T01:00Z",
        "sat,sun 08..10:00  | 2026-11-28T10:00:00 | 2026-11-29T08:00Z",
        "Sunday 03:15       | 2026-11-23T00:00:00 | 2026-11-29T03:15Z",
        "*-*-01 04:00       | 2026-11-23T00:00:00 | 2026-12-01T04:00Z",
        "*-*-31 04:00       | 2026-11-23T00:00:00 | 2026-12-31T04:00Z",
        "*-02-29            | 2026-03-01T00:00:00 | 2028-02-29T00:00Z",
        "2027-06-15 12:00:30| 2026-11-23T00:00:00 | 2027-06-15T12:00:30Z",
        "12:00:0/20         | 2026-11-23T12:00:20 | 2026-11-23T12:00:40Z",
    })
    void nextTimes(String expr, String after, String expected) {
        assertThat(next(expr.strip(), after.strip(), UTC)).isEqualTo(expected.strip());
    }

    @ParameterizedTest(name = "{0} after {1} -> {2} in Berlin")
    @CsvSource(delimiter = '|', value = {
        // spring forward 2026-03-29: 02:00-03:00 does not exist; the job runs at 03:30 that day, once
        "02:30    | 2026-03-28T03:00:00 | 2026-03-29T03:30+02:00",
        "02:30    | 2026-03-29T03:30:00 | 2026-03-30T02:30+02:00",
        // fall back 2026-10-25: 02:30 happens twice; it runs once, at the first
        "02:30    | 2026-10-24T03:00:00 | 2026-10-25T02:30+02:00",
        "daily    | 2026-10-24T12:00:00 | 2026-10-25T00:00+02:00",
        "*:0/30   | 2026-03-29T01:45:00 | 2026-03-29T03:00+02:00",
    })
    void daylightSavingChanges(String expr, String after, String expected) {
        assertThat(next(expr.strip(), after.strip(), BERLIN)).isEqualTo(expected.strip());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "25:00              | the hour 25 is outside 0..23",
        "mon..xyz 02:00     | \"xyz\" is not a weekday (mon, tue, … or monday, tuesday, …)",
        "*:0/0              | the minute 0 is outside 1..60",
        "sat 02:00 extra    | \"extra\" is not a weekday, a date (Y-M-D) or a time (H:M)",
        "sat *-*-01 02:00 x | it has more than a weekday, a date and a time part",
        "sat extra          | \"extra\" is not a weekday, a date (Y-M-D) or a time (H:M)",
        "*-02-30            | no date ever matches it",
        "10:70              | the minute 70 is outside 0..59",
        "10:-5              | \"-5\" is not a valid minute",
        "10:5..3            | the minute range 5..3 runs backwards",
        "1:2:3:4            | the time must be HOUR:MINUTE or HOUR:MINUTE:SECOND",
        "2026-13-01         | the month 13 is outside 1..12",
        "*-*                | the date must be YEAR-MONTH-DAY, each a value or *",
        "10:                | the minute is empty",
    })
    void garbageIsRefusedWithAReason(String expr, String reason) {
        assertThatThrownBy(() -> CalendarEvent.parse(expr.strip())).isInstanceOf(CofferException.class)
                .hasMessage("invalid schedule \"" + expr.strip() + "\": " + reason.strip());
    }

    @org.junit.jupiter.api.Test
    void emptyAndHugeInputs() {
        assertThatThrownBy(() -> CalendarEvent.parse("")).hasMessage("invalid schedule \"\": it is empty");
        assertThatThrownBy(() -> CalendarEvent.parse(null)).hasMessage("invalid schedule \"\": it is empty");
        assertThatThrownBy(() -> CalendarEvent.parse("1,".repeat(500) + "1:00")).hasMessageEndingWith("it is longer than 256 characters");
        assertThat(CalendarEvent.parse("  sat   02:00 ").toString()).isEqualTo("sat 02:00");
    }
}
