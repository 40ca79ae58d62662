package dev.coffer.client.backup;

import dev.coffer.client.fs.BytePaths;
import dev.coffer.client.fs.FsException;
import dev.coffer.client.fs.Posix;
import dev.coffer.core.CofferException;
import dev.coffer.core.chunking.ChunkStream;

/** Reads a file or block device into a fixed-size chunk stream, without reading the holes of sparse files. */
final class ImageReader {
    private static final int BUFFER = 1 << 20;

    private ImageReader() {
    }

    static void copy(byte[] path, ChunkStream stream, BackupStats stats) {
        int fd;
        try {
            fd = Posix.openRead(path);
        } catch (FsException e) {
            throw new CofferException("cannot open image source " + BytePaths.display(path) + ": " + e.getMessage());
        }
        try {
            long size = Posix.lseek(fd, 0, Posix.SEEK_END);
            byte[] buf = new byte[BUFFER];
            byte[] zeros = new byte[BUFFER];
            long pos = 0;
            while (pos < size) {
                long data = Posix.nextData(fd, pos);
                if (data < 0 || data > size) {
                    data = size;
                }
                while (pos < data) {
                    int k = (int) Math.min(zeros.length, data - pos);
                    stream.write(zeros, 0, k);
                    stats.bytesRead.addAndGet(k);
                    pos += k;
                }
                if (pos >= size) {
                    break;
                }
                long hole = Math.min(size, Posix.nextHole(fd, pos));
                if (hole <= pos) {
                    hole = size;
                }
                Posix.lseek(fd, pos, Posix.SEEK_SET);
                while (pos < hole) {
                    int n = Posix.read(fd, buf, 0, (int) Math.min(buf.length, hole - pos));
                    if (n <= 0) {
                        throw new CofferException("image source " + BytePaths.display(path)
                                + " ended early at byte " + pos + " of " + size);
                    }
                    stream.write(buf, 0, n);
                    stats.bytesRead.addAndGet(n);
                    pos += n;
                }
            }
        } catch (FsException e) {
            throw new CofferException("reading image source " + BytePaths.display(path) + ": " + e.getMessage());
        } finally {
            Posix.close(fd);
        }
    }
}
