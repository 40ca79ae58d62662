package dev.coffer.core.format;

import java.util.List;

/** One archive of a snapshot: its name, {@code dir} or {@code image}, and its indexes. */
public record ArchiveRef(String name, String type, List<IndexRef> indexes) {
    public ArchiveRef {
        indexes = List.copyOf(indexes);
    }
}
