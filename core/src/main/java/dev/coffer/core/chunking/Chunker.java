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
}
