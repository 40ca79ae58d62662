package dev.coffer.client.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.client.fs.BytePaths;
import dev.coffer.core.CofferException;
import dev.coffer.core.util.BufferPool;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageReaderTest {
    private static final int CHUNK = 64 << 10;

    @TempDir
    Path tmp;

    /** The chunks ImageReader hands over, copied, and the arrays it took and gave back. */
    private static final class Collected implements dev.coffer.core.chunking.ChunkStream.ChunkSink {
        final List<byte[]> chunks = new ArrayList<>();
        final BufferPool pool;

        Collected(BufferPool pool) {
            this.pool = pool;
        }

        @Override
        public void chunk(byte[] data, int len) {
            chunks.add(Arrays.copyOf(data, len));
            Arrays.fill(data, (byte) 0x77); // a reused array must be refilled, holes included
            pool.give(data);
        }

        byte[] joined() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            chunks.forEach(out::writeBytes);
            return out.toByteArray();
        }
    }

    /** A sparse file: {@code size} bytes with random data at each [from, to) of {@code data}, holes elsewhere. */
    private Path sparse(String name, long size, long[][] data) throws Exception {
        Path p = tmp.resolve(name);
        Random r = new Random(name.hashCode());
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long[] d : data) {
                byte[] b = new byte[(int) (d[1] - d[0])];
                r.nextBytes(b);
                ch.write(ByteBuffer.wrap(b), d[0]);
            }
        }
        try (var raf = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(size);
        }
        return p;
    }

    private Collected read(Path p) {
        BufferPool pool = new BufferPool(1 << 20);
        Collected c = new Collected(pool);
        ImageReader.copy(BytePaths.of(p), CHUNK, pool, c, new BackupStats());
        return c;
    }

    @Test
    void chunksAreTheFileInFixedPiecesWithHolesAsZerosWhereverTheyFall() throws Exception {
        long size = 10L * CHUNK + 123;
        Path p = sparse("layout", size, new long[][] {
            {5000, 9000},                            // data inside chunk 0, after a hole at the start
            {CHUNK - 4096, 2L * CHUNK + 4096},        // data across two chunk boundaries
            {3L * CHUNK, 4L * CHUNK},                 // data exactly one chunk
            {6L * CHUNK + 100, 6L * CHUNK + 200},     // a few bytes, unaligned
            {7L * CHUNK + 8192, 9L * CHUNK},          // data ending on a boundary, then a hole to the end
        });
        Collected c = read(p);
        assertThat(c.chunks).hasSize(11);
        for (int i = 0; i < 10; i++) {
            assertThat(c.chunks.get(i)).hasSize(CHUNK);
        }
        assertThat(c.chunks.get(10)).hasSize(123);
        assertThat(c.joined()).isEqualTo(Files.readAllBytes(p));
    }

    @Test
    void aDenseFileAndAnAllHoleFileAndAnEmptyOne() throws Exception {
        Path dense = tmp.resolve("dense");
        byte[] bytes = new byte[3 * CHUNK + 1];
        new Random(3).nextBytes(bytes);
        Files.write(dense, bytes);
        assertThat(read(dense).joined()).isEqualTo(bytes);

        Path holes = sparse("holes", 5L * CHUNK, new long[0][]);
        Collected h = read(holes);
        assertThat(h.chunks).hasSize(5);
        assertThat(h.joined()).isEqualTo(new byte[5 * CHUNK]);

        Path empty = tmp.resolve("empty");
        Files.write(empty, new byte[0]);
        assertThat(read(empty).chunks).isEmpty();
    }

    @Test
    void aMissingSourceSaysSo() {
        assertThatThrownBy(() -> read(tmp.resolve("nope")))
                .isInstanceOf(CofferException.class)
                .hasMessageContaining("cannot open image source " + tmp.resolve("nope"));
    }
}
