package dev.coffer.core.format;

import java.util.Objects;

/** A character device, or a block device when {@code block}. */
public record DeviceEntry(byte[] path, EntryMeta meta, boolean block, long major, long minor) implements ArchiveEntry {
    public DeviceEntry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(meta, "meta");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeviceEntry e && Entries.same(this, e);
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
