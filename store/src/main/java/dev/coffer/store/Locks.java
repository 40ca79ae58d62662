package dev.coffer.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The process-wide bookkeeping of datastore locks.
 *
 * <p>Java takes POSIX record locks ({@code fcntl}); the kernel ties them to the process, and closing
 * <em>any</em> descriptor of a file drops all of the process's locks on that file. A JVM must therefore
 * never have two channels open on one lock file at the same time. This class guarantees it: the
 * datastore {@code .lock} is opened once per JVM and reference-counted, a group {@code .lock} is only
 * opened under an in-process mutex, and the writer locks of live snapshot writers are recorded so that
 * stale-directory cleanup never opens them.
 */
final class Locks {
    private static final Map<Path, Held> HELD = new HashMap<>();
    private static final ReentrantLock[] GROUP_MUTEXES = new ReentrantLock[64];
    /** Temporary directories of live writers in this JVM; changed only under their group's lock. */
    private static final Set<Path> LIVE_TMP_DIRS = HashSet.newHashSet(16);

    static {
        for (int i = 0; i < GROUP_MUTEXES.length; i++) {
            GROUP_MUTEXES[i] = new ReentrantLock();
        }
    }

    private Locks() {
    }

    private static final class Held {
        final Path file;
        final FileChannel channel;
        final FileLock lock;
        final boolean shared;
        int holders;

        Held(Path file, FileChannel channel, FileLock lock, boolean shared) {
            this.file = file;
            this.channel = channel;
            this.lock = lock;
            this.shared = shared;
        }
    }

    /** One holder's reference to the datastore lock. Closing it more than once is harmless. */
    static final class Handle implements AutoCloseable {
        private Held held;

        private Handle(Held held) {
            this.held = held;
        }

        @Override
        public void close() {
            synchronized (HELD) {
                if (held == null) {
                    return;
                }
                Held h = held;
                held = null;
                if (--h.holders == 0) {
                    HELD.remove(h.file);
                    try {
                        h.lock.release();
                    } catch (IOException ignored) {
                        // closing the channel below releases it too
                    }
                    closeQuietly(h.channel);
                }
            }
        }
    }

    /**
     * Takes the datastore lock without waiting: shared for a writer, exclusive for garbage collection.
     *
     * @throws DatastoreBusyException if it is held in a conflicting mode, here or by another process
     */
    static Handle lockDatastore(Path lockFile, boolean shared) {
        synchronized (HELD) {
            Held h = HELD.get(lockFile);
            if (h != null) {
                if (shared && h.shared) {
                    h.holders++;
                    return new Handle(h);
                }
                throw busy(!h.shared);
            }
            FileChannel ch = openLockFile(lockFile, "cannot lock datastore " + lockFile.getParent());
            try {
                FileLock lock = ch.tryLock(0, Long.MAX_VALUE, shared);
                if (lock == null) {
                    boolean exclusiveHolder = shared || ch.tryLock(0, Long.MAX_VALUE, true) == null;
                    throw busy(exclusiveHolder);
                }
                h = new Held(lockFile, ch, lock, shared);
                h.holders = 1;
                HELD.put(lockFile, h);
                return new Handle(h);
            } catch (IOException e) {
                closeQuietly(ch);
                throw IoErrors.fail("cannot lock " + lockFile, e);
            } catch (RuntimeException e) {
                closeQuietly(ch);
                throw e;
            }
        }
    }

    private static DatastoreBusyException busy(boolean exclusiveHolder) {
        return exclusiveHolder
                ? new DatastoreBusyException("datastore is busy: garbage collection is running",
                        "try again when it has finished")
                : new DatastoreBusyException("datastore is busy: a backup is running",
                        "try again when it has finished");
    }

    /**
     * The short exclusive lock of a group directory, held while temporary directories are created,
     * cleaned up and committed. It waits for other holders; they hold it only briefly.
     */
    static final class GroupLock implements AutoCloseable {
        private final ReentrantLock mutex;
        private final FileChannel channel;

        private GroupLock(ReentrantLock mutex, FileChannel channel) {
            this.mutex = mutex;
            this.channel = channel;
        }

        @Override
        public void close() {
            try {
                closeQuietly(channel);
            } finally {
                mutex.unlock();
            }
        }
    }

    static GroupLock lockGroup(Path groupDir) {
        ReentrantLock mutex = GROUP_MUTEXES[Math.floorMod(groupDir.hashCode(), GROUP_MUTEXES.length)];
        mutex.lock();
        FileChannel ch = null;
        try {
            ch = openLockFile(groupDir.resolve(Datastore.LOCK), "cannot lock backup group " + groupDir);
            ch.lock();
            return new GroupLock(mutex, ch);
        } catch (IOException e) {
            closeQuietly(ch);
            mutex.unlock();
            throw IoErrors.fail("cannot lock backup group " + groupDir, e);
        } catch (RuntimeException | Error e) {
            closeQuietly(ch);
            mutex.unlock();
            throw e;
        }
    }

    /** Records a live writer's temporary directory; call with its group lock held. */
    static void addLive(Path tmpDir) {
        synchronized (LIVE_TMP_DIRS) {
            LIVE_TMP_DIRS.add(tmpDir);
        }
    }

    /** Forgets a writer's temporary directory; call with its group lock held. */
    static void removeLive(Path tmpDir) {
        synchronized (LIVE_TMP_DIRS) {
            LIVE_TMP_DIRS.remove(tmpDir);
        }
    }

    static boolean isLive(Path tmpDir) {
        synchronized (LIVE_TMP_DIRS) {
            return LIVE_TMP_DIRS.contains(tmpDir);
        }
    }

    /**
     * Whether the writer lock file of a temporary directory that no writer in this JVM owns is held by
     * another process. Call with the group lock held. If the lock is free or its file is gone,
     * {@code whileFree} runs (with the lock held, if there is one) and the result is false. If the lock
     * cannot be checked, the directory is taken to be live.
     */
    static boolean heldElsewhere(Path writerLockFile, Runnable whileFree) {
        FileChannel ch;
        try {
            ch = FileChannel.open(writerLockFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (java.nio.file.NoSuchFileException e) {
            whileFree.run();
            return false;
        } catch (IOException e) {
            // cannot tell (e.g. the directory belongs to another user): leave it alone
            return true;
        }
        try (ch) {
            FileLock lock = ch.tryLock();
            if (lock == null) {
                return true;
            }
            whileFree.run();
            return false;
        } catch (OverlappingFileLockException | IOException e) {
            return true;
        }
    }

    /** Opens (creating if needed) a lock file for reading and writing, as both kinds of lock need. */
    static FileChannel openLockFile(Path file, String what) {
        try {
            return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw IoErrors.fail(what, e);
        }
    }

    static void closeQuietly(FileChannel ch) {
        if (ch == null) {
            return;
        }
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing was written through a lock channel
        }
    }
}
