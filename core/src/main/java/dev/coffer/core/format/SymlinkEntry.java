package dev.coffer.core.format;

import java.util.Objects;

/** A symbolic link to {@code target} (raw bytes, not interpreted). */
public record SymlinkEntry(byte[] path, EntryMeta meta, byte[] target) implements ArchiveEntry {
    public SymlinkEntry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(meta, "meta");
        Objects.requireNonNull(target, "target");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SymlinkEntry e && Entries.same(this, e);
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
