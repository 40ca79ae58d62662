package dev.coffer.core.chunking;

/** Fixed-size chunks, for images. */
public final class FixedChunker implements Chunker {
    public static final int IMAGE_CHUNK_SIZE = 4 << 20;
    private final int size;

    public FixedChunker(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("chunk size must be positive");
        }
        this.size = size;
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
        return Math.min(size, len);
    }
}
