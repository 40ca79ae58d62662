package dev.coffer.client.restore;

import dev.coffer.client.fs.FsException;
import dev.coffer.client.fs.Posix;
import dev.coffer.core.CofferException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Writes a restored image to its file or device, several chunks at once on the writer threads, with direct I/O
 * (O_DIRECT) where the file system allows it.
 *
 * <p>Each chunk is copied once, from the decoded array into an aligned native buffer, and written from there:
 * with direct I/O the device reads it from that buffer, so nothing is copied into the page cache (on a busy
 * machine that copy cost as much CPU time as decoding), and the cache keeps what others use. A direct write
 * waits for the device, so several are under way at once, one per writer thread. A file gets holes for its
 * all-zero 4 KiB blocks; a device gets every byte. A range not aligned to {@link Posix#DIRECT_IO_ALIGNMENT}
 * (the end of an image whose size is not a multiple of it) is written after all the others, through the page
 * cache; a file system that refuses an aligned direct write (EINVAL) gets the rest of the image through the
 * page cache too, starting with that range again. Without direct I/O, writeback of each chunk is started once
 * it is written. The caller fsyncs after {@link #finish}.
 *
 * <p>The writes run on threads of this writer's own (so that nothing else can drop a queued write and leave
 * {@link #close} waiting for it), at most {@link #MAX_SLOTS} at once: their buffers are native memory, counted
 * against the JVM's limit for direct memory.
 */
final class ImageWriter implements AutoCloseable {
    private static final int BLOCK = Posix.DIRECT_IO_ALIGNMENT;
    /** The most chunks copied and under way at once, whatever the thread count. */
    static final int MAX_SLOTS = 8;

    /** One pwrite of a whole native range at a file position; a seam for tests. */
    interface WriteCall {
        void write(int fd, MemorySegment range, long at);
    }

    private final int fd;
    private final boolean sparse;
    private final java.util.concurrent.ExecutorService writers;
    private final WriteCall call;
    private final AtomicLong written;
    private final Arena arena = Arena.ofShared();
    private final BlockingQueue<MemorySegment> free;
    private final int slots;
    private final long slotSize;
    private final MemorySegment zeros;
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private volatile boolean direct;

    /**
     * @param sparse leave all-zero blocks as holes (a file), or write every byte (a device)
     * @param chunkSize the largest chunk that will be written
     * @param threads how many chunks may be under way at once (at most {@link #MAX_SLOTS})
     * @param written counts the bytes written (holes included)
     */
    ImageWriter(int fd, boolean sparse, int chunkSize, int threads, AtomicLong written) {
        this(fd, sparse, chunkSize, threads, written, Posix::pwriteFully);
    }

    ImageWriter(int fd, boolean sparse, int chunkSize, int threads, AtomicLong written, WriteCall call) {
        this.fd = fd;
        this.sparse = sparse;
        this.written = written;
        this.call = call;
        this.slots = Math.max(1, Math.min(MAX_SLOTS, threads));
        this.slotSize = Math.max(BLOCK, chunkSize);
        this.free = new ArrayBlockingQueue<>(slots);
        try {
            for (int i = 0; i < slots; i++) {
                free.add(arena.allocate(slotSize, BLOCK));
            }
            this.zeros = arena.allocate(BLOCK, BLOCK);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        this.writers = java.util.concurrent.Executors.newFixedThreadPool(slots, r -> {
            Thread t = new Thread(r, "coffer-image-write");
            t.setDaemon(true);
            return t;
        });
        this.direct = Posix.setDirectIo(fd, true);
    }

    /** Whether writes still bypass the page cache. */
    boolean direct() {
        return direct;
    }

    /**
     * Queues {@code b[0..len)} for file position {@code at}: it is copied before this returns, so {@code b}
     * may be reused. Throws the failure of an earlier write, if any.
     */
    void write(byte[] b, int len, long at) {
        check();
        if (len > slotSize) {
            throw new IllegalArgumentException("chunk of " + len + " bytes, more than the image's " + slotSize);
        }
        if (((at | len) & (BLOCK - 1)) != 0) {
            // the unaligned end: after everything else, through the page cache, in this thread
            drain();
            check();
            buffered();
            MemorySegment seg = take();
            try {
                MemorySegment.copy(b, 0, seg, ValueLayout.JAVA_BYTE, 0, len);
                writeChunk(seg, len, at);
            } finally {
                free.add(seg);
            }
            return;
        }
        MemorySegment seg = take();
        Runnable task = () -> {
            try {
                if (failure.get() == null) {
                    writeChunk(seg, len, at);
                }
            } catch (RuntimeException | Error e) {
                failure.compareAndSet(null, e instanceof RuntimeException r ? r : new IllegalStateException(e));
            } finally {
                free.add(seg);
            }
        };
        boolean queued = false;
        try {
            MemorySegment.copy(b, 0, seg, ValueLayout.JAVA_BYTE, 0, len);
            writers.execute(task);
            queued = true;
        } finally {
            if (!queued) {
                free.add(seg); // nothing will write it: the slot is free again, and close() does not wait for it
            }
        }
    }

    /** Waits for every queued write; throws the first failure. */
    void finish() {
        drain();
        check();
    }

    /** Waits for the writes under way (even when interrupted: the file must not be closed under them). */
    @Override
    public void close() {
        boolean interrupted = false;
        List<MemorySegment> back = new ArrayList<>(slots);
        while (back.size() < slots) {
            try {
                back.add(free.take());
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        writers.shutdown();
        arena.close();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void check() {
        RuntimeException e = failure.get();
        if (e != null) {
            throw e;
        }
    }

    private MemorySegment take() {
        try {
            return free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CofferException("restore interrupted", null);
        }
    }

    /** Waits until no write is under way. */
    private void drain() {
        List<MemorySegment> back = new ArrayList<>(slots);
        try {
            while (back.size() < slots) {
                back.add(take());
            }
        } finally {
            free.addAll(back);
        }
    }

    /** Ordinary writes from here on (a file that keeps direct I/O fails them, and the restore with them). */
    private synchronized void buffered() {
        if (direct) {
            direct = Posix.setDirectIo(fd, false);
        }
    }

    private void writeChunk(MemorySegment seg, int len, long at) {
        if (!sparse) {
            writeRange(seg.asSlice(0, len), at);
        } else {
            int i = 0;
            while (i < len) {
                if (zeroBlock(seg, i, len)) {
                    i = Math.min(len, i + BLOCK);
                    continue;
                }
                int start = i;
                while (i < len && !zeroBlock(seg, i, len)) {
                    i = Math.min(len, i + BLOCK);
                }
                writeRange(seg.asSlice(start, i - start), at + start);
            }
        }
        if (!direct) {
            // the disk writes this chunk while the next ones are decoded, instead of all of it in the fsync
            Posix.startWriteback(fd, at, len);
        }
        written.addAndGet(len);
    }

    private boolean zeroBlock(MemorySegment seg, int from, int len) {
        int n = Math.min(BLOCK, len - from);
        return MemorySegment.mismatch(seg, from, from + n, zeros, 0, n) < 0;
    }

    private void writeRange(MemorySegment range, long at) {
        boolean wasDirect = direct;
        try {
            call.write(fd, range, at);
        } catch (FsException e) {
            if (!wasDirect || e.errno() != FsException.EINVAL) {
                throw e;
            }
            buffered(); // an alignment this file system does not take: the same range again, buffered
            call.write(fd, range, at);
        }
    }
}
