package dev.coffer.server.jobs;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.coffer.core.CofferException;
import dev.coffer.store.BackupGroup;
import dev.coffer.store.maint.Prune;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A scheduled maintenance job on one datastore: {@code verify} (keyless, optionally only snapshots not verified
 * within {@code outdated-after-days}), {@code gc}, or {@code prune} (the keep rules applied to every group of
 * namespace {@code ns}).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobSpec(@JsonProperty("id") String id, @JsonProperty("datastore") String datastore,
        @JsonProperty("type") String type, @JsonProperty("schedule") String schedule, @JsonProperty("ns") String ns,
        @JsonProperty("outdated-after-days") Integer outdatedAfterDays, @JsonProperty("keep-last") Integer keepLast,
        @JsonProperty("keep-hourly") Integer keepHourly, @JsonProperty("keep-daily") Integer keepDaily,
        @JsonProperty("keep-weekly") Integer keepWeekly, @JsonProperty("keep-monthly") Integer keepMonthly,
        @JsonProperty("keep-yearly") Integer keepYearly, @JsonProperty("created") String created) {
    public static final Set<String> TYPES = Set.of("verify", "gc", "prune");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_-]{0,63}");

    /** Checks every field; the message names the first one that is wrong. */
    public JobSpec validate() {
        if (id == null || !ID.matcher(id).matches()) {
            throw new CofferException("invalid job id \"" + id + "\"", "use 1 to 64 letters, digits, '_' or '-'");
        }
        if (id.equals("history")) { // GET jobs/history lists every run of a datastore
            throw new CofferException("the job id \"history\" is reserved", "choose another id");
        }
        if (datastore == null) {
            throw new CofferException("job " + id + " names no datastore");
        }
        if (type == null || !TYPES.contains(type)) {
            throw new CofferException("job " + id + ": unknown type \"" + type + "\"", "use verify, gc or prune");
        }
        calendar();
        if (created != null) {
            try {
                java.time.Instant.parse(created);
            } catch (java.time.format.DateTimeParseException e) {
                throw new CofferException("job " + id + ": created \"" + created + "\" is not an RFC 3339 time",
                        "write it like 2026-11-24T10:00:00Z, or leave it out");
            }
        }
        BackupGroup.validateNamespace(ns == null ? "" : ns);
        if (outdatedAfterDays != null && (outdatedAfterDays < 0 || !type.equals("verify"))) {
            throw new CofferException("job " + id + ": outdated-after-days is for verify jobs, as a number of days");
        }
        if (type.equals("prune")) {
            if (rules().keepsNothing()) {
                throw new CofferException("prune job " + id + " keeps nothing", "give at least one --keep-* rule");
            }
        } else if (rules().last() + rules().hourly() + rules().daily() + rules().weekly() + rules().monthly() + rules().yearly() > 0) {
            throw new CofferException("job " + id + ": keep rules are for prune jobs");
        }
        return this;
    }

    public CalendarEvent calendar() {
        return CalendarEvent.parse(schedule);
    }

    public Prune.Rules rules() {
        return new Prune.Rules(n(keepLast), n(keepHourly), n(keepDaily), n(keepWeekly), n(keepMonthly), n(keepYearly));
    }

    private static int n(Integer v) {
        if (v != null && v < 0) {
            throw new CofferException("keep rules must not be negative");
        }
        return v == null ? 0 : v;
    }

    public String namespace() {
        return ns == null ? "" : ns;
    }
}
