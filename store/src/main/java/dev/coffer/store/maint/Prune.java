package dev.coffer.store.maint;

import dev.coffer.store.SnapshotRef;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Which snapshots of a group to keep (design.md 13). Going from the newest to the oldest, each rule keeps
 * the newest snapshot of each of its last N periods (last: each snapshot; hourly … yearly: hour, day,
 * ISO week, month, year in the given time zone) that has a snapshot. A snapshot kept by any rule stays;
 * the first rule to keep it is named. Protected snapshots are always kept and take no slot of any rule.
 */
public final class Prune {
    public record Rules(int last, int hourly, int daily, int weekly, int monthly, int yearly) {
        public boolean keepsNothing() {
            return last + hourly + daily + weekly + monthly + yearly == 0;
        }
    }

    public record Decision(SnapshotRef snapshot, boolean keep, String reason) {
    }

    private Prune() {
    }

    public static List<Decision> plan(List<SnapshotRef> snapshots, Set<SnapshotRef> protectedOnes, Rules rules, ZoneId zone) {
        List<SnapshotRef> newestFirst = new ArrayList<>(snapshots);
        newestFirst.sort(Comparator.comparing(SnapshotRef::time).reversed());
        List<String> reasons = new ArrayList<>();
        for (int i = 0; i < newestFirst.size(); i++) {
            reasons.add(null);
        }
        apply(newestFirst, protectedOnes, reasons, zone, "keep-last", rules.last(), ZonedDateTime::toString);
        apply(newestFirst, protectedOnes, reasons, zone, "keep-hourly", rules.hourly(),
                t -> t.getYear() + "-" + t.getDayOfYear() + "-" + t.getHour());
        apply(newestFirst, protectedOnes, reasons, zone, "keep-daily", rules.daily(), t -> t.getYear() + "-" + t.getDayOfYear());
        apply(newestFirst, protectedOnes, reasons, zone, "keep-weekly", rules.weekly(),
                t -> t.get(IsoFields.WEEK_BASED_YEAR) + "-W" + t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
        apply(newestFirst, protectedOnes, reasons, zone, "keep-monthly", rules.monthly(), t -> t.getYear() + "-" + t.getMonthValue());
        apply(newestFirst, protectedOnes, reasons, zone, "keep-yearly", rules.yearly(), t -> String.valueOf(t.getYear()));
        List<Decision> out = new ArrayList<>();
        for (int i = 0; i < newestFirst.size(); i++) {
            SnapshotRef s = newestFirst.get(i);
            if (protectedOnes.contains(s)) {
                out.add(new Decision(s, true, "protected"));
            } else {
                out.add(new Decision(s, reasons.get(i) != null, reasons.get(i) != null ? reasons.get(i) : "no rule keeps it"));
            }
        }
        return out.reversed();
    }

    private static void apply(List<SnapshotRef> newestFirst, Set<SnapshotRef> protectedOnes, List<String> reasons,
            ZoneId zone, String name, int count, Function<ZonedDateTime, String> period) {
        if (count <= 0) {
            return;
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < newestFirst.size() && seen.size() < count; i++) {
            SnapshotRef s = newestFirst.get(i);
            if (protectedOnes.contains(s)) {
                continue;
            }
            String p = period.apply(s.time().atZone(zone));
            if (seen.add(p) && reasons.get(i) == null) {
                reasons.set(i, name);
            }
        }
    }
}
