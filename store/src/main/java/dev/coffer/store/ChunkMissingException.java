package dev.coffer.store;

import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.ChunkId;

/** A chunk that a snapshot refers to is not in the datastore. */
public class ChunkMissingException extends CorruptDataException {
    private final transient ChunkId id;

    public ChunkMissingException(ChunkId id) {
        super("chunk " + id.hex() + " is missing from the datastore");
        this.id = id;
    }

    public ChunkId id() {
        return id;
    }
}
