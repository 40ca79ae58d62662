package dev.coffer.core.format;

/** An archive entry; see design.md 6. Array fields are treated as immutable. */
public record DirEntry(byte[] path, EntryMeta meta) implements ArchiveEntry {
    @Override
    public boolean equals(Object o) {
        return o instanceof DirEntry e && Entries.same(this, e);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(path);
    }

    @Override
    public String toString() {
        return "DirEntry[" + displayPath() + "]";
    }
}
