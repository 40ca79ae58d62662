package dev.coffer.core.format;

import java.util.Objects;

/**
 * A further name of an earlier entry of the archive, given by that entry's path. The target is not a
 * directory and not itself a hard link.
 */
public record HardlinkEntry(byte[] path, EntryMeta meta, byte[] targetPath) implements ArchiveEntry {
    public HardlinkEntry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(meta, "meta");
        Objects.requireNonNull(targetPath, "targetPath");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HardlinkEntry e && Entries.same(this, e);
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
