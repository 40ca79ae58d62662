package dev.coffer.client.backup;

import dev.coffer.client.fs.BytePaths;
import dev.coffer.client.fs.DirWalker;
import dev.coffer.client.fs.FileType;
import dev.coffer.client.fs.FsException;
import dev.coffer.client.fs.Posix;
import dev.coffer.client.fs.Stat;
import dev.coffer.core.CofferException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Walks a source tree on its own thread, ahead of the archiver: reads directories, stats their entries and
 * reads symlink targets, and hands the entries over in archive order (design.md 6: depth first, siblings
 * sorted bytewise) through a bounded queue. The archiver's thread is then left with what needs the
 * previous snapshot or the file contents, and the walk's system calls run on the other core. Excluded
 * entries are left out here, with everything below an excluded directory; the walk stays on the root's
 * file system (a mount point directory is an entry, its contents are not).
 *
 * <p>At most {@link #AHEAD} entries wait in the queue, so memory does not grow with the tree. An entry's
 * metadata is from the moment its directory was read, which can be a while before the archiver reaches it
 * (after the subtrees of its earlier siblings); the archiver takes a file's size and metadata again from
 * the open file when it reads it.
 */
final class TreeScanner implements AutoCloseable {
    static final int BATCH = 256;
    static final int AHEAD = 16 * BATCH;

    /**
     * One entry, or a problem to report as a warning ({@code problem != null}, the other fields null).
     *
     * @param linkTarget a symlink's target, read by the scanner; null for other types
     */
    record Item(byte[] path, byte[] rel, Stat stat, byte[] linkTarget, String problem, boolean vanished) {
    }

    /** Ends the queue; compared by identity, so an instance of its own (not the shared empty list). */
    private static final List<Item> END = java.util.Collections.unmodifiableList(new ArrayList<>(0));

    private final BlockingQueue<List<Item>> queue = new ArrayBlockingQueue<>(AHEAD / BATCH);
    private final Thread thread;
    private volatile boolean closed;
    private volatile Throwable failure;
    private List<Item> batch = new ArrayList<>(BATCH); // the scanner thread's
    private List<Item> current = List.of(); // the archiver thread's
    private int next;
    private boolean ended;

    private TreeScanner(byte[] root, Excludes excludes) {
        thread = Thread.ofPlatform().daemon().name("coffer-walk").unstarted(() -> scan(root, excludes));
    }

    /** Starts walking {@code root} (a directory; a symlink to one is followed). */
    static TreeScanner start(byte[] root, Excludes excludes) {
        TreeScanner s = new TreeScanner(root, excludes);
        s.thread.start();
        return s;
    }

    /**
     * The next entry in archive order, the root first (empty relative path); null after the last.
     *
     * @throws CofferException when the root cannot be read or is not a directory
     */
    Item next() {
        while (next == current.size()) {
            if (ended) {
                return null;
            }
            try {
                current = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CofferException("backup interrupted");
            }
            next = 0;
            if (current == END) {
                ended = true;
                if (failure instanceof RuntimeException e) {
                    throw e;
                }
                if (failure instanceof Error e) {
                    throw e; // say OutOfMemoryError: the archiver's thread reports it, rather than waiting forever
                }
            }
        }
        return current.get(next++);
    }

    /** Stops the walk if it is still running (after a failure of the archiver) and waits for the thread. */
    @Override
    public void close() {
        closed = true;
        queue.clear(); // unblocks a scanner waiting for space; it sees closed before it puts again
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.clear();
    }

    private void scan(byte[] root, Excludes excludes) {
        try {
            DirWalker.walk(root, true, new DirWalker.Visitor() {
                /** The entry visited last: the walker reads a directory right after visiting it. */
                private byte[] lastVisited;

                @Override
                public boolean visit(DirWalker.Entry e) {
                    lastVisited = e.relativePath();
                    if (e.isRoot()) {
                        if (e.stat().fileType() != FileType.DIRECTORY) {
                            throw new CofferException(BytePaths.display(root) + " is not a directory",
                                    "a .cfar archive takes a directory; use NAME.img:FILE for a file or device");
                        }
                    } else if (!excludes.isEmpty() && excludes.excluded(BytePaths.display(e.relativePath()))) {
                        return false;
                    }
                    byte[] target = null;
                    if (e.stat().fileType() == FileType.SYMLINK) {
                        try {
                            target = Posix.readlink(e.path());
                        } catch (FsException x) {
                            add(new Item(null, null, null, null, "cannot read " + BytePaths.display(e.path()) + ": "
                                    + x.getMessage(), x.errno() == FsException.ENOENT));
                            return true;
                        }
                    }
                    add(new Item(e.path(), e.relativePath(), e.stat(), target, null, false));
                    return true;
                }

                @Override
                public void failed(byte[] path, byte[] rel, FsException error) {
                    if (excludes.isEmpty() || !excludes.excluded(BytePaths.display(rel))) {
                        // a directory that cannot be read was visited just before (it is stored, without what is
                        // in it); an entry that cannot be stat'ed never was (it is left out)
                        boolean directory = java.util.Arrays.equals(rel, lastVisited);
                        add(new Item(null, null, null, null, error.getMessage()
                                + (directory ? "; the directory is stored without its contents" : "; left out of the backup"),
                                error.errno() == FsException.ENOENT));
                    }
                }
            });
        } catch (FsException e) {
            failure = new CofferException("cannot read source directory " + BytePaths.display(root) + ": "
                    + e.getMessage());
        } catch (Stopped e) {
            return;
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        try {
            if (!batch.isEmpty()) {
                put(batch);
            }
            put(END);
        } catch (Stopped e) {
            // closed meanwhile: nobody reads any more
        }
    }

    private void add(Item item) {
        batch.add(item);
        if (batch.size() == BATCH) {
            put(batch);
            batch = new ArrayList<>(BATCH);
        }
    }

    private void put(List<Item> items) {
        try {
            while (!queue.offer(items, 100, TimeUnit.MILLISECONDS)) {
                if (closed) {
                    throw new Stopped();
                }
            }
        } catch (InterruptedException e) {
            throw new Stopped();
        }
        if (closed) {
            throw new Stopped();
        }
    }

    /** Ends the walk after {@link #close()}. */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super(null, null, false, false);
        }
    }
}
