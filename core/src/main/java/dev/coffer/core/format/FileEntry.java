package dev.coffer.core.format;

/** An archive entry; see design.md 6. Array fields are treated as immutable. */
public record FileEntry(byte[] path, EntryMeta meta, long size, long payloadOffset, byte[] sha256) implements ArchiveEntry {
    @Override
    public boolean equals(Object o) {
        return o instanceof FileEntry e && Entries.same(this, e);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(path);
    }

    @Override
    public String toString() {
        return "FileEntry[" + displayPath() + "]";
    }
}
