package dev.coffer.client.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.coffer.client.fs.BytePaths;
import dev.coffer.client.fs.FsException;
import dev.coffer.client.fs.Posix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageWriterTest {
    private static final int CHUNK = 1 << 20;
    /** O_DIRECT as /proc/self/fdinfo reports it. */
    private static final int O_DIRECT = "aarch64".equals(System.getProperty("os.arch")) ? 0200000 : 040000;

    @TempDir
    Path tmp;

    /** An image of 5 chunks and a 1000-byte tail: random data, a zero chunk, zero blocks inside a chunk. */
    private static byte[] image() {
        byte[] img = new byte[5 * CHUNK + 1000];
        new Random(7).nextBytes(img);
        Arrays.fill(img, CHUNK, 2 * CHUNK, (byte) 0); // chunk 1: all zeros
        Arrays.fill(img, 3 * CHUNK + 8192, 3 * CHUNK + 8192 + 64 * 4096, (byte) 0); // 64 zero blocks inside chunk 3
        return img;
    }

    /** Writes {@code img} chunk by chunk (each from a reused array, as a restore does) and returns the writer's byte count. */
    private long writeAll(int fd, byte[] img, boolean sparse) {
        AtomicLong written = new AtomicLong();
        try (ImageWriter out = new ImageWriter(fd, sparse, CHUNK, 3, written)) {
            writeChunks(out, img);
        }
        return written.get();
    }

    /** Writes {@code img} chunk by chunk from one reused array, as a restore does, and waits for it. */
    private static void writeChunks(ImageWriter out, byte[] img) {
        byte[] reused = new byte[CHUNK];
        for (int at = 0; at < img.length; at += CHUNK) {
            int len = Math.min(CHUNK, img.length - at);
            System.arraycopy(img, at, reused, 0, len);
            out.write(reused, len, at);
            Arrays.fill(reused, (byte) 0x5a); // the array is the caller's again as soon as write returns
        }
        out.finish();
    }

    private static int openFlags(int fd) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith("flags:")) {
                return Integer.parseInt(line.substring(6).trim(), 8);
            }
        }
        throw new AssertionError("no flags for fd " + fd);
    }

    private void restoresTheSameBytesInto(Path dir, boolean expectDirect) throws Exception {
        byte[] img = image();
        Path target = dir.resolve("disk.img");
        int fd = Posix.createFile(BytePaths.of(target), 0600, true, false);
        try {
            boolean direct;
            AtomicLong written = new AtomicLong();
            try (ImageWriter out = new ImageWriter(fd, true, CHUNK, 3, written)) {
                direct = out.direct();
                assertThat((openFlags(fd) & O_DIRECT) != 0).as("O_DIRECT on the descriptor").isEqualTo(direct);
                writeChunks(out, img);
                assertThat(out.direct()).as("the unaligned tail is written through the page cache").isFalse();
            }
            assertThat(direct).as("direct I/O where the file system has it").isEqualTo(expectDirect);
            assertThat(written.get()).isEqualTo(img.length);
            Posix.ftruncate(fd, img.length);
            Posix.fsync(fd);
        } finally {
            Posix.close(fd);
        }
        assertThat(Files.mismatch(target, writeReference(dir, img))).isEqualTo(-1L);
        assumeAllocationIsPlain(dir);
        // the zero chunk and the zero blocks inside chunk 3 are holes: about 4 MiB of 5 MiB is allocated
        assertThat(Files.size(target)).isEqualTo(img.length);
        assertThat(du(target)).isLessThan(4L * CHUNK);
    }

    private static Path writeReference(Path dir, byte[] img) throws Exception {
        Path ref = dir.resolve("reference");
        Files.write(ref, img);
        return ref;
    }

    /** Whether {@code dir}'s file system stores what is written as written: zero blocks allocated, holes not. */
    private static void assumeAllocationIsPlain(Path dir) throws Exception {
        assumeThat(Files.getFileStore(dir).type()).as("a file system whose allocation du shows plainly")
                .isIn("ext4", "ext3", "ext2", "xfs", "tmpfs");
    }

    private static long du(Path p) throws Exception {
        Process du = new ProcessBuilder("du", "-B1", "--", p.toString()).start();
        String out = new String(du.getInputStream().readAllBytes());
        du.waitFor();
        return Long.parseLong(out.split("\\s+")[0]);
    }

    /** Whether files in {@code dir} take O_DIRECT. */
    private static boolean directIoIn(Path dir) throws Exception {
        Path probe = dir.resolve("probe");
        int fd = Posix.createFile(BytePaths.of(probe), 0600, true, false);
        try {
            return Posix.setDirectIo(fd, true);
        } finally {
            Posix.close(fd);
            Files.delete(probe);
        }
    }

    @Test
    void writesEveryByteWithHolesAndDirectIoWhereTheFileSystemHasIt() throws Exception {
        restoresTheSameBytesInto(tmp, directIoIn(tmp));
    }

    @Test
    void aTmpfsGetsTheSameBytesWhateverItSaysToDirectIo() throws Exception {
        // tmpfs takes O_DIRECT only since Linux 6.6; before, the writes go through the page cache
        Path shm = Path.of("/dev/shm");
        assumeThat(Files.isDirectory(shm) && Files.isWritable(shm)).as("/dev/shm is here").isTrue();
        assumeThat(Files.getFileStore(shm).type()).isEqualTo("tmpfs");
        Path dir = Files.createTempDirectory(shm, "coffer-image-test");
        try {
            restoresTheSameBytesInto(dir, directIoIn(dir));
        } finally {
            Files.deleteIfExists(dir.resolve("disk.img"));
            Files.deleteIfExists(dir.resolve("reference"));
            Files.delete(dir);
        }
    }

    @Test
    void aDeviceGetsEveryByteIncludingZeros() throws Exception {
        byte[] img = image();
        Path target = tmp.resolve("dev.img");
        int fd = Posix.createFile(BytePaths.of(target), 0600, true, false);
        try {
            assertThat(writeAll(fd, img, false)).isEqualTo(img.length);
            Posix.fsync(fd);
        } finally {
            Posix.close(fd);
        }
        assertThat(Files.readAllBytes(target)).isEqualTo(img);
        assumeAllocationIsPlain(tmp);
        assertThat(du(target)).as("no holes").isGreaterThanOrEqualTo(img.length);
    }

    @Test
    void aDirectWriteRefusedWithEinvalIsWrittenAgainThroughThePageCacheAndSoIsTheRest() throws Exception {
        assumeThat(directIoIn(tmp)).as("direct I/O here").isTrue();
        byte[] img = image();
        Path target = tmp.resolve("einval.img");
        int fd = Posix.createFile(BytePaths.of(target), 0600, true, false);
        java.util.List<String> calls = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.concurrent.atomic.AtomicInteger directWrites = new java.util.concurrent.atomic.AtomicInteger();
        try {
            AtomicLong written = new AtomicLong();
            try (ImageWriter out = new ImageWriter(fd, true, CHUNK, 3, written, (f, range, at) -> {
                boolean direct;
                try {
                    direct = (openFlags(f) & O_DIRECT) != 0;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                calls.add(at + (direct ? " direct" : " buffered"));
                if (direct && directWrites.incrementAndGet() == 2) {
                    throw new FsException("write", null, FsException.EINVAL); // as a file system that refuses it would
                }
                Posix.pwriteFully(f, range, at);
            })) {
                writeChunks(out, img);
                assertThat(out.direct()).isFalse();
            }
            assertThat(openFlags(fd) & O_DIRECT).as("O_DIRECT off for the rest").isZero();
            assertThat(written.get()).isEqualTo(img.length);
        } finally {
            Posix.close(fd);
        }
        assertThat(Files.mismatch(target, writeReference(tmp, img))).isEqualTo(-1L);
        // the refused range was written again, buffered; after it, only the writes already under way (two more
        // slots) may have gone direct
        String refused = calls.stream().filter(c -> c.endsWith(" direct")).skip(1).findFirst().orElseThrow();
        long at = Long.parseLong(refused.split(" ")[0]);
        int again = calls.indexOf(at + " buffered");
        assertThat(again).as("the refused range again, buffered: " + calls).isPositive();
        assertThat(calls.subList(Math.min(calls.size(), again + 3), calls.size())).allMatch(c -> c.endsWith(" buffered"));
        assertThat(calls.get(calls.size() - 1)).endsWith(" buffered");
    }

    @Test
    void aFailedWriteOnAWriterThreadIsReportedAndNothingWaitsForever() throws Exception {
        Path target = tmp.resolve("ro.img");
        Files.write(target, new byte[0]);
        int fd = Posix.openRead(BytePaths.of(target)); // read-only: every write fails with EBADF
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                AtomicLong written = new AtomicLong();
                byte[] chunk = new byte[CHUNK];
                Arrays.fill(chunk, (byte) 1);
                ImageWriter out = new ImageWriter(fd, true, CHUNK, 3, written);
                try {
                    out.write(chunk, CHUNK, 0);
                    assertThatThrownBy(() -> {
                        for (int i = 1; i < 100; i++) { // a later write or the finish reports the first failure
                            out.write(chunk, CHUNK, (long) i * CHUNK);
                        }
                        out.finish();
                    }).isInstanceOf(FsException.class).hasMessageContaining("write")
                            .extracting(e -> ((FsException) e).errno()).isEqualTo(9); // EBADF
                    assertThatThrownBy(out::finish).isInstanceOf(FsException.class);
                } finally {
                    out.close();
                }
                assertThat(written.get()).isZero();
            });
        } finally {
            Posix.close(fd);
        }
        assertThat(Files.size(target)).isZero();
    }

    @Test
    void aWriteThatFailsBeforeItIsQueuedGivesItsBufferBackSoCloseDoesNotWait() throws Exception {
        Path target = tmp.resolve("short.img");
        int fd = Posix.createFile(BytePaths.of(target), 0600, true, false);
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                ImageWriter out = new ImageWriter(fd, true, CHUNK, 2, new AtomicLong());
                for (int i = 0; i < 3; i++) { // more failures than buffers: each one's buffer came back
                    assertThatThrownBy(() -> out.write(new byte[10], 4096, 0)).isInstanceOf(IndexOutOfBoundsException.class);
                }
                out.close();
            });
        } finally {
            Posix.close(fd);
        }
    }

    @Test
    void aChunkLargerThanTheImagesChunkSizeIsRefused() throws Exception {
        Path target = tmp.resolve("big.img");
        int fd = Posix.createFile(BytePaths.of(target), 0600, true, false);
        try (ImageWriter out = new ImageWriter(fd, true, CHUNK, 2, new AtomicLong())) {
            assertThatThrownBy(() -> out.write(new byte[CHUNK + 4096], CHUNK + 4096, 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than the image's");
        } finally {
            Posix.close(fd);
        }
        assertThat(Files.size(target)).isZero();
    }
}
