package dev.coffer.server.jobs;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** One run of a job, as recorded in the history. {@code status} is {@code running}, {@code ok} or {@code failed}. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record JobRun(@JsonProperty("run") String run, @JsonProperty("job") String job,
        @JsonProperty("datastore") String datastore, @JsonProperty("type") String type,
        @JsonProperty("trigger") String trigger, @JsonProperty("start") String start, @JsonProperty("end") String end,
        @JsonProperty("duration-ms") Long durationMs, @JsonProperty("status") String status,
        @JsonProperty("summary") String summary, @JsonProperty("log") List<String> log) {
}
