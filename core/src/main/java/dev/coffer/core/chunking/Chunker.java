package dev.coffer.core.chunking;

/** Decides where chunks end. Implementations are stateless and thread-safe. */
public interface Chunker {
    /** Smallest chunk, except the last of a stream (or one cut short by a forced boundary). */
    int minSize();

    /** Largest chunk; a caller that is not at the end of its stream provides at least this many bytes. */
    int maxSize();

    /**
     * Length of the next chunk starting at {@code buf[off]}, given {@code len} available bytes. The caller
     * provides at least {@link #maxSize()} bytes unless {@code eof} (the bytes end the stream). Returns a
     * value in 1..len (0 only when len is 0).
     */
    int findCut(byte[] buf, int off, int len, boolean eof);

    /**
     * Resumable search for the end of the chunk that starts at {@code buf[off]}, of which {@code len} bytes
     * are available so far. {@code state} (two longs, zero for a new chunk) carries what earlier calls for
     * the same chunk examined. Returns the chunk's length when its end lies within the available bytes, the
     * same cut {@link #findCut} gives with enough bytes, or -1 after recording progress in {@code state}.
     * The default waits for {@link #maxSize()} bytes.
     */
    default int findCutPartial(byte[] buf, int off, int len, long[] state) {
        return len >= maxSize() ? findCut(buf, off, len, false) : -1;
    }
}
