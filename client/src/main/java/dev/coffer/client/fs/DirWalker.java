package dev.coffer.client.fs;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Walks a tree depth-first in the order directory archives store it: the root first (relative path
 * empty), a directory before its contents, siblings sorted bytewise (unsigned). Symlinks are reported,
 * never followed, except that a root given as a symlink to a directory is followed.
 *
 * <p>Each directory is read whole and its entries stat'ed relative to an open descriptor of it
 * (getdents64 and statx with a directory fd), then the descriptor is closed before descending, so a walk
 * holds one descriptor whatever the depth, and needs no Java stack per level. Before a directory is
 * read, the walker checks that the descriptor it opened is the directory it stat'ed (same device and
 * inode), so a directory renamed or replaced with a symlink meanwhile cannot lead the walk elsewhere.
 *
 * <p>Entries are stat'ed when their directory is read, so a visitor sees metadata from just before it
 * is called, not from the instant of the call.
 *
 * <pre>{@code
 * DirWalker.walk(root, true, e -> {
 *     if (e.stat().isFile()) { ... open e.path() ... }
 *     return !isExcluded(e.relativePath());   // false: do not descend (directories only)
 * });
 * }</pre>
 */
public final class DirWalker {
    /**
     * One entry of the walk.
     *
     * @param path the entry's path: the root's path joined with {@code relativePath}
     * @param relativePath relative to the root, components joined by {@code '/'}; empty for the root
     * @param name the last component (empty for the root)
     * @param stat the entry's lstat (for the root: its stat, following a symlink)
     * @param depth 0 for the root, 1 for its children, and so on
     */
    public record Entry(byte[] path, byte[] relativePath, byte[] name, Stat stat, int depth) {
        public boolean isRoot() {
            return depth == 0;
        }
    }

    /** Receives the entries of a walk. */
    public interface Visitor {
        /**
         * Called once per entry, in walk order.
         *
         * @return for a directory, whether to walk its contents; ignored for anything else
         */
        boolean visit(Entry entry);

        /**
         * Called when a directory cannot be read or one of its entries cannot be stat'ed (say it was
         * deleted between the listing and the stat); that directory's contents or that entry are then
         * left out. {@code relativePath} is the directory's or the entry's. The default rethrows,
         * ending the walk.
         */
        default void failed(byte[] path, byte[] relativePath, FsException error) {
            throw error;
        }
    }

    private DirWalker() {
    }

    /**
     * Walks the tree at {@code root}.
     *
     * @param root the path to walk; if it is not a directory, it is the only entry
     * @param oneFileSystem do not descend into directories on another device than the root (mount
     *     points); the mount point directory itself is still visited
     * @param visitor receives the entries
     * @throws FsException if the root cannot be stat'ed, or as the visitor decides
     */
    public static void walk(byte[] root, boolean oneFileSystem, Visitor visitor) {
        Stat rootStat = Posix.stat(root);
        byte[] empty = BytePaths.empty();
        if (!visitor.visit(new Entry(root, empty, empty, rootStat, 0)) || !rootStat.isDirectory()) {
            return;
        }
        ArrayDeque<Level> stack = new ArrayDeque<>();
        Level top = open(root, empty, rootStat, 0, true, visitor);
        if (top != null) {
            stack.push(top);
        }
        while (!stack.isEmpty()) {
            Level level = stack.peek();
            if (level.next == level.names.size()) {
                stack.pop();
                continue;
            }
            int i = level.next++;
            Stat st = level.stats.get(i);
            byte[] name = level.names.get(i);
            byte[] path = BytePaths.join(level.path, name);
            byte[] rel = BytePaths.join(level.rel, name);
            int depth = level.depth + 1;
            boolean descend = visitor.visit(new Entry(path, rel, name, st, depth));
            if (descend && st.isDirectory() && !(oneFileSystem && st.dev() != rootStat.dev())) {
                Level child = open(path, rel, st, depth, false, visitor);
                if (child != null) {
                    stack.push(child);
                }
            }
        }
    }

    /** Reads and stats a directory's entries; null if it failed (already reported). */
    private static Level open(byte[] path, byte[] rel, Stat expected, int depth, boolean root, Visitor visitor) {
        int fd;
        try {
            fd = root ? Posix.openDirFollowing(path) : Posix.openDir(path);
        } catch (FsException e) {
            visitor.failed(path, rel, e);
            return null;
        }
        try {
            List<byte[]> names;
            FsException failure = null;
            try {
                Stat actual = Posix.fstat(fd);
                if (actual.inode() != expected.inode() || actual.dev() != expected.dev()) {
                    failure = new FsException(FsException.ESTALE, "list directory " + BytePaths.display(path),
                            "replaced while being read");
                }
                names = failure == null ? Posix.listDir(fd) : List.of();
            } catch (FsException e) {
                failure = new FsException("list directory", path, e.errno());
                names = List.of();
            }
            if (failure != null) {
                visitor.failed(path, rel, failure);
                return null;
            }
            List<byte[]> kept = new ArrayList<>(names.size());
            List<Stat> stats = new ArrayList<>(names.size());
            for (byte[] name : names) {
                Stat st;
                try {
                    st = Posix.lstatAt(fd, name);
                } catch (FsException e) {
                    byte[] child = BytePaths.join(path, name);
                    visitor.failed(child, BytePaths.join(rel, name), new FsException("lstat", child, e.errno()));
                    continue;
                }
                kept.add(name);
                stats.add(st);
            }
            return new Level(path, rel, depth, kept, stats);
        } finally {
            Posix.close(fd);
        }
    }

    private static final class Level {
        final byte[] path;
        final byte[] rel;
        final int depth;
        final List<byte[]> names;
        final List<Stat> stats;
        int next;

        Level(byte[] path, byte[] rel, int depth, List<byte[]> names, List<Stat> stats) {
            this.path = path;
            this.rel = rel;
            this.depth = depth;
            this.names = names;
            this.stats = stats;
        }
    }
}
