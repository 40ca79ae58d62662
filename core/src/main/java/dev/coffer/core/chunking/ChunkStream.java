package dev.coffer.core.chunking;

import java.util.Arrays;

/**
 * Turns written bytes into chunks. Buffers at most twice the maximum chunk size; each chunk handed to the
 * sink is a fresh array of exactly its length, which the sink then owns.
 */
public final class ChunkStream {
    /** Receives chunks in stream order. */
    @FunctionalInterface
    public interface ChunkSink {
        void chunk(byte[] data, int len);
    }

    private final Chunker chunker;
    private final ChunkSink sink;
    private final byte[] buf;
    private int start;
    private int end;
    private long position;

    public ChunkStream(Chunker chunker, ChunkSink sink) {
        this.chunker = chunker;
        this.sink = sink;
        this.buf = new byte[chunker.maxSize() * 2];
    }

    /** Bytes written so far. */
    public long position() {
        return position;
    }

    public void write(byte[] b, int off, int len) {
        while (len > 0) {
            if (end == buf.length) {
                compact();
            }
            int n = Math.min(len, buf.length - end);
            System.arraycopy(b, off, buf, end, n);
            end += n;
            off += n;
            len -= n;
            position += n;
            while (end - start >= chunker.maxSize()) {
                emit(chunker.findCut(buf, start, end - start, false));
            }
        }
    }

    private void compact() {
        System.arraycopy(buf, start, buf, 0, end - start);
        end -= start;
        start = 0;
    }

    private void emit(int cut) {
        byte[] c = Arrays.copyOfRange(buf, start, start + cut);
        start += cut;
        if (start == end) {
            start = 0;
            end = 0;
        }
        sink.chunk(c, cut);
    }

    /** Ends the current chunk here, whatever its size, so the next byte starts a new chunk. */
    public void flushBoundary() {
        while (end > start) {
            emit(chunker.findCut(buf, start, end - start, true));
        }
    }

    /**
     * Moves the position on by {@code n} bytes that the caller placed into the stream itself, as whole
     * chunks it references; only right after {@link #flushBoundary()}.
     */
    public void advance(long n) {
        if (end != start) {
            throw new IllegalStateException("advance needs an empty buffer: call flushBoundary first");
        }
        position += n;
    }

    /** Emits the last chunks. */
    public void finish() {
        flushBoundary();
    }
}
