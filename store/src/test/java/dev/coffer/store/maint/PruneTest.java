package dev.coffer.store.maint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coffer.store.BackupGroup;
import dev.coffer.store.SnapshotRef;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Keep rules against tables of snapshot times with the expected decision of each. */
class PruneTest {
    static final BackupGroup G = new BackupGroup("", "host", "h");
    static final ZoneId UTC = ZoneOffset.UTC;

    static SnapshotRef at(String t) {
        return new SnapshotRef(G, Instant.parse(t));
    }

    static Map<String, String> decide(List<String> times, Set<String> prot, Prune.Rules rules, ZoneId zone) {
        List<SnapshotRef> list = new ArrayList<>();
        times.forEach(t -> list.add(at(t)));
        Set<SnapshotRef> p = new java.util.HashSet<>();
        prot.forEach(t -> p.add(at(t)));
        Map<String, String> out = new LinkedHashMap<>();
        for (Prune.Decision d : Prune.plan(list, p, rules, zone)) {
            out.put(d.snapshot().time().toString(), d.keep() ? d.reason() : "remove");
        }
        return out;
    }

    @Test
    void lastAndDailyAndProtected() {
        List<String> times = List.of("2026-11-20T08:00:00Z", "2026-11-20T20:00:00Z", "2026-11-21T09:00:00Z",
                "2026-11-22T09:00:00Z", "2026-11-22T21:00:00Z", "2026-11-23T10:00:00Z");
        Map<String, String> d = decide(times, Set.of("2026-11-20T08:00:00Z"), new Prune.Rules(1, 0, 3, 0, 0, 0), UTC);
        assertThat(d).containsExactly(
                Map.entry("2026-11-20T08:00:00Z", "protected"),
                Map.entry("2026-11-20T20:00:00Z", "remove"),
                Map.entry("2026-11-21T09:00:00Z", "keep-daily"),
                Map.entry("2026-11-22T09:00:00Z", "remove"),
                Map.entry("2026-11-22T21:00:00Z", "keep-daily"),
                Map.entry("2026-11-23T10:00:00Z", "keep-last"));
    }

    @Test
    void whenClocksGoBackTheTwoHoursTwoBeforeAndAfterAreTwoHourlyPeriods() {
        // Berlin, 2026-10-25: 03:00 CEST becomes 02:00 CET; 00:30Z and 01:30Z are both 02:30 there
        Map<String, String> d = decide(List.of("2026-10-24T23:30:00Z", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"),
                Set.of(), new Prune.Rules(0, 2, 0, 0, 0, 0), ZoneId.of("Europe/Berlin"));
        assertThat(d).containsExactly(
                Map.entry("2026-10-24T23:30:00Z", "remove"),
                Map.entry("2026-10-25T00:30:00Z", "keep-hourly"),
                Map.entry("2026-10-25T01:30:00Z", "keep-hourly"));
    }

    @Test
    void protectedSnapshotsTakeNoSlot() {
        List<String> times = List.of("2026-11-21T09:00:00Z", "2026-11-22T09:00:00Z", "2026-11-23T09:00:00Z");
        Map<String, String> d = decide(times, Set.of("2026-11-23T09:00:00Z"), new Prune.Rules(1, 0, 0, 0, 0, 0), UTC);
        assertThat(d).containsExactly(
                Map.entry("2026-11-21T09:00:00Z", "remove"),
                Map.entry("2026-11-22T09:00:00Z", "keep-last"),
                Map.entry("2026-11-23T09:00:00Z", "protected"));
    }

    @Test
    void isoWeeksCrossYearBoundaries() {
        // 2026-12-31 (Thursday) and 2027-01-03 (Sunday) share ISO week 2026-W53; 2027-01-04 starts 2027-W01.
        // 2020-12-31 is in 2020-W53, 2021-01-01 also; 2019-12-30 belongs to 2020-W01.
        List<String> times = List.of("2019-12-29T12:00:00Z", "2019-12-30T12:00:00Z", "2020-12-31T12:00:00Z",
                "2021-01-01T12:00:00Z", "2026-12-31T12:00:00Z", "2027-01-03T12:00:00Z", "2027-01-04T12:00:00Z");
        Map<String, String> d = decide(times, Set.of(), new Prune.Rules(0, 0, 0, 10, 0, 0), UTC);
        assertThat(d).containsExactly(
                Map.entry("2019-12-29T12:00:00Z", "keep-weekly"), // 2019-W52
                Map.entry("2019-12-30T12:00:00Z", "keep-weekly"), // 2020-W01
                Map.entry("2020-12-31T12:00:00Z", "remove"),       // 2020-W53, the newer one is kept
                Map.entry("2021-01-01T12:00:00Z", "keep-weekly"), // 2020-W53
                Map.entry("2026-12-31T12:00:00Z", "remove"),       // 2026-W53
                Map.entry("2027-01-03T12:00:00Z", "keep-weekly"), // 2026-W53
                Map.entry("2027-01-04T12:00:00Z", "keep-weekly")); // 2027-W01
    }

    @Test
    void monthlyYearlyHourlyAndCounts() {
        List<String> times = List.of("2024-06-01T00:00:00Z", "2025-03-01T00:00:00Z", "2025-11-30T23:00:00Z",
                "2026-10-15T10:10:00Z", "2026-10-15T10:50:00Z", "2026-10-15T11:05:00Z", "2026-11-01T00:00:00Z");
        assertThat(decide(times, Set.of(), new Prune.Rules(0, 2, 0, 0, 0, 0), UTC)).containsExactly(
                Map.entry("2024-06-01T00:00:00Z", "remove"),
                Map.entry("2025-03-01T00:00:00Z", "remove"),
                Map.entry("2025-11-30T23:00:00Z", "remove"),
                Map.entry("2026-10-15T10:10:00Z", "remove"),
                Map.entry("2026-10-15T10:50:00Z", "remove"),
                Map.entry("2026-10-15T11:05:00Z", "keep-hourly"),
                Map.entry("2026-11-01T00:00:00Z", "keep-hourly"));
        assertThat(decide(times, Set.of(), new Prune.Rules(0, 0, 0, 0, 3, 2), UTC)).containsExactly(
                Map.entry("2024-06-01T00:00:00Z", "remove"),
                Map.entry("2025-03-01T00:00:00Z", "remove"),
                Map.entry("2025-11-30T23:00:00Z", "keep-monthly"),
                Map.entry("2026-10-15T10:10:00Z", "remove"),
                Map.entry("2026-10-15T10:50:00Z", "remove"),
                Map.entry("2026-10-15T11:05:00Z", "keep-monthly"),
                Map.entry("2026-11-01T00:00:00Z", "keep-monthly"));
    }

    @Test
    void periodsFollowTheTimeZone() {
        // 23:30 UTC on the 22nd is already the 23rd in Berlin: in Berlin both fall on one day
        List<String> times = List.of("2026-11-22T23:30:00Z", "2026-11-23T10:00:00Z");
        assertThat(decide(times, Set.of(), new Prune.Rules(0, 0, 2, 0, 0, 0), UTC).values()).containsExactly("keep-daily", "keep-daily");
        assertThat(decide(times, Set.of(), new Prune.Rules(0, 0, 2, 0, 0, 0), ZoneId.of("Europe/Berlin")).values())
                .containsExactly("remove", "keep-daily");
    }
}
