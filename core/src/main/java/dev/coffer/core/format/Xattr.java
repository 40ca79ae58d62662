package dev.coffer.core.format;

import java.util.Arrays;
import java.util.Objects;

/** An extended attribute: raw name and value bytes (not copied: treat them as immutable). */
public record Xattr(byte[] name, byte[] value) {
    public Xattr {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Xattr x && Arrays.equals(name, x.name) && Arrays.equals(value, x.value);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(name) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Xattr[" + Entries.display(name) + ", " + value.length + " bytes]";
    }
}
