package dev.coffer.core.chunking;

import dev.coffer.core.util.BufferPool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;
import java.util.Objects;

/**
 * Turns a stream of written bytes into chunks, cut by a {@link Chunker}. Not thread-safe: one producer.
 *
 * <p>Each chunk goes to the sink as a fresh array of exactly its length ({@code len == data.length}),
 * which the sink then owns; or, when the stream has a {@link BufferPool}, as an array from that pool that
 * may be longer than the chunk, which the sink gives back to the pool when done with it.
 *
 * <p>A chunk is cut as soon as its end has arrived, so the buffer holds the unfinished chunk (less than
 * {@link Chunker#maxSize()}) plus the latest write; it starts small and grows on demand, to at most twice the
 * maximum chunk size. Every byte is copied once into the buffer and once into its chunk.
 *
 * <p>Exceptions thrown by the sink propagate unchanged out of {@link #write}, {@link #flushBoundary} and
 * {@link #finish}; the stream is then unusable.
 */
public final class ChunkStream {
    /** Receives chunks in stream order. */
    @FunctionalInterface
    public interface ChunkSink {
        /**
         * {@code data[0..len)} is the chunk. Without a pool {@code data} is a fresh array of exactly
         * {@code len} bytes that the sink owns; with one it comes from the pool and the sink gives it back.
         */
        void chunk(byte[] data, int len);
    }

    private static final int INITIAL_BUFFER = 64 << 10;

    private final Chunker chunker;
    private final ChunkSink sink;
    private final int max;
    private final int capacity;
    private final BufferPool pool;
    /** The chunker's progress through the unfinished chunk ({@link Chunker#findCutPartial}). */
    private final long[] scan = new long[2];
    private byte[] buf;
    private int start;
    private int end;
    private long position;

    public ChunkStream(Chunker chunker, ChunkSink sink) {
        this(chunker, sink, null);
    }

    /** Chunks go to {@code sink} in arrays taken from {@code pool} (null: fresh arrays). */
    public ChunkStream(Chunker chunker, ChunkSink sink, BufferPool pool) {
        this.pool = pool;
        this.chunker = Objects.requireNonNull(chunker, "chunker");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.max = chunker.maxSize();
        this.capacity = (int) Math.min(2L * max, Integer.MAX_VALUE - 16);
        this.buf = new byte[Math.min(capacity, INITIAL_BUFFER)];
    }

    /** Bytes written so far (including any {@link #advance}). */
    public long position() {
        return position;
    }

    public void write(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        while (len > 0) {
            if (end == buf.length) {
                makeRoom();
            }
            int n = Math.min(len, buf.length - end);
            System.arraycopy(b, off, buf, end, n);
            end += n;
            off += n;
            len -= n;
            position += n;
            cutFullChunks();
        }
    }

    /**
     * Reads once from {@code ch} straight into the buffer and cuts what it can.
     *
     * @return the bytes read, or -1 at the end of the channel (the stream itself goes on)
     */
    public int readFrom(ReadableByteChannel ch) throws IOException {
        if (end == buf.length) {
            makeRoom();
        }
        int n = ch.read(ByteBuffer.wrap(buf, end, buf.length - end));
        if (n > 0) {
            end += n;
            position += n;
            cutFullChunks();
        }
        return n;
    }

    /**
     * Cuts every chunk whose end is already known. The chunker resumes where it stopped for the current
     * chunk, so each byte is examined once and a chunk leaves as soon as its end arrives: the buffer holds the
     * unfinished chunk, not a maximum chunk of look-ahead.
     */
    private void cutFullChunks() {
        while (end > start) {
            int cut = chunker.findCutPartial(buf, start, end - start, scan);
            if (cut < 0) {
                return;
            }
            emit(cut);
        }
    }

    /**
     * Frees space at the end of the full buffer: moves the live bytes (always fewer than the maximum chunk)
     * to the front when that frees at least half of it, otherwise grows it, up to twice the maximum chunk.
     * Either way each byte is moved O(1) times on average.
     */
    private void makeRoom() {
        int live = end - start;
        if (start > 0 && live <= buf.length / 2) {
            System.arraycopy(buf, start, buf, 0, live);
        } else {
            int size = (int) Math.min((long) buf.length * 2, capacity);
            buf = Arrays.copyOfRange(buf, start, start + Math.max(size, live + 1));
        }
        start = 0;
        end = live;
    }

    private void emit(int cut) {
        int avail = end - start;
        if (cut < 1 || cut > avail) {
            throw new IllegalStateException("chunker returned " + cut + " for " + avail + " bytes");
        }
        byte[] c;
        if (pool == null) {
            c = Arrays.copyOfRange(buf, start, start + cut);
        } else {
            c = pool.take(cut);
            System.arraycopy(buf, start, c, 0, cut);
        }
        start += cut;
        scan[0] = 0;
        scan[1] = 0;
        if (start == end) {
            start = 0;
            end = 0;
        }
        sink.chunk(c, cut);
    }

    /**
     * Ends the current chunk here, whatever its size, so that the next byte starts a new chunk: the
     * buffered bytes are cut as if the stream ended here (so they may form more than one chunk, and the
     * last may be shorter than the minimum).
     */
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
        if (n < 0) {
            throw new IllegalArgumentException("cannot advance by " + n);
        }
        position += n;
    }

    /** Emits the last chunks. Writing may go on afterwards, as after {@link #flushBoundary()}. */
    public void finish() {
        flushBoundary();
    }
}
