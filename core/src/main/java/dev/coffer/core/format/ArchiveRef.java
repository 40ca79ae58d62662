package dev.coffer.core.format;

import java.util.List;
import java.util.Objects;

/**
 * One archive of a snapshot: its name ({@code NAME.cfar} or {@code NAME.img}), its type ({@code dir} or
 * {@code image}), and its indexes ({@code meta} and {@code payload}, or {@code image}).
 */
public record ArchiveRef(String name, String type, List<IndexRef> indexes) {
    public static final String DIR = "dir";
    public static final String IMAGE = "image";

    public ArchiveRef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        indexes = List.copyOf(indexes);
    }

    /** The index with that role, or null. */
    public IndexRef index(String role) {
        for (IndexRef r : indexes) {
            if (r.role().equals(role)) {
                return r;
            }
        }
        return null;
    }

    public boolean isImage() {
        return IMAGE.equals(type);
    }
}
