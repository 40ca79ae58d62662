package dev.coffer.core.chunking;

import java.util.Objects;

/** Fixed-size chunks (design.md 3.2); the last one may be shorter. */
public final class FixedChunker implements Chunker {
    /** The chunk size of image archives, 4 MiB. */
    public static final int IMAGE_CHUNK_SIZE = 4 << 20;
    private final int size;

    public FixedChunker(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("chunk size must be positive");
        }
        this.size = size;
    }

    public int size() {
        return size;
    }

    @Override
    public int minSize() {
        return size;
    }

    @Override
    public int maxSize() {
        return size;
    }

    @Override
    public int findCut(byte[] buf, int off, int len, boolean eof) {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (!eof && len < size) {
            throw new IllegalArgumentException("findCut needs at least " + size + " bytes before the end of the stream");
        }
        return Math.min(size, len);
    }
}
