package dev.coffer.core.format;

import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.crypto.KeyFingerprint;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The JSON body of a manifest (design.md 5). {@code keyFingerprint} is null exactly in {@link CryptMode#NONE}.
 * {@code stats} keeps its order. Field values are checked when encoded and when parsed, not here.
 */
public record ManifestBody(int version, String backupType, String backupId, Instant backupTime, CryptMode cryptMode,
        KeyFingerprint keyFingerprint, List<ArchiveRef> archives, long chunkerAverage, boolean chunkerKeyed,
        Map<String, Long> stats, String createdBy) {
    public ManifestBody {
        Objects.requireNonNull(backupType, "backupType");
        Objects.requireNonNull(backupId, "backupId");
        Objects.requireNonNull(backupTime, "backupTime");
        Objects.requireNonNull(cryptMode, "cryptMode");
        Objects.requireNonNull(createdBy, "createdBy");
        archives = List.copyOf(archives);
        Map<String, Long> copy = new LinkedHashMap<>(stats);
        copy.forEach((k, v) -> Objects.requireNonNull(v, "stats value"));
        stats = Collections.unmodifiableMap(copy);
    }
}
