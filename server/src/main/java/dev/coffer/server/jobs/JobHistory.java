package dev.coffer.server.jobs;

import dev.coffer.core.CofferException;
import dev.coffer.store.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Job runs, one JSON file each: {@code DIR/JOB/RUN.json}, where RUN is the start time in UTC
 * ({@code yyyyMMdd'T'HHmmss'Z'}) and a random suffix, so names sort by start. Mode 0600. At most
 * {@link #KEEP} runs per job are kept; the oldest go first.
 */
public final class JobHistory {
    public static final int KEEP = 100;
    public static final int MAX_LOG_LINES = 1000;
    private final Path dir;

    public JobHistory(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    void write(JobRun run) {
        Path jobDir = dir.resolve(run.job());
        try {
            Files.createDirectories(jobDir);
            AtomicFiles.write(jobDir.resolve(run.run() + ".json"), JobStore.JSON.writeValueAsBytes(run),
                    PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new CofferException("cannot record job run in " + jobDir + ": " + e.getMessage());
        }
    }

    /** Deletes all but the newest {@link #KEEP} runs of a job. */
    void trim(String job) {
        List<Path> files = files(job);
        for (int i = KEEP; i < files.size(); i++) {
            try {
                Files.deleteIfExists(files.get(i));
            } catch (IOException ignored) {
                // tried again after the next run
            }
        }
    }

    /** A job's run files, newest first. */
    private List<Path> files(String job) {
        Path jobDir = dir.resolve(job);
        if (!Files.isDirectory(jobDir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(jobDir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json") && !p.getFileName().toString().startsWith("."))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed()).toList();
        } catch (IOException e) {
            throw new CofferException("cannot list job runs in " + jobDir + ": " + e.getMessage());
        }
    }

    private static JobRun read(Path p) {
        try {
            return JobStore.JSON.readValue(Files.readAllBytes(p), JobRun.class);
        } catch (IOException e) {
            String run = p.getFileName().toString().replace(".json", "");
            return new JobRun(run, p.getParent().getFileName().toString(), null, null, null, startInName(run), null, null,
                    "failed", "the run record is damaged: " + e.getMessage(), List.of());
        }
    }

    /** The start a run's name holds ({@code yyyyMMdd'T'HHmmss'Z'-…}), as RFC 3339; null when it holds none. */
    private static String startInName(String run) {
        try {
            return java.time.LocalDateTime.parse(run.substring(0, Math.min(run.length(), 16)),
                    java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")).toInstant(java.time.ZoneOffset.UTC).toString();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Runs, newest first: of one job, or ({@code job} null) of every job; at most {@code limit}. */
    public List<JobRun> list(String job, int limit) {
        List<Path> files = new ArrayList<>();
        if (job != null) {
            files.addAll(files(job));
        } else if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                for (Path j : s.filter(Files::isDirectory).toList()) {
                    files.addAll(files(j.getFileName().toString()));
                }
            } catch (IOException e) {
                throw new CofferException("cannot list " + dir + ": " + e.getMessage());
            }
            files.sort(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed());
        }
        return files.stream().limit(limit).map(JobHistory::read).toList();
    }

    /** When the job's newest run started, or null when it never ran (a record whose start cannot be read is passed over). */
    public Instant lastStart(JobSpec job) {
        return runs(job).map(r -> startOf(r)).filter(java.util.Objects::nonNull).findFirst().orElse(null);
    }

    /**
     * The runs of this job definition, newest first, at most {@code limit}: those of its id on its datastore
     * since it was created. A removed job's history stays, and a new job may take its id, on another datastore
     * too: the old runs are not the new job's. Reads only as many records as it needs.
     */
    public List<JobRun> runsOf(JobSpec job, int limit) {
        return runs(job).limit(limit).toList();
    }

    private Stream<JobRun> runs(JobSpec job) {
        Instant created = startOf(job.created());
        return files(job.id()).stream().map(JobHistory::read)
                .filter(r -> r.datastore() == null || job.datastore().equals(r.datastore())) // null: a damaged record
                .filter(r -> {
                    Instant t = startOf(r);
                    return created == null || t == null || !t.isBefore(created);
                });
    }

    private static Instant startOf(JobRun r) {
        return startOf(r.start());
    }

    /** An RFC 3339 time, or null when absent or not one. */
    private static Instant startOf(String t) {
        if (t == null) {
            return null;
        }
        try {
            return Instant.parse(t);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    /** Marks runs left {@code running} by a process that died as failed; returns how many. */
    public int failInterrupted() {
        int n = 0;
        for (JobRun r : list(null, Integer.MAX_VALUE)) {
            if ("running".equals(r.status())) {
                List<String> log = new ArrayList<>(r.log() == null ? List.of() : r.log());
                log.add("interrupted: the server stopped during this run");
                write(new JobRun(r.run(), r.job(), r.datastore(), r.type(), r.trigger(), r.start(), null, null, "failed",
                        "interrupted (the server stopped during the run)", log));
                n++;
            }
        }
        return n;
    }
}
