package dev.coffer.core.format;

import java.util.Objects;

/**
 * One index of an archive as the manifest records it: its role ({@code meta}, {@code payload} or
 * {@code image}), its file name in the snapshot, the stream size, and the index file's SHA-256 (64 hex).
 */
public record IndexRef(String role, String file, long size, String sha256) {
    public IndexRef {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(sha256, "sha256");
    }
}
