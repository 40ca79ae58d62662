package dev.coffer.store;

import dev.coffer.core.CofferException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;

/**
 * A snapshot being written, from {@link Datastore#beginSnapshot}. Its files go to a temporary directory
 * {@code <TYPE>/<ID>/.tmp-<TIME>-<random>/} that is never listed; {@link #commit()} makes the snapshot
 * appear atomically under its final name, and {@link #close()} without a commit discards it. Use it in
 * try-with-resources:
 *
 * <pre>{@code
 * try (SnapshotWriter w = store.beginSnapshot(group, Instant.now())) {
 *     ... store.insertChunk(...) ...
 *     w.writeFile("docs.cfar.meta.cidx", index);
 *     w.writeFile("manifest.cfm", manifest);
 *     w.commit();
 * }
 * }</pre>
 *
 * <p>Thread-safe. While it is open it holds the datastore lock shared and its own writer lock
 * ({@code .writer.lock} in the temporary directory), which tells other processes the directory is live.
 */
public final class SnapshotWriter implements AutoCloseable {
    private final Datastore store;
    private final SnapshotRef ref;
    private final Path groupDir;
    private final Path tmpDir;
    private final Locks.Handle sharedLock;
    private final FileChannel writerLock;
    private boolean done;

    SnapshotWriter(Datastore store, SnapshotRef ref, Path groupDir, Path tmpDir, Locks.Handle sharedLock,
            FileChannel writerLock) {
        this.store = store;
        this.ref = ref;
        this.groupDir = groupDir;
        this.tmpDir = tmpDir;
        this.sharedLock = sharedLock;
        this.writerLock = writerLock;
    }

    /** The snapshot this writer creates; its time may be later than the one asked for. */
    public SnapshotRef ref() {
        return ref;
    }

    /**
     * Writes (or replaces) a file of the snapshot, atomically and durably.
     *
     * @throws CofferException if {@code name} is not a valid snapshot file name
     */
    public synchronized void writeFile(String name, byte[] data) {
        requireOpen();
        Names.checkFileName(name);
        Objects.requireNonNull(data, "data");
        AtomicFiles.writeNoDirSync(tmpDir.resolve(name), data, null);
    }

    /**
     * Test-only: runs in {@link #commit()} with the group lock held, after the writer lock file is gone and
     * before the rename (where the directory's fsync can take long on a busy disk).
     */
    static volatile Runnable whileCommittingForTesting = () -> { };

    /**
     * Makes the snapshot visible: syncs the chunk directories written so far
     * ({@link Datastore#syncDirtyChunkDirs()}) and the snapshot's files, then renames the temporary
     * directory to {@code <TIME>} and syncs the group directory. Write {@code manifest.cfm} before calling
     * this. Afterwards the writer is closed.
     *
     * @return the snapshot, as also given by {@link #ref()}
     */
    public synchronized SnapshotRef commit() {
        requireOpen();
        store.syncDirtyChunkDirs();
        Path target = groupDir.resolve(ref.timeString());
        try (Locks.GroupLock _ = Locks.lockGroup(groupDir)) {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new CofferException("cannot commit snapshot " + ref + ": a snapshot of that name already exists");
            }
            // With the group lock held no other process looks at the lock file, so it can go now and
            // never appears in the finished snapshot; the lock itself stays held until the rename.
            Files.delete(tmpDir.resolve(Datastore.WRITER_LOCK));
            AtomicFiles.fsyncDir(tmpDir);
            whileCommittingForTesting.run();
            Files.move(tmpDir, target, StandardCopyOption.ATOMIC_MOVE);
            done = true;
            Locks.removeLive(tmpDir);
            Locks.closeQuietly(writerLock);
        } catch (IOException e) {
            throw IoErrors.fail("cannot commit snapshot " + ref, e);
        }
        try {
            AtomicFiles.fsyncDir(groupDir);
        } finally {
            release();
        }
        return ref;
    }

    /**
     * Without a prior {@link #commit()}, discards the snapshot: deletes the temporary directory and
     * releases the locks. After a commit, does nothing. Calling it again does nothing.
     */
    @Override
    public synchronized void close() {
        if (done) {
            return;
        }
        done = true;
        Locks.GroupLock groupLock = null;
        try {
            groupLock = Locks.lockGroup(groupDir);
            Datastore.deleteLeftover(tmpDir);
        } catch (CofferException e) {
            // the directory stays behind, unlocked, and the next backup of the group removes it
        } finally {
            try {
                Locks.removeLive(tmpDir);
                Locks.closeQuietly(writerLock);
            } finally {
                if (groupLock != null) {
                    groupLock.close();
                }
                release();
            }
        }
    }

    private void release() {
        done = true;
        sharedLock.close();
        store.writerClosed(this);
    }

    private void requireOpen() {
        if (done) {
            throw new IllegalStateException("the writer of snapshot " + ref + " is already closed");
        }
    }
}
