package dev.coffer.server.jobs;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.coffer.core.CofferException;
import dev.coffer.server.config.ConfigDir;
import dev.coffer.store.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/** The job definitions, {@code jobs.json} in the config directory: a JSON array of {@link JobSpec}, mode 0600. */
public final class JobStore {
    public static final String FILE = "jobs.json";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ConfigDir dir;

    public JobStore(ConfigDir dir) {
        this.dir = dir;
    }

    /** Every job, as on disk now. */
    public List<JobSpec> list() {
        Path p = dir.path().resolve(FILE);
        try {
            List<JobSpec> l = JSON.readValue(Files.readAllBytes(p), new TypeReference<List<JobSpec>>() { });
            return l == null ? List.of() : List.copyOf(l);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException | RuntimeException e) {
            String m = String.valueOf(e.getMessage());
            throw new CofferException("server configuration file " + p + " is damaged: " + m.lines().findFirst().orElse(m),
                    "fix the JSON by hand or restore the file from a backup of the config directory");
        }
    }

    /** Job definitions already warned about as invalid (so that each is logged once, not at every tick). */
    private final java.util.Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * The valid jobs, as on disk now: one that does not validate (a hand edit: no datastore, a bad id or
     * schedule) is left out, with a warning in the log once, so that the others still run.
     */
    public List<JobSpec> valid() {
        List<JobSpec> out = new ArrayList<>();
        for (JobSpec j : list()) {
            try {
                out.add(j.validate());
            } catch (RuntimeException e) {
                String m = "job definition \"" + j.id() + "\" in " + FILE
                        + " is not valid and does not run: " + e.getMessage();
                if (warned.add(m)) {
                    java.util.logging.Logger.getLogger("coffer.jobs").warning(m);
                }
            }
        }
        return out;
    }

    public JobSpec get(String id) {
        return list().stream().filter(j -> id.equals(j.id())).findFirst()
                .orElseThrow(() -> new CofferException("no job named \"" + id + "\"", "list them with 'coffer server job list'"));
    }

    public void add(JobSpec job) {
        job.validate();
        try (ConfigDir.Lock l = dir.lock()) {
            if (!dir.current().datastores().containsKey(job.datastore())) {
                throw new CofferException("job " + job.id() + ": no datastore named \"" + job.datastore() + "\"",
                        "list them with 'coffer server datastore list'");
            }
            List<JobSpec> jobs = new ArrayList<>(list());
            if (jobs.stream().anyMatch(j -> job.id().equals(j.id()))) {
                throw new CofferException("job " + job.id() + " already exists", "remove it first, or choose another id");
            }
            jobs.add(job);
            write(jobs);
        }
    }

    public void remove(String id) {
        try (ConfigDir.Lock l = dir.lock()) {
            List<JobSpec> jobs = new ArrayList<>(list());
            if (!jobs.removeIf(j -> id.equals(j.id()))) {
                throw new CofferException("no job named \"" + id + "\"");
            }
            write(jobs);
        }
    }

    private void write(List<JobSpec> jobs) {
        try {
            AtomicFiles.write(dir.path().resolve(FILE), JSON.writeValueAsBytes(jobs), PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new CofferException("cannot write " + dir.path().resolve(FILE) + ": " + e.getMessage());
        }
    }
}
