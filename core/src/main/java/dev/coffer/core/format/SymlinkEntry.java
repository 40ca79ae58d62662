package dev.coffer.core.format;

/** An archive entry; see design.md 6. Array fields are treated as immutable. */
public record SymlinkEntry(byte[] path, EntryMeta meta, byte[] target) implements ArchiveEntry {
    @Override
    public boolean equals(Object o) {
        return o instanceof SymlinkEntry e && Entries.same(this, e);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(path);
    }

    @Override
    public String toString() {
        return "SymlinkEntry[" + displayPath() + "]";
    }
}
