package dev.coffer.core.format;

import java.util.Objects;

/** A named pipe. */
public record FifoEntry(byte[] path, EntryMeta meta) implements ArchiveEntry {
    public FifoEntry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(meta, "meta");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FifoEntry e && Entries.same(this, e);
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
