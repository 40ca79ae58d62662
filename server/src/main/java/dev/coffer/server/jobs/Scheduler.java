package dev.coffer.server.jobs;

import dev.coffer.store.Datastore;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Runs jobs when their schedule says. A job is due when its schedule's next time after its last start (or,
 * never run, after its creation) has come; however many times were missed (the server was down), it runs once.
 * At most one job runs per datastore at a time; a due job waits for the running one. Every tick re-reads the
 * job definitions, so changes apply without a restart.
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("coffer.jobs");
    private final Supplier<List<JobSpec>> jobs;
    private final Function<String, Datastore> datastores;
    private final JobHistory history;
    private final JobRunner runner;
    private final Clock clock;
    private final ZoneId zone;
    private final Map<String, Future<?>> runningByDatastore = new ConcurrentHashMap<>();
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "coffer-job");
        t.setDaemon(true);
        return t;
    });
    private ScheduledExecutorService ticker;
    /** When this scheduler began: what a job without a creation time and without runs counts from. */
    private final Instant began;
    /** The last start of each job that ended without a run record (its history could not be written). */
    private final Map<String, Instant> unrecorded = new ConcurrentHashMap<>();

    public Scheduler(Supplier<List<JobSpec>> jobs, Function<String, Datastore> datastores, JobHistory history, Clock clock,
            ZoneId zone) {
        this.jobs = jobs;
        this.datastores = datastores;
        this.history = history;
        this.clock = clock;
        this.zone = zone;
        this.runner = new JobRunner(history, clock, zone);
        this.began = clock.instant();
    }

    /** Marks runs a previous process left unfinished as failed, then ticks every {@code seconds}. */
    public Scheduler start(long seconds) {
        int n = history.failInterrupted();
        if (n > 0) {
            LOG.warning(n + " job run(s) were interrupted by a server stop and are marked failed");
        }
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "coffer-scheduler");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(() -> {
            try {
                tick();
            } catch (RuntimeException e) {
                LOG.warning("job scheduling failed: " + e.getMessage());
            }
        }, 0, seconds, TimeUnit.SECONDS);
        return this;
    }

    /** When a job runs next (after its last start or its creation); empty when its schedule never matches again. */
    public Optional<ZonedDateTime> nextRun(JobSpec job) {
        Instant last = history.lastStart(job);
        Instant created = job.created() != null ? Instant.parse(job.created()) : null;
        Instant attempt = unrecorded.get(job.id());
        if (attempt != null && (last == null || attempt.isAfter(last)) && (created == null || !attempt.isBefore(created))) {
            last = attempt; // an attempt of an earlier job of that id does not count
        }
        Instant from = last != null ? last : created != null ? created : began;
        Instant now = clock.instant();
        if (from.isAfter(now)) {
            // the clock was set back (or the job was created under a clock that ran ahead): count from now,
            // rather than wait until the clock catches up with a time that has not come
            from = now;
        }
        return job.calendar().next(from.atZone(zone));
    }

    /** Starts every job that is due now and whose datastore is idle; returns the ids started. */
    public synchronized List<String> tick() {
        List<String> started = new ArrayList<>();
        Instant now = clock.instant();
        for (JobSpec job : jobs.get()) {
            Optional<ZonedDateTime> next;
            try {
                next = nextRun(job);
            } catch (RuntimeException e) {
                LOG.warning("job " + job.id() + " has a bad schedule: " + e.getMessage());
                continue;
            }
            if (next.isPresent() && !next.get().toInstant().isAfter(now) && idle(job.datastore())) {
                runningByDatastore.put(job.datastore(), submit(job, "schedule"));
                started.add(job.id());
            }
        }
        return started;
    }

    private boolean idle(String datastore) {
        Future<?> f = runningByDatastore.get(datastore);
        return f == null || f.isDone();
    }

    private Future<JobRun> submit(JobSpec job, String trigger) {
        return workers.submit(() -> {
            LOG.info("job " + job.id() + " (" + job.type() + " on " + job.datastore() + ") starts, by " + trigger);
            Instant start = clock.instant();
            try {
                JobRun r = runner.run(job, () -> datastores.apply(job.datastore()), trigger);
                LOG.info("job " + job.id() + " " + r.status() + ": " + r.summary());
                return r;
            } catch (RuntimeException | Error e) {
                // its run could not be recorded (the history cannot be written): said here, and the schedule
                // goes on from this attempt rather than trying again at every tick
                unrecorded.put(job.id(), start);
                LOG.severe("job " + job.id() + " could not run or be recorded: " + e);
                throw e;
            }
        });
    }

    /** Runs a job now (waiting for one already running on its datastore); returns the finished run. */
    public JobRun runNow(JobSpec job) throws InterruptedException {
        Future<JobRun> f;
        while (true) {
            Future<?> running;
            synchronized (this) {
                running = runningByDatastore.get(job.datastore());
                if (running == null || running.isDone()) {
                    f = submit(job, "manual");
                    runningByDatastore.put(job.datastore(), f);
                    break;
                }
            }
            // waited for outside the lock: meanwhile the scheduler goes on with other datastores
            try {
                running.get();
            } catch (java.util.concurrent.ExecutionException ignored) {
                // its own run record says what went wrong
            }
        }
        try {
            return f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Waits for the jobs running now (at most {@code seconds}). */
    public void awaitIdle(long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (Future<?> f : List.copyOf(runningByDatastore.values())) {
            try {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ignored) {
                // recorded in the history
            }
        }
    }

    @Override
    public void close() {
        if (ticker != null) {
            ticker.shutdownNow();
        }
        workers.shutdownNow();
    }
}
