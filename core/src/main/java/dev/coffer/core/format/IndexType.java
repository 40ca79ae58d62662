package dev.coffer.core.format;

/** How an index cuts its stream (design.md 4). */
public enum IndexType {
    /** Content-defined chunks; every entry records its end offset. Stored as type 1. */
    DYNAMIC(1),
    /** Chunks of one fixed size, the last possibly shorter. Stored as type 2. */
    FIXED(2);

    private final int code;

    IndexType(int code) {
        this.code = code;
    }

    /** The type byte stored in an index file. */
    public int code() {
        return code;
    }
}
