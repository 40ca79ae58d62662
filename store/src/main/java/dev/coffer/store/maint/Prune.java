package dev.coffer.store.maint;

import dev.coffer.core.CofferException;
import dev.coffer.store.BackupGroup;
import dev.coffer.store.Datastore;
import dev.coffer.store.SnapshotNotFoundException;
import dev.coffer.store.SnapshotRef;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Which snapshots of a group to keep (design.md 13.4). Going from the newest to the oldest, each rule keeps
 * the newest snapshot of each of its last N periods (last: each snapshot; hourly … yearly: hour, day,
 * ISO week, month, year in the given time zone) that has a snapshot. A snapshot kept by any rule stays;
 * the first rule to keep it is named. Protected snapshots, and snapshots whose last verify failed, are
 * always kept and take no slot of any rule: a rule's slots go to snapshots that can be restored.
 */
public final class Prune {
    /** Counts of each rule, none negative; 0: the rule is not used. */
    public record Rules(int last, int hourly, int daily, int weekly, int monthly, int yearly) {
        public Rules {
            if (last < 0 || hourly < 0 || daily < 0 || weekly < 0 || monthly < 0 || yearly < 0) {
                throw new CofferException("a keep rule's count cannot be negative",
                        "give how many to keep (at least 1) for the rules you want, and leave out the others");
            }
        }

        public boolean keepsNothing() {
            return last == 0 && hourly == 0 && daily == 0 && weekly == 0 && monthly == 0 && yearly == 0;
        }
    }

    /** The reason given for a snapshot whose last verify failed: kept, outside the rules. */
    public static final String FAILED_VERIFY = "failed verification: kept, takes no slot; forget it by hand";

    /**
     * What a prune did: its plan (oldest first), how many snapshots it removed, and the ones it meant to remove
     * but could not, with the reason (it goes on past them).
     */
    public record Result(List<Decision> plan, int removed, Map<SnapshotRef, String> failures) {
    }

    /**
     * Prunes one group of {@code ds}: plans with its protected snapshots and those whose last verify failed
     * held out of the rules, and unless {@code dryRun} forgets what no rule keeps, calling {@code forgotten}
     * for each. A snapshot gone already (another prune or forget) counts as removed; any other failure is
     * recorded and the prune goes on with the rest.
     */
    public static Result run(Datastore ds, BackupGroup group, Rules rules, ZoneId zone, boolean dryRun,
            java.util.function.Consumer<SnapshotRef> forgotten) {
        if (rules.keepsNothing()) {
            throw new CofferException("no keep rule given: pruning would remove every unprotected snapshot",
                    "give at least one --keep-* rule");
        }
        List<SnapshotRef> list = ds.snapshots(group);
        Set<SnapshotRef> prot = new HashSet<>();
        Set<SnapshotRef> failed = new HashSet<>();
        for (SnapshotRef r : list) {
            if (ds.isProtected(r)) {
                prot.add(r);
            } else if (lastVerifyFailed(ds, r) && indexesReadable(ds, r)) {
                // a damaged snapshot that may still restore much: kept. One whose indexes cannot be read restores
                // nothing and would stop every garbage collection: the rules decide about it as before
                failed.add(r);
            }
        }
        List<Decision> plan = plan(list, prot, failed, rules, zone);
        int removed = 0;
        Map<SnapshotRef, String> failures = new java.util.LinkedHashMap<>();
        if (!dryRun) {
            for (Decision d : plan) {
                if (d.keep()) {
                    continue;
                }
                try {
                    ds.forgetSnapshot(d.snapshot());
                } catch (SnapshotNotFoundException e) {
                    // gone already: what the prune wanted
                } catch (RuntimeException e) {
                    if (ds.snapshots(group).contains(d.snapshot())) {
                        failures.put(d.snapshot(), e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
                        continue;
                    } // else gone, though something after the removal failed (syncing its directory)
                }
                removed++;
                forgotten.accept(d.snapshot());
            }
        }
        return new Result(plan, removed, failures);
    }

    public record Decision(SnapshotRef snapshot, boolean keep, String reason) {
    }

    private Prune() {
    }

    /** Whether the snapshot's last verify failed: its {@code verify.json} says so, or cannot be read. */
    private static boolean lastVerifyFailed(Datastore ds, SnapshotRef r) {
        try {
            Verifier.State st = Verifier.state(ds, r);
            return st != null && !st.state().equals("ok");
        } catch (RuntimeException e) {
            return true;
        }
    }

    private static boolean indexesReadable(Datastore ds, SnapshotRef r) {
        try {
            SnapshotIndexes.load(ds, r);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    public static List<Decision> plan(List<SnapshotRef> snapshots, Set<SnapshotRef> protectedOnes, Rules rules, ZoneId zone) {
        return plan(snapshots, protectedOnes, Set.of(), rules, zone);
    }

    /** The plan, oldest first, with {@code held} (snapshots whose last verify failed) kept outside the rules. */
    public static List<Decision> plan(List<SnapshotRef> snapshots, Set<SnapshotRef> protectedOnes, Set<SnapshotRef> held,
            Rules rules, ZoneId zone) {
        Set<SnapshotRef> outside = new HashSet<>(protectedOnes);
        outside.addAll(held);
        List<SnapshotRef> newestFirst = new ArrayList<>(snapshots);
        newestFirst.sort(Comparator.comparing(SnapshotRef::time).reversed());
        List<String> reasons = new ArrayList<>();
        for (int i = 0; i < newestFirst.size(); i++) {
            reasons.add(null);
        }
        apply(newestFirst, outside, reasons, zone, "keep-last", rules.last(), ZonedDateTime::toString);
        // the offset too: when clocks go back, the hour before and the hour after are two hours, not one
        apply(newestFirst, outside, reasons, zone, "keep-hourly", rules.hourly(),
                t -> t.getYear() + "-" + t.getDayOfYear() + "-" + t.getHour() + t.getOffset());
        apply(newestFirst, outside, reasons, zone, "keep-daily", rules.daily(), t -> t.getYear() + "-" + t.getDayOfYear());
        apply(newestFirst, outside, reasons, zone, "keep-weekly", rules.weekly(),
                t -> t.get(IsoFields.WEEK_BASED_YEAR) + "-W" + t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
        apply(newestFirst, outside, reasons, zone, "keep-monthly", rules.monthly(), t -> t.getYear() + "-" + t.getMonthValue());
        apply(newestFirst, outside, reasons, zone, "keep-yearly", rules.yearly(), t -> String.valueOf(t.getYear()));
        List<Decision> out = new ArrayList<>();
        for (int i = 0; i < newestFirst.size(); i++) {
            SnapshotRef s = newestFirst.get(i);
            if (protectedOnes.contains(s)) {
                out.add(new Decision(s, true, "protected"));
            } else if (held.contains(s)) {
                out.add(new Decision(s, true, FAILED_VERIFY));
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
