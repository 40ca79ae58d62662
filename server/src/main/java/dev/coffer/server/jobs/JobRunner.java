package dev.coffer.server.jobs;

import dev.coffer.server.api.ApiHandler;
import dev.coffer.store.BackupGroup;
import dev.coffer.store.Datastore;
import dev.coffer.store.SnapshotRef;
import dev.coffer.store.maint.GarbageCollector;
import dev.coffer.store.maint.Prune;
import dev.coffer.store.maint.Verifier;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Runs one job on an open datastore and records the run, its outcome and its log in the history. Never throws. */
public final class JobRunner {
    private static final DateTimeFormatter RUN_ID = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private final JobHistory history;
    private final Clock clock;
    private final ZoneId zone;

    public JobRunner(JobHistory history, Clock clock, ZoneId zone) {
        this.history = history;
        this.clock = clock;
        this.zone = zone;
    }

    public JobRun run(JobSpec job, Datastore ds, String trigger) {
        return run(job, () -> ds, trigger);
    }

    /**
     * Runs a job on the datastore {@code open} gives, opened inside the run: a datastore that cannot be opened
     * (gone, damaged, no longer configured) makes a failed run in the history, with the reason, like any other
     * failure, and the schedule goes on from it.
     */
    public JobRun run(JobSpec job, java.util.function.Supplier<Datastore> open, String trigger) {
        Instant start = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        byte[] r = new byte[3];
        new SecureRandom().nextBytes(r);
        String runId = RUN_ID.format(start) + "-" + HexFormat.of().formatHex(r);
        List<String> log = new ArrayList<>();
        history.write(new JobRun(runId, job.id(), job.datastore(), job.type(), trigger, start.toString(), null, null, "running",
                "running", log));
        long t0 = System.nanoTime();
        String status;
        String summary;
        try {
            Datastore ds = open.get();
            summary = switch (job.type()) {
                case "verify" -> verify(job, ds, log);
                case "gc" -> gc(ds, log);
                case "prune" -> prune(job, ds, log);
                default -> throw new IllegalStateException("unknown job type " + job.type());
            };
            status = summary.startsWith("FAILED") ? "failed" : "ok";
        } catch (RuntimeException e) {
            status = "failed";
            summary = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            log.add("error: " + summary);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        List<String> kept = log.size() > JobHistory.MAX_LOG_LINES
                ? new ArrayList<>(log.subList(log.size() - JobHistory.MAX_LOG_LINES, log.size())) : log;
        JobRun done = new JobRun(runId, job.id(), job.datastore(), job.type(), trigger, start.toString(),
                clock.instant().truncatedTo(ChronoUnit.MILLIS).toString(), ms, status, summary, kept);
        history.write(done);
        try {
            history.trim(job.id());
        } catch (RuntimeException e) {
            // the run is recorded; old records stay until a later run trims them
            java.util.logging.Logger.getLogger("coffer.jobs").warning("could not trim the history of job " + job.id()
                    + ": " + e.getMessage());
        }
        return done;
    }

    private static String verify(JobSpec job, Datastore ds, List<String> log) {
        Verifier v = new Verifier(ds, Verifier.KEYLESS);
        int failed = 0;
        int checked = 0;
        int skipped = 0;
        List<SnapshotRef> all = ds.snapshots(job.namespace());
        for (SnapshotRef s : all) {
            Verifier.Outcome o = v.verify(s, job.outdatedAfterDays() == null ? null : Duration.ofDays(job.outdatedAfterDays()));
            if (o.skipped()) {
                skipped++;
                log.add("skip   " + s.name() + " (verified recently)");
            } else if (o.ok()) {
                checked++;
                log.add("ok     " + s.name() + " (" + o.chunks() + " chunks)");
            } else {
                failed++;
                log.add("FAILED " + s.name());
                o.errors().forEach(e -> log.add("       " + e));
            }
        }
        String counts = checked + " ok, " + failed + " failed, " + skipped + " skipped of " + all.size() + " snapshots";
        return failed > 0 ? "FAILED: " + counts : counts;
    }

    private static String gc(Datastore ds, List<String> log) {
        GarbageCollector.Report r = GarbageCollector.run(ds);
        var m = ApiHandler.gcJson(r);
        m.forEach((k, v) -> log.add(k + ": " + v));
        return "removed " + r.removedChunks() + " chunks (" + r.removedBytes() + " bytes), kept " + r.keptChunks() + " chunks";
    }

    private String prune(JobSpec job, Datastore ds, List<String> log) {
        int removed = 0;
        int total = 0;
        int failed = 0;
        for (BackupGroup g : ds.groups(job.namespace())) {
            Prune.Result r;
            try {
                r = Prune.run(ds, g, job.rules(), zone, false, forgotten -> { });
            } catch (RuntimeException e) {
                failed++;
                log.add("FAILED " + g + ": " + e.getMessage());
                continue; // the other groups are still pruned
            }
            for (Prune.Decision d : r.plan()) {
                total++;
                String error = r.failures().get(d.snapshot());
                if (error != null) {
                    failed++;
                    log.add("FAILED " + d.snapshot().name() + "  (not removed: " + error + ")");
                } else {
                    log.add((d.keep() ? "keep   " : "remove ") + d.snapshot().name() + "  (" + d.reason() + ")");
                }
            }
            removed += r.removed();
        }
        String done = "removed " + removed + " of " + total + " snapshots";
        return failed == 0 ? done : "FAILED: " + failed + " could not be pruned; " + done;
    }
}
