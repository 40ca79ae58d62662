package dev.coffer.store;

/**
 * The datastore lock held exclusively, as garbage collection needs it: while it is held no snapshot
 * writer exists in any process. Release it with {@link #close()}.
 */
public final class ExclusiveLock implements AutoCloseable {
    private final Locks.Handle handle;

    ExclusiveLock(Locks.Handle handle) {
        this.handle = handle;
    }

    /** Releases the lock; calling it again does nothing. */
    @Override
    public void close() {
        handle.close();
    }
}
