package dev.coffer.core.format;

import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.crypto.KeyFingerprint;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The JSON body of a manifest (design.md 5). {@code keyFingerprint} is null in {@link CryptMode#NONE}. */
public record ManifestBody(int version, String backupType, String backupId, Instant backupTime, CryptMode cryptMode,
        KeyFingerprint keyFingerprint, List<ArchiveRef> archives, long chunkerAverage, boolean chunkerKeyed,
        Map<String, Long> stats, String createdBy) {
    public ManifestBody {
        archives = List.copyOf(archives);
        stats = Map.copyOf(stats);
    }
}
