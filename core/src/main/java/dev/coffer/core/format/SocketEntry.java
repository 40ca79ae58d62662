package dev.coffer.core.format;

import java.util.Objects;

/** A Unix domain socket (restore does not recreate it). */
public record SocketEntry(byte[] path, EntryMeta meta) implements ArchiveEntry {
    public SocketEntry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(meta, "meta");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SocketEntry e && Entries.same(this, e);
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
