package dev.coffer.core.format;

/** An extended attribute: raw name and value bytes. */
public record Xattr(byte[] name, byte[] value) {
    @Override
    public boolean equals(Object o) {
        return o instanceof Xattr x && java.util.Arrays.equals(name, x.name) && java.util.Arrays.equals(value, x.value);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(name) * 31 + java.util.Arrays.hashCode(value);
    }
}
