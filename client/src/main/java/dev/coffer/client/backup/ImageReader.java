package dev.coffer.client.backup;

import dev.coffer.client.fs.BytePaths;
import dev.coffer.client.fs.FsException;
import dev.coffer.client.fs.Posix;
import dev.coffer.core.CofferException;
import dev.coffer.core.chunking.ChunkStream;
import dev.coffer.core.util.BufferPool;
import java.util.Arrays;

/**
 * Reads a file or block device as fixed-size chunks, without reading the holes of sparse files. Each chunk is
 * read into its own array from the pool, which goes to the sink: the bytes pass through the reading thread's
 * native buffer ({@link Posix#read(int, byte[], int, int)}) into that array, and are not copied again through a
 * stream buffer into a chunk array.
 */
final class ImageReader {
    private ImageReader() {
    }

    /**
     * Hands {@code sink} the chunks of the file at {@code path}: {@code chunkSize} bytes each, the last
     * shorter, in arrays taken from {@code pool} (the sink gives them back).
     */
    static void copy(byte[] path, int chunkSize, BufferPool pool, ChunkStream.ChunkSink sink, BackupStats stats) {
        int fd;
        try {
            fd = Posix.openRead(path);
        } catch (FsException e) {
            throw new CofferException("cannot open image source " + BytePaths.display(path) + ": " + e.getMessage());
        }
        try {
            long size = Posix.lseek(fd, 0, Posix.SEEK_END);
            long pos = 0;
            long hole = -1; // where the data that starts at or before pos ends; -1: not known
            while (pos < size) {
                int len = (int) Math.min(chunkSize, size - pos);
                byte[] chunk = pool.take(len);
                boolean handed = false;
                try {
                    hole = fill(fd, path, chunk, len, pos, size, hole);
                    stats.bytesRead.addAndGet(len);
                    handed = true;
                    sink.chunk(chunk, len);
                } finally {
                    if (!handed) {
                        pool.give(chunk);
                    }
                }
                pos += len;
            }
        } catch (FsException e) {
            throw new CofferException("reading image source " + BytePaths.display(path) + ": " + e.getMessage());
        } finally {
            Posix.close(fd);
        }
    }

    /**
     * Fills {@code chunk[0..len)} with the file's bytes at {@code pos}: zeros for holes, read data elsewhere.
     * {@code hole} is where the data region holding {@code pos} ends, if the previous chunk found out (-1 if
     * not); returns the same for the next chunk.
     */
    private static long fill(int fd, byte[] path, byte[] chunk, int len, long pos, long size, long hole) {
        long end = pos + len;
        long at = pos;
        while (at < end) {
            if (hole <= at) { // not inside a data region known to go on past here: find the next one
                long data = Posix.nextData(fd, at);
                if (data < 0 || data > size) {
                    data = size;
                }
                long zeroEnd = Math.min(data, end);
                if (zeroEnd > at) {
                    Arrays.fill(chunk, (int) (at - pos), (int) (zeroEnd - pos), (byte) 0);
                    at = zeroEnd;
                    if (at >= end) {
                        return -1;
                    }
                }
                hole = Math.min(size, Posix.nextHole(fd, at));
                if (hole <= at) {
                    hole = size;
                }
                Posix.lseek(fd, at, Posix.SEEK_SET);
            }
            long stop = Math.min(hole, end);
            while (at < stop) {
                int n = Posix.read(fd, chunk, (int) (at - pos), (int) (stop - at));
                if (n <= 0) {
                    throw new CofferException("image source " + BytePaths.display(path)
                            + " ended early at byte " + at + " of " + size);
                }
                at += n;
            }
        }
        return hole;
    }
}
