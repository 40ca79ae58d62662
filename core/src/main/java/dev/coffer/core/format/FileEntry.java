package dev.coffer.core.format;

import java.util.Objects;

/**
 * A regular file: its contents are the {@code size} bytes of the payload stream from {@code payloadOffset};
 * {@code sha256} is their SHA-256.
 */
public record FileEntry(byte[] path, EntryMeta meta, long size, long payloadOffset, byte[] sha256)
        implements ArchiveEntry {
    public FileEntry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(meta, "meta");
        Objects.requireNonNull(sha256, "sha256");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FileEntry e && Entries.same(this, e);
    }

    @Override
    public int hashCode() {
        return Entries.hash(this);
    }

    @Override
    public String toString() {
        return Entries.describe(this);
    }
}
