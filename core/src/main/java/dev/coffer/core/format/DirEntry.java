package dev.coffer.core.format;

import java.util.Objects;

/** A directory; the root directory has the empty path. */
public record DirEntry(byte[] path, EntryMeta meta) implements ArchiveEntry {
    public DirEntry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(meta, "meta");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DirEntry e && Entries.same(this, e);
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
