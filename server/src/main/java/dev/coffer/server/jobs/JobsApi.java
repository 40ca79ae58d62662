package dev.coffer.server.jobs;

import dev.coffer.core.CofferException;
import dev.coffer.server.api.ApiException;
import dev.coffer.server.api.ApiHandler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The job endpoints of the API, per datastore: definitions with their next run, the history, and run-now. Runs
 * go out with their summary and log redacted like the API's errors (a datastore's directory as
 * {@code <datastore NAME>}): the history on disk keeps the paths for the server's administrator, the API's
 * callers (AUDIT on a datastore) do not learn where the server keeps its data.
 */
public final class JobsApi implements ApiHandler.JobsApi {
    private final JobStore store;
    private final Scheduler scheduler;
    private final JobHistory history;
    /** Makes a redaction for one answer (it reads the configuration once, for all the lines it is given). */
    private final java.util.function.Supplier<java.util.function.UnaryOperator<String>> redactor;

    public JobsApi(JobStore store, Scheduler scheduler, JobHistory history,
            java.util.function.Supplier<java.util.function.UnaryOperator<String>> redactor) {
        this.store = store;
        this.scheduler = scheduler;
        this.history = history;
        this.redactor = redactor;
    }

    private static JobRun redacted(JobRun r, java.util.function.UnaryOperator<String> redact) {
        List<String> log = r.log() == null ? null : r.log().stream().map(redact).toList();
        return new JobRun(r.run(), r.job(), r.datastore(), r.type(), r.trigger(), r.start(), r.end(), r.durationMs(),
                r.status(), redact.apply(r.summary()), log);
    }

    @Override
    public Object list(String datastore) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (JobSpec j : store.valid()) {
            if (!j.datastore().equals(datastore)) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("job", j);
            m.put("next-run", scheduler.nextRun(j).map(t -> t.toInstant().toString()).orElse(null));
            List<JobRun> last = history.runsOf(j, 1);
            m.put("last-run", last.isEmpty() ? null : last.get(0).start());
            m.put("last-status", last.isEmpty() ? null : last.get(0).status());
            out.add(m);
        }
        return out;
    }

    @Override
    public Object history(String datastore, String jobId, int limit) {
        if (jobId != null) {
            JobSpec j = find(datastore, jobId);
            java.util.function.UnaryOperator<String> r = redactor.get();
            return history.runsOf(j, limit).stream().map(x -> redacted(x, r)).toList();
        }
        java.util.function.UnaryOperator<String> r = redactor.get();
        return history.list(null, Integer.MAX_VALUE).stream().filter(x -> datastore.equals(x.datastore())).limit(limit)
                .map(x -> redacted(x, r)).toList();
    }

    @Override
    public Object run(String datastore, String jobId) {
        JobSpec j = find(datastore, jobId);
        try {
            return redacted(scheduler.runNow(j), redactor.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CofferException("interrupted");
        }
    }

    private JobSpec find(String datastore, String jobId) {
        for (JobSpec j : store.valid()) {
            if (j.id().equals(jobId) && j.datastore().equals(datastore)) {
                return j;
            }
        }
        throw new ApiException(404, "not-found", "no job named \"" + jobId.replaceAll("[^A-Za-z0-9_-]", "?")
                + "\" on datastore " + datastore);
    }
}
