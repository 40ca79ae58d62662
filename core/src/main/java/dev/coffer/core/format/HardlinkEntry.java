package dev.coffer.core.format;

/** An archive entry; see design.md 6. Array fields are treated as immutable. */
public record HardlinkEntry(byte[] path, EntryMeta meta, byte[] targetPath) implements ArchiveEntry {
    @Override
    public boolean equals(Object o) {
        return o instanceof HardlinkEntry e && Entries.same(this, e);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(path);
    }

    @Override
    public String toString() {
        return "HardlinkEntry[" + displayPath() + "]";
    }
}
