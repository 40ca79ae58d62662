package dev.coffer.core.format;

/** An archive entry; see design.md 6. Array fields are treated as immutable. */
public record DeviceEntry(byte[] path, EntryMeta meta, boolean block, long major, long minor) implements ArchiveEntry {
    @Override
    public boolean equals(Object o) {
        return o instanceof DeviceEntry e && Entries.same(this, e);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(path);
    }

    @Override
    public String toString() {
        return "DeviceEntry[" + displayPath() + "]";
    }
}
