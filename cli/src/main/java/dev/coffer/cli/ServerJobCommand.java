package dev.coffer.cli;

import dev.coffer.core.CofferException;
import dev.coffer.server.CofferServer;
import dev.coffer.server.config.ConfigDir;
import dev.coffer.server.jobs.JobHistory;
import dev.coffer.server.jobs.JobRun;
import dev.coffer.server.jobs.JobRunner;
import dev.coffer.server.jobs.JobSpec;
import dev.coffer.server.jobs.JobStore;
import dev.coffer.server.jobs.Scheduler;
import dev.coffer.store.Datastore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coffer server job ...}: scheduled verify, gc and prune jobs per datastore, and their history. */
@Command(name = "job", mixinStandardHelpOptions = true,
        description = "Schedule verify, gc and prune per datastore (calendar events like daily, sat 02:00, *:0/15), run "
                + "them now, and read their history. The running server picks up changes.",
        subcommands = {ServerJobCommand.Add.class, ServerJobCommand.ListJobs.class, ServerJobCommand.Remove.class,
                ServerJobCommand.Run.class, ServerJobCommand.History.class})
final class ServerJobCommand extends CommandGroup {

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add a scheduled job.")
    static final class Add extends ServerCommand.Base {
        @Parameters(paramLabel = "ID") String id;
        @Option(names = "--datastore", required = true, paramLabel = "NAME") String datastore;
        @Option(names = "--type", required = true, paramLabel = "verify|gc|prune") String type;
        @Option(names = "--schedule", required = true, paramLabel = "EVENT",
                description = "Calendar event: daily, hourly, weekly, sat 02:00, mon..fri 22:30, *:0/15, *-*-01 04:00 …")
        String schedule;
        @Option(names = "--ns", paramLabel = "NS", description = "Namespace (verify, prune)") String ns;
        @Option(names = "--outdated-after", paramLabel = "DAYS", description = "verify: skip snapshots verified within DAYS")
        Integer outdatedAfter;
        @Option(names = "--keep-last") Integer last;
        @Option(names = "--keep-hourly") Integer hourly;
        @Option(names = "--keep-daily") Integer daily;
        @Option(names = "--keep-weekly") Integer weekly;
        @Option(names = "--keep-monthly") Integer monthly;
        @Option(names = "--keep-yearly") Integer yearly;

        @Override
        public Integer call() {
            ConfigDir dir = config.open();
            JobSpec job = new JobSpec(id, datastore, type, schedule, ns, outdatedAfter, last, hourly, daily, weekly, monthly, yearly,
                    Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
            new JobStore(dir).add(job);
            String next = job.calendar().next(Instant.now().atZone(ZoneId.systemDefault())).map(Object::toString).orElse("never");
            out().println("added job " + id + " (" + type + " on " + datastore + ", " + job.calendar() + "); next run " + next);
            return Main.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the jobs with their next and last runs.")
    static final class ListJobs extends ServerCommand.Base {
        @Option(names = "--output-format", paramLabel = "FORMAT", defaultValue = "text", description = "text or json")
        Output.Format format;

        @Override
        public Integer call() {
            ConfigDir dir = config.open();
            JobHistory history = CofferServer.history(dir);
            Scheduler s = new Scheduler(List::of, n -> null, history, Clock.systemUTC(), ZoneId.systemDefault());
            List<Map<String, Object>> rows = new ArrayList<>();
            for (JobSpec j : new JobStore(dir).list()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", j.id());
                m.put("datastore", j.datastore());
                m.put("type", j.type());
                m.put("schedule", j.schedule());
                try {
                    j.validate();
                } catch (RuntimeException e) {
                    // listed, so that it can be seen and removed; the server does not run it
                    m.put("next-run", "never (not valid: " + e.getMessage() + ")");
                    m.put("last-run", null);
                    m.put("last-status", null);
                    rows.add(m);
                    continue;
                }
                m.put("next-run", s.nextRun(j).map(t -> t.toInstant().toString()).orElse(null));
                List<JobRun> last = history.runsOf(j, 1);
                m.put("last-run", last.isEmpty() ? null : last.get(0).start());
                m.put("last-status", last.isEmpty() ? null : last.get(0).status());
                rows.add(m);
            }
            s.close();
            list(format, rows, m -> m.get("id") + "  " + m.get("type") + " on " + m.get("datastore") + "  [" + m.get("schedule")
                    + "]  next " + m.get("next-run") + "  last " + (m.get("last-run") == null ? "never" : m.get("last-run") + " "
                    + m.get("last-status")));
            return Main.OK;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a job (its history stays).")
    static final class Remove extends ServerCommand.Base {
        @Parameters(paramLabel = "ID") String id;

        @Override
        public Integer call() {
            new JobStore(config.open()).remove(id);
            out().println("removed job " + id);
            return Main.OK;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Run a job now, in this process, and record it in the history like a scheduled run.")
    static final class Run extends ServerCommand.Base {
        @Parameters(paramLabel = "ID") String id;

        @Override
        public Integer call() {
            ConfigDir dir = config.open();
            JobSpec job = new JobStore(dir).get(id).validate();
            JobRun r;
            Datastore[] opened = new Datastore[1];
            try {
                // opened inside the run, so that a datastore that cannot be opened is a recorded failed run too
                r = new JobRunner(CofferServer.history(dir), Clock.systemUTC(), ZoneId.systemDefault()).run(job, () -> {
                    var entry = dir.current().datastores().get(job.datastore());
                    if (entry == null) {
                        throw new CofferException("job " + id + " names datastore " + job.datastore() + ", which does not exist");
                    }
                    opened[0] = Datastore.open(Path.of(entry.path()));
                    return opened[0];
                }, "manual");
            } finally {
                if (opened[0] != null) {
                    opened[0].close();
                }
            }
            r.log().forEach(out()::println);
            out().println(r.status() + ": " + r.summary() + " (" + r.durationMs() + " ms)");
            if (!r.status().equals("ok")) {
                throw new CofferException("job " + id + " failed: " + r.summary());
            }
            return Main.OK;
        }
    }

    @Command(name = "history", mixinStandardHelpOptions = true, description = "Show past runs, newest first (all jobs, or one).")
    static final class History extends ServerCommand.Base {
        @Parameters(arity = "0..1", paramLabel = "ID") String id;
        @Option(names = "--limit", defaultValue = "20") int limit;
        @Option(names = "--log", description = "Include each run's log") boolean withLog;
        @Option(names = "--output-format", paramLabel = "FORMAT", defaultValue = "text", description = "text or json")
        Output.Format format;

        @Override
        public Integer call() {
            ConfigDir dir = config.open();
            if (id != null) {
                new JobStore(dir).get(id);
            }
            List<JobRun> runs = CofferServer.history(dir).list(id, Math.max(1, limit));
            if (format == Output.Format.json) {
                Output.json(out(), runs);
                return Main.OK;
            }
            for (JobRun r : runs) {
                out().println(r.start() + "  " + r.job() + "  " + r.type() + " on " + r.datastore() + "  " + r.status() + "  "
                        + (r.durationMs() == null ? "-" : r.durationMs() + " ms") + "  (" + r.trigger() + ")  " + r.summary());
                if (withLog && r.log() != null) {
                    r.log().forEach(l -> out().println("    " + l));
                }
            }
            return Main.OK;
        }
    }
}
