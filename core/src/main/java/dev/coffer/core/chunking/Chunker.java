package dev.coffer.core.chunking;

/** Decides where chunks end. */
public interface Chunker {
    int minSize();

    int maxSize();

    /**
     * Length of the next chunk starting at {@code buf[off]}, given {@code len} available bytes. The caller
     * provides at least {@link #maxSize()} bytes unless {@code eof}. Returns a value in 1..len (0 only when
     * len is 0).
     */
    int findCut(byte[] buf, int off, int len, boolean eof);
}
