package dev.coffer.store;

import dev.coffer.core.CofferException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Durable, atomic file operations: a file is written to a temporary name in its directory, fsynced,
 * renamed over its final name and the directory fsynced, so that a reader (and a machine that loses
 * power) sees either the old contents or the new, never a mix. Temporary names start with
 * {@value #TEMP_PREFIX}.
 */
public final class AtomicFiles {
    /** Prefix of every temporary file and directory name Coffer creates in a datastore. */
    public static final String TEMP_PREFIX = ".tmp-";

    private AtomicFiles() {
    }

    /**
     * Writes {@code data} to {@code target} atomically and durably, replacing any existing file.
     *
     * @param perms the exact permissions of the new file (not reduced by the umask), or null for the
     *              default ones
     */
    public static void write(Path target, byte[] data, Set<PosixFilePermission> perms) {
        writeNoDirSync(target, data, perms);
        fsyncDir(parentOf(target));
    }

    /** Like {@link #write} without the final fsync of the directory, for callers that fsync it once later. */
    static void writeNoDirSync(Path target, byte[] data, Set<PosixFilePermission> perms) {
        Path tmp = writeTemp(parentOf(target), data, 0, data.length, perms, "cannot write " + target);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw IoErrors.fail("cannot write " + target, e);
        }
    }

    /** The most bytes passed to one channel read or write (see {@link #writeTemp}). */
    static final int IO_SLICE = 1 << 20;

    /**
     * Writes a new file in {@code dir} under a temporary name, fsynced, and returns its path. The caller
     * renames or links it into place and deletes it on failure.
     */
    static Path writeTemp(Path dir, byte[] data, int off, int len, Set<PosixFilePermission> perms, String what) {
        Path tmp = dir.resolve(tempName());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            if (perms != null) {
                Files.setPosixFilePermissions(tmp, perms);
            }
            writeAll(ch, data, off, len);
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(tmp);
            if (e instanceof IOException io) {
                throw IoErrors.fail(what, io);
            }
            throw (RuntimeException) e;
        }
        return tmp;
    }

    /** A temporary file written but not yet fsynced, and the channel that wrote it (the caller closes it). */
    record OpenTemp(Path path, FileChannel channel) {
    }

    /**
     * {@link #writeTemp} without the fsync, leaving the channel open so that the caller fsyncs through the
     * descriptor that wrote the data: a write-back error is then reported to it, where a descriptor opened
     * later might not see it.
     */
    static OpenTemp writeTempOpen(Path dir, byte[] data, int off, int len, String what) {
        Path tmp = dir.resolve(tempName());
        FileChannel ch = null;
        try {
            ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            writeAll(ch, data, off, len);
            return new OpenTemp(tmp, ch);
        } catch (IOException | RuntimeException | Error e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // the file is deleted next
                }
            }
            deleteQuietly(tmp);
            if (e instanceof IOException io) {
                throw IoErrors.fail(what, io);
            }
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw (Error) e;
        }
    }

    private static void writeAll(FileChannel ch, byte[] data, int off, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(data, off, len);
        while (buf.position() < off + len) {
            // at most IO_SLICE per call: the JDK copies a heap buffer through a per-thread native buffer
            // of the same size, and caches it, so whole-blob writes would keep a blob-sized one per thread
            buf.limit(Math.min(off + len, buf.position() + IO_SLICE));
            ch.write(buf);
        }
    }

    /** Makes the entries of a directory (created, renamed, removed files) durable. */
    public static void fsyncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            throw IoErrors.fail("cannot sync directory " + dir, e);
        }
    }

    /**
     * Creates {@code dir} and any missing parents, fsyncing the parent of every directory it creates so
     * that the new directories survive a crash. Concurrent creation of the same directories is fine.
     */
    public static void createDirectories(Path dir) {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = dir.toAbsolutePath(); p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        for (Path p : missing) {
            try {
                Files.createDirectory(p);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(p)) {
                    throw new CofferException("cannot create directory " + p + ": a file of that name exists");
                }
            } catch (IOException e) {
                throw IoErrors.fail("cannot create directory " + p, e);
            }
            fsyncDir(p.getParent());
        }
    }

    /**
     * Deletes a file or directory tree; does not follow symbolic links. Entries that disappear meanwhile
     * (another process deleting the same tree) are not an error.
     */
    public static void deleteTree(Path path) throws IOException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (attrs.isDirectory()) {
            // a directory restored read-only (0555) must first let its owner remove what is in it
            try {
                java.util.Set<java.nio.file.attribute.PosixFilePermission> p = Files.getPosixFilePermissions(path,
                        LinkOption.NOFOLLOW_LINKS);
                if (!p.contains(java.nio.file.attribute.PosixFilePermission.OWNER_WRITE)
                        || !p.contains(java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE)
                        || !p.contains(java.nio.file.attribute.PosixFilePermission.OWNER_READ)) {
                    p.add(java.nio.file.attribute.PosixFilePermission.OWNER_READ);
                    p.add(java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
                    p.add(java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE);
                    Files.getFileAttributeView(path, java.nio.file.attribute.PosixFileAttributeView.class,
                            LinkOption.NOFOLLOW_LINKS).setPermissions(p);
                }
            } catch (IOException | UnsupportedOperationException e) {
                // not ours, or no POSIX permissions: the removal below says what is wrong
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
                for (Path entry : entries) {
                    deleteTree(entry);
                }
            } catch (NoSuchFileException e) {
                return;
            } catch (DirectoryIteratorException e) {
                if (!(e.getCause() instanceof NoSuchFileException)) {
                    throw e.getCause();
                }
            }
        }
        Files.deleteIfExists(path);
    }

    static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a leftover temporary file is harmless and recognisable by its name
        }
    }

    static String tempName() {
        return TEMP_PREFIX + randomHex();
    }

    /** 16 random hex digits, for unique temporary names. */
    static String randomHex() {
        return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    }

    private static Path parentOf(Path target) {
        Path parent = target.toAbsolutePath().getParent();
        if (parent == null) {
            throw new IllegalArgumentException("not a file path: " + target);
        }
        return parent;
    }
}
