package dev.coffer.client.fs;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The C library and system calls java.nio lacks, bound with the Foreign Function and Memory API: paths
 * as raw bytes (any name, not only valid UTF-8), statx(2) with nanosecond times, getdents64(2), extended
 * attributes of every namespace (POSIX ACLs are the xattrs {@code system.posix_acl_access} and
 * {@code system.posix_acl_default}), mknod, lchown, utimensat on symlinks, SEEK_DATA/SEEK_HOLE.
 *
 * <p>Platform: Linux on x86_64 or aarch64, glibc 2.28 or later (statx), kernel 4.11 or later. Only the
 * system-call numbers and the {@code O_DIRECTORY}/{@code O_NOFOLLOW} values differ between the two
 * architectures; the statx and dirent64 layouts are the same. The class refuses to initialise anywhere
 * else.
 *
 * <p>Every failure is an {@link FsException} carrying errno. Calls interrupted by a signal (EINTR) are
 * retried where that is safe. Paths must not contain NUL bytes (they would silently shorten the path in
 * C); such a path fails with EINVAL. All methods are thread-safe: each thread uses its own scratch
 * native memory, so no call allocates native memory in the common case.
 */
public final class Posix {
    public static final int SEEK_SET = 0;
    public static final int SEEK_CUR = 1;
    public static final int SEEK_END = 2;
    public static final int SEEK_DATA = 3;
    public static final int SEEK_HOLE = 4;

    public static final int S_IFMT = 0170000;
    public static final int S_IFSOCK = 0140000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFIFO = 0010000;
    public static final int S_ISUID = 04000;
    public static final int S_ISGID = 02000;
    public static final int S_ISVTX = 01000;
    /** All permission bits including set-uid, set-gid and sticky. */
    public static final int PERMISSION_BITS = 07777;

    /** For {@link #setTimes}: set this time to now. */
    public static final int UTIME_NOW = (1 << 30) - 1;
    /** For {@link #setTimes}: leave this time unchanged. */
    public static final int UTIME_OMIT = (1 << 30) - 2;

    // ---------------------------------------------------------------- platform

    private static final String OS = System.getProperty("os.name", "");
    private static final String ARCH = System.getProperty("os.arch", "");
    private static final boolean AARCH64 = ARCH.equals("aarch64");

    static {
        if (!OS.equals("Linux") || !(AARCH64 || ARCH.equals("amd64") || ARCH.equals("x86_64"))) {
            throw new UnsupportedOperationException(
                    "the filesystem layer supports Linux on x86_64 and aarch64; this is " + OS + " on " + ARCH);
        }
    }

    private static final long SYS_GETDENTS64 = AARCH64 ? 61 : 217;
    private static final long SYS_MKNODAT = AARCH64 ? 33 : 259;
    private static final long SYS_FCHMODAT2 = 452; // Linux 6.6; same number on every architecture

    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_CREAT = 0100;
    private static final int O_EXCL = 0200;
    private static final int O_TRUNC = 01000;
    private static final int O_NONBLOCK = 04000;
    private static final int O_DIRECTORY = AARCH64 ? 040000 : 0200000;
    private static final int O_NOFOLLOW = AARCH64 ? 0100000 : 0400000;
    private static final int O_NOATIME = 01000000;
    private static final int O_CLOEXEC = 02000000;
    private static final int O_PATH = 010000000;
    private static final int O_DIRECT = AARCH64 ? 0200000 : 040000;

    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int AT_NO_AUTOMOUNT = 0x800;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final int LC_MESSAGES_MASK = 1 << 5;

    /** Kernel limits: a path argument (with its NUL), an xattr name list, an xattr value. */
    private static final int PATH_MAX = 4096;
    private static final int XATTR_LIST_MAX = 65536;
    private static final int XATTR_SIZE_MAX = 65536;
    private static final int DIRENT_BUFFER = 32768;
    /** The largest piece {@link #read(int, byte[], int, int)} and the writes copy through native memory. */
    private static final int COPY_CHUNK = 1 << 20;

    // ---------------------------------------------------------------- bindings

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong J = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfByte B = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT;
    private static final ValueLayout P = ValueLayout.ADDRESS;

    // Creating a downcall handle costs milliseconds (tens for the first), so only those every caller
    // needs are made with the class; the rest are grouped by use and made on first use (holder classes).
    private static final MethodHandle STATX = errnoHandle("statx", FunctionDescriptor.of(I, I, P, I, I, P));
    private static final MethodHandle OPENAT = errnoHandle("openat", FunctionDescriptor.of(I, I, P, I, I), 3);
    private static final MethodHandle CLOSE = errnoHandle("close", FunctionDescriptor.of(I, I));
    private static final MethodHandle READ = errnoHandle("read", FunctionDescriptor.of(J, I, P, J));
    private static final MethodHandle LSEEK = errnoHandle("lseek", FunctionDescriptor.of(J, I, J, I));
    // syscall(2) is variadic; every argument after the number is passed as a full register (long or pointer)
    private static final MethodHandle SYSCALL_GETDENTS = errnoHandle("syscall",
            FunctionDescriptor.of(J, J, J, P, J), 1);

    private static final class Writing {
        static final MethodHandle WRITE = errnoHandle("write", FunctionDescriptor.of(J, I, P, J));
        static final MethodHandle PWRITE = errnoHandle("pwrite", FunctionDescriptor.of(J, I, P, J, J));
        static final MethodHandle FTRUNCATE = errnoHandle("ftruncate", FunctionDescriptor.of(I, I, J));
        static final MethodHandle FSYNC = errnoHandle("fsync", FunctionDescriptor.of(I, I));
        static final MethodHandle SYNC_FILE_RANGE = errnoHandle("sync_file_range", FunctionDescriptor.of(I, I, J, J, I));
    }

    private static final class Control {
        /** fcntl(2) is variadic; its third argument here is an int. */
        static final MethodHandle FCNTL = errnoHandle("fcntl", FunctionDescriptor.of(I, I, I, I), 2);
        static final int F_GETFL = 3;
        static final int F_SETFL = 4;
    }

    private static final class Advice {
        /** posix_fadvise returns the error number instead of setting errno. */
        static final MethodHandle FADVISE = errnoHandle("posix_fadvise", FunctionDescriptor.of(I, I, J, J, I));
        static final int WILLNEED = 3;
    }

    private static final class Names {
        static final MethodHandle READLINK = errnoHandle("readlink", FunctionDescriptor.of(J, P, P, J));
        static final MethodHandle SYMLINK = errnoHandle("symlink", FunctionDescriptor.of(I, P, P));
        static final MethodHandle LINK = errnoHandle("link", FunctionDescriptor.of(I, P, P));
        static final MethodHandle RENAME = errnoHandle("rename", FunctionDescriptor.of(I, P, P));
        static final MethodHandle MKDIR = errnoHandle("mkdir", FunctionDescriptor.of(I, P, I));
        static final MethodHandle UNLINK = errnoHandle("unlink", FunctionDescriptor.of(I, P));
        static final MethodHandle RMDIR = errnoHandle("rmdir", FunctionDescriptor.of(I, P));
    }

    private static final class Metadata {
        static final MethodHandle LCHOWN = errnoHandle("lchown", FunctionDescriptor.of(I, P, I, I));
        static final MethodHandle CHMOD = errnoHandle("chmod", FunctionDescriptor.of(I, P, I));
        static final MethodHandle UTIMENSAT = errnoHandle("utimensat", FunctionDescriptor.of(I, I, P, P, I));
        static final MethodHandle FCHOWN = errnoHandle("fchown", FunctionDescriptor.of(I, I, I, I));
        static final MethodHandle FCHMOD = errnoHandle("fchmod", FunctionDescriptor.of(I, I, I));
        static final MethodHandle FUTIMENS = errnoHandle("futimens", FunctionDescriptor.of(I, I, P));
        /** syscall(number, dirfd, path, a, b): mknodat and fchmodat2. */
        static final MethodHandle SYSCALL_PATH_2 = errnoHandle("syscall", FunctionDescriptor.of(J, J, J, P, J, J), 1);
    }

    private static final class Xattrs {
        static final MethodHandle LLISTXATTR = errnoHandle("llistxattr", FunctionDescriptor.of(J, P, P, J));
        static final MethodHandle LGETXATTR = errnoHandle("lgetxattr", FunctionDescriptor.of(J, P, P, P, J));
        static final MethodHandle LSETXATTR = errnoHandle("lsetxattr", FunctionDescriptor.of(I, P, P, P, J, I));
        static final MethodHandle LREMOVEXATTR = errnoHandle("lremovexattr", FunctionDescriptor.of(I, P, P));
        static final MethodHandle FSETXATTR = errnoHandle("fsetxattr", FunctionDescriptor.of(I, I, P, P, J, I));
    }

    private static final class Ids {
        static final MethodHandle GETEUID = plainHandle("geteuid", FunctionDescriptor.of(I));
    }

    private static final class ErrorText {
        static final MethodHandle NEWLOCALE = plainHandle("newlocale", FunctionDescriptor.of(P, I, P, P));
        static final MethodHandle STRERROR_L = plainHandle("strerror_l", FunctionDescriptor.of(P, I, P));
        static final MemorySegment C_LOCALE = cLocale();
        static final String[] CACHE = new String[256];

        private static MemorySegment cLocale() {
            try {
                MemorySegment c = Arena.global().allocateFrom("C");
                return (MemorySegment) NEWLOCALE.invokeExact(LC_MESSAGES_MASK, c, MemorySegment.NULL);
            } catch (Throwable t) {
                return MemorySegment.NULL;
            }
        }
    }

    private static volatile boolean fchmodat2Missing;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Posix() {
    }

    // ---------------------------------------------------------------- stat

    /** The entry at {@code path} itself (a symlink is described, not followed). */
    public static Stat lstat(byte[] path) {
        Scratch s = SCRATCH.get();
        return statx(s, AT_FDCWD, s.path0(path), AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, "lstat", path);
    }

    /** The entry {@code path} leads to, following symlinks. */
    public static Stat stat(byte[] path) {
        Scratch s = SCRATCH.get();
        return statx(s, AT_FDCWD, s.path0(path), AT_NO_AUTOMOUNT, "stat", path);
    }

    /** The entry an open descriptor refers to. */
    public static Stat fstat(int fd) {
        Scratch s = SCRATCH.get();
        return statx(s, fd, s.emptyPath(), AT_EMPTY_PATH, "fstat", null);
    }

    /**
     * The entry {@code name} in the directory open as {@code dirFd}, not following a symlink. Saves the
     * kernel resolving a full path for every entry of a directory.
     */
    public static Stat lstatAt(int dirFd, byte[] name) {
        Scratch s = SCRATCH.get();
        return statx(s, dirFd, s.path0(name), AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, "lstat", name);
    }

    private static Stat statx(Scratch s, int dirFd, MemorySegment path, int flags, String op, byte[] shown) {
        MemorySegment buf = s.statx;
        int r;
        try {
            r = (int) STATX.invokeExact(s.capture, dirFd, path, flags, STATX_BASIC_STATS, buf);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r != 0) {
            throw new FsException(op, shown, s.errno());
        }
        // struct statx: the same layout on every architecture (include/uapi/linux/stat.h)
        int rawMode = Short.toUnsignedInt(buf.get(S, 28));
        FileType type = FileType.ofMode(rawMode);
        if (type == null) {
            throw new FsException(FsException.EINVAL, shown == null ? op : op + " " + BytePaths.display(shown),
                    "unknown file type 0" + Integer.toOctalString(rawMode & S_IFMT));
        }
        return new Stat(type, rawMode & PERMISSION_BITS,
                Integer.toUnsignedLong(buf.get(I, 20)), // stx_uid
                Integer.toUnsignedLong(buf.get(I, 24)), // stx_gid
                buf.get(J, 40), // stx_size
                buf.get(J, 48), // stx_blocks
                buf.get(J, 32), // stx_ino
                makedev(Integer.toUnsignedLong(buf.get(I, 136)), Integer.toUnsignedLong(buf.get(I, 140))),
                Integer.toUnsignedLong(buf.get(I, 128)), // stx_rdev_major
                Integer.toUnsignedLong(buf.get(I, 132)), // stx_rdev_minor
                Integer.toUnsignedLong(buf.get(I, 16)), // stx_nlink
                buf.get(J, 112), buf.get(I, 120), // stx_mtime
                buf.get(J, 96), buf.get(I, 104), // stx_ctime
                buf.get(J, 64), buf.get(I, 72)); // stx_atime
    }

    // ---------------------------------------------------------------- device numbers

    /** glibc's 64-bit {@code dev_t} encoding of a major and minor number (gnu_dev_makedev). */
    public static long makedev(long major, long minor) {
        return ((major & 0x00000fffL) << 8) | ((major & 0xfffff000L) << 32)
                | (minor & 0x000000ffL) | ((minor & 0xffffff00L) << 12);
    }

    /** The major number of a glibc {@code dev_t}. */
    public static long major(long dev) {
        return ((dev >>> 8) & 0x00000fffL) | ((dev >>> 32) & 0xfffff000L);
    }

    /** The minor number of a glibc {@code dev_t}. */
    public static long minor(long dev) {
        return (dev & 0x000000ffL) | ((dev >>> 12) & 0xffffff00L);
    }

    // ---------------------------------------------------------------- directories

    /**
     * The names in a directory (following symlinks to it), without {@code .} and {@code ..}, sorted
     * bytewise as unsigned bytes.
     */
    public static List<byte[]> listDir(byte[] dir) {
        int fd = openNoAtime(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, "list directory");
        try {
            return readNames(fd, dir);
        } finally {
            closeQuietly(fd);
        }
    }

    /**
     * The names in the directory open as {@code dirFd}, read from the descriptor's current position,
     * without {@code .} and {@code ..}, sorted bytewise as unsigned bytes. The descriptor stays open.
     */
    public static List<byte[]> listDir(int dirFd) {
        return readNames(dirFd, null);
    }

    private static List<byte[]> readNames(int fd, byte[] shown) {
        Scratch s = SCRATCH.get();
        MemorySegment buf = s.io(DIRENT_BUFFER);
        List<byte[]> names = new ArrayList<>();
        while (true) {
            long n;
            try {
                n = (long) SYSCALL_GETDENTS.invokeExact(s.capture, SYS_GETDENTS64, (long) fd, buf, (long) DIRENT_BUFFER);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (n < 0) {
                int e = s.errno();
                if (e == FsException.EINTR) {
                    continue;
                }
                throw new FsException("list directory", shown, e);
            }
            if (n == 0) {
                break;
            }
            // struct linux_dirent64: d_ino u64 @0, d_off s64 @8, d_reclen u16 @16, d_type u8 @18, d_name @19
            for (long at = 0; at < n; ) {
                int reclen = Short.toUnsignedInt(buf.get(S, at + 16));
                long nameAt = at + 19;
                long end = at + reclen;
                long z = nameAt;
                while (z < end && buf.get(B, z) != 0) {
                    z++;
                }
                int len = (int) (z - nameAt);
                boolean dot = len <= 2 && buf.get(B, nameAt) == '.' && (len == 1 || buf.get(B, nameAt + 1) == '.');
                if (!dot && len > 0) {
                    byte[] name = new byte[len];
                    MemorySegment.copy(buf, B, nameAt, name, 0, len);
                    names.add(name);
                }
                at = end;
            }
        }
        names.sort(Arrays::compareUnsigned);
        return names;
    }

    // ---------------------------------------------------------------- opening and closing

    /**
     * Opens a file (or block device) for reading: never through a final symlink (ELOOP instead), without
     * updating its access time where permitted (O_NOATIME needs ownership or CAP_FOWNER; otherwise the
     * file is opened normally), and non-blocking, so that a FIFO put in place of a file after it was
     * examined fails to read (EAGAIN) instead of hanging the caller. For regular files and block
     * devices O_NONBLOCK changes nothing.
     */
    public static int openRead(byte[] path) {
        return openNoAtime(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, "open");
    }

    /** Opens a directory (not through a final symlink) for {@link #listDir(int)}, {@link #lstatAt} or fsync. */
    public static int openDir(byte[] path) {
        return openNoAtime(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, "open directory");
    }

    /** Opens a directory, following symlinks (for the root of a walk). */
    static int openDirFollowing(byte[] path) {
        return openNoAtime(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, "open directory");
    }

    /** Opens an existing file or device for writing, without creating or truncating it. */
    public static int openWrite(byte[] path) {
        return open(path, O_WRONLY | O_CLOEXEC, 0, "open for writing");
    }

    /**
     * Opens a block device for writing, exclusively: Linux refuses (EBUSY) a device that is mounted or that
     * another program holds open exclusively. Follows symlinks (/dev/mapper/…, /dev/disk/by-id/…). What was
     * opened is checked on the descriptor: anything but a block device (a link changed meanwhile) is closed
     * and refused with ENOTBLK. O_NONBLOCK keeps a FIFO put there from blocking the open; for a block device
     * it changes nothing.
     */
    public static int openDeviceExclusive(byte[] path) {
        int fd = open(path, O_WRONLY | O_CLOEXEC | O_EXCL | O_NONBLOCK, 0, "open for writing");
        Stat st;
        try {
            st = fstat(fd);
        } catch (FsException e) {
            close(fd);
            throw e;
        }
        if (st.fileType() != FileType.BLOCK_DEVICE) {
            close(fd);
            throw new FsException("open for writing", path, FsException.ENOTBLK);
        }
        return fd;
    }

    /**
     * Creates (or, unless {@code exclusive}, opens) a file for writing, never through a final symlink.
     *
     * @param mode permission bits for a new file, reduced by the umask
     * @param exclusive fail with EEXIST if anything exists at {@code path}
     * @param truncate empty an existing file
     */
    public static int createFile(byte[] path, int mode, boolean exclusive, boolean truncate) {
        int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (exclusive ? O_EXCL : 0) | (truncate ? O_TRUNC : 0);
        return open(path, flags, mode & PERMISSION_BITS, "create");
    }

    private static int openNoAtime(byte[] path, int flags, String op) {
        Scratch s = SCRATCH.get();
        MemorySegment p = s.path0(path);
        int fd = openat(s, p, flags | O_NOATIME, 0);
        if (fd < 0 && s.errno() == FsException.EPERM) {
            fd = openat(s, p, flags, 0);
        }
        if (fd < 0) {
            throw new FsException(op, path, s.errno());
        }
        return fd;
    }

    private static int open(byte[] path, int flags, int mode, String op) {
        Scratch s = SCRATCH.get();
        int fd = openat(s, s.path0(path), flags, mode);
        if (fd < 0) {
            throw new FsException(op, path, s.errno());
        }
        return fd;
    }

    /** openat(AT_FDCWD, …), retried on EINTR (opening a FIFO or a slow device can be interrupted). */
    private static int openat(Scratch s, MemorySegment path, int flags, int mode) {
        try {
            while (true) {
                int fd = (int) OPENAT.invokeExact(s.capture, AT_FDCWD, path, flags, mode);
                if (fd >= 0 || s.errno() != FsException.EINTR) {
                    return fd;
                }
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Closes a descriptor. EINTR is not an error: Linux has released the descriptor by then, and
     * retrying could close one another thread just opened.
     */
    public static void close(int fd) {
        Scratch s = SCRATCH.get();
        int r;
        try {
            r = (int) CLOSE.invokeExact(s.capture, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r != 0 && s.errno() != FsException.EINTR) {
            throw new FsException("close", null, s.errno());
        }
    }

    private static void closeQuietly(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(SCRATCH.get().capture, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------- reading and writing

    /**
     * Reads up to {@code len} bytes into a native segment; returns how many, 0 at end of file. One
     * read(2) call (retried on EINTR), so it may return fewer bytes than asked for.
     */
    public static int read(int fd, MemorySegment buf, long len) {
        if (len < 0 || len > buf.byteSize()) {
            throw new IndexOutOfBoundsException("length " + len + " of a " + buf.byteSize() + "-byte segment");
        }
        return readNative(SCRATCH.get(), fd, buf, Math.min(len, Integer.MAX_VALUE));
    }

    /**
     * Reads up to {@code len} bytes into {@code b} at {@code off}; returns how many, 0 at end of file (or
     * when {@code len} is 0). One read(2) of at most 1 MiB through a per-thread native buffer.
     *
     * <p>Reading straight into the array as a critical call with heap access is about a fifth faster from
     * the page cache (9.7 against 7.7 GB/s in 1 MiB reads), but a critical call keeps its thread counted
     * as running Java code, so a read stuck on slow storage (NFS, FUSE, a failing disk) would hold up
     * every safepoint and garbage collection of the process. The copy is far cheaper than the hashing,
     * compression and encryption that follow.
     */
    public static int read(int fd, byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        Scratch s = SCRATCH.get();
        int want = Math.min(len, COPY_CHUNK);
        MemorySegment buf = s.io(want);
        int n = readNative(s, fd, buf, want);
        MemorySegment.copy(buf, B, 0, b, off, n);
        return n;
    }

    private static int readNative(Scratch s, int fd, MemorySegment buf, long len) {
        try {
            while (true) {
                long n = (long) READ.invokeExact(s.capture, fd, buf, len);
                if (n >= 0) {
                    return (int) n;
                }
                int e = s.errno();
                if (e != FsException.EINTR) {
                    throw new FsException("read", null, e);
                }
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Writes all of {@code b[off, off+len)} at the descriptor's position. */
    public static void writeFully(int fd, byte[] b, int off, int len) {
        write(fd, b, off, len, -1);
    }

    /** Writes all of {@code b[off, off+len)} at {@code position}, leaving the descriptor's position alone. */
    public static void pwriteFully(int fd, byte[] b, int off, int len, long position) {
        if (position < 0) {
            throw new IllegalArgumentException("negative position " + position);
        }
        write(fd, b, off, len, position);
    }

    /**
     * Writes all of {@code src}, which must be native memory, at {@code position} (pwrite(2), repeated after
     * a short write or EINTR). No copy is made: with direct I/O ({@link #setDirectIo}) the device reads it
     * from there.
     */
    public static void pwriteFully(int fd, MemorySegment src, long position) {
        if (!src.isNative() || position < 0) {
            throw new IllegalArgumentException("pwrite needs native memory and a position >= 0");
        }
        writeNative(SCRATCH.get(), fd, src, src.byteSize(), position);
    }

    /**
     * Writes {@code buf[0..len)} whole: at {@code position} (pwrite) or, when it is negative, at the file's
     * offset (write); again after a short write or EINTR.
     */
    private static void writeNative(Scratch s, int fd, MemorySegment buf, long len, long position) {
        long done = 0;
        try {
            while (done < len) {
                MemorySegment from = buf.asSlice(done, len - done);
                long n = position < 0
                        ? (long) Writing.WRITE.invokeExact(s.capture, fd, from, len - done)
                        : (long) Writing.PWRITE.invokeExact(s.capture, fd, from, len - done, position + done);
                if (n < 0) {
                    int e = s.errno();
                    if (e == FsException.EINTR) {
                        continue;
                    }
                    throw new FsException("write", null, e);
                }
                if (n == 0) {
                    throw new FsException("write", null, FsException.EIO);
                }
                done += n;
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static void write(int fd, byte[] b, int off, int len, long position) {
        Objects.checkFromIndexSize(off, len, b.length);
        Scratch s = SCRATCH.get();
        MemorySegment buf = s.io(Math.min(Math.max(len, 1), COPY_CHUNK));
        try {
            while (len > 0) {
                int k = Math.min(len, COPY_CHUNK);
                MemorySegment.copy(b, off, buf, B, 0, k);
                writeNative(s, fd, buf, k, position);
                off += k;
                len -= k;
                if (position >= 0) {
                    position += k;
                }
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** lseek(2): the new offset. {@code whence} is one of the {@code SEEK_*} constants. */
    public static long lseek(int fd, long offset, int whence) {
        Scratch s = SCRATCH.get();
        long r;
        try {
            r = (long) LSEEK.invokeExact(s.capture, fd, offset, whence);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new FsException("seek", null, s.errno());
        }
        return r;
    }

    /**
     * The first offset at or after {@code from} holding data, or -1 when none does (only a hole follows,
     * or {@code from} is at or past the end). Where the file has no notion of holes, {@code from}.
     */
    public static long nextData(int fd, long from) {
        try {
            return lseek(fd, from, SEEK_DATA);
        } catch (FsException e) {
            return switch (e.errno()) {
                case FsException.ENXIO -> -1;
                case FsException.EINVAL -> from;
                default -> throw e;
            };
        }
    }

    /**
     * The first offset at or after {@code from} in a hole; the end of the file counts as one. -1 when
     * {@code from} is at or past the end; {@link Long#MAX_VALUE} where the file has no notion of holes
     * (callers bound the result by the size they know).
     */
    public static long nextHole(int fd, long from) {
        try {
            return lseek(fd, from, SEEK_HOLE);
        } catch (FsException e) {
            return switch (e.errno()) {
                case FsException.ENXIO -> -1;
                case FsException.EINVAL -> Long.MAX_VALUE;
                default -> throw e;
            };
        }
    }

    /** Sets the size; growing leaves a hole. */
    public static void ftruncate(int fd, long size) {
        Scratch s = SCRATCH.get();
        try {
            while ((int) Writing.FTRUNCATE.invokeExact(s.capture, fd, size) != 0) {
                if (s.errno() != FsException.EINTR) {
                    throw new FsException("truncate", null, s.errno());
                }
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Starts writing back the dirty pages of {@code [offset, offset+len)} without waiting for them
     * (sync_file_range(2) with SYNC_FILE_RANGE_WRITE): a later {@link #fsync} then has less left to wait for.
     * Only a hint: it makes nothing durable, and a file system that does not support it is ignored.
     */
    public static void startWriteback(int fd, long offset, long len) {
        Scratch s = SCRATCH.get();
        try {
            int ignored = (int) Writing.SYNC_FILE_RANGE.invokeExact(s.capture, fd, offset, len, 2);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The alignment that writes to a file with direct I/O keep here ({@link #setDirectIo}): their file
     * position, length and memory address are multiples of it. 4096 covers devices with 512- and
     * 4096-byte logical blocks; the writes of this class copy through memory aligned to it.
     */
    public static final int DIRECT_IO_ALIGNMENT = 4096;

    /**
     * Turns direct I/O (O_DIRECT) on or off for an open file: its writes then go from this process's memory
     * to the device without passing through the page cache, which costs no copy and leaves the cache to
     * others. Writes must then be aligned ({@link #DIRECT_IO_ALIGNMENT}); a file system that cannot do it
     * (tmpfs, some network file systems) keeps ordinary writes. Returns whether the file now has direct I/O.
     */
    public static boolean setDirectIo(int fd, boolean on) {
        Scratch s = SCRATCH.get();
        try {
            int flags = (int) Control.FCNTL.invokeExact(s.capture, fd, Control.F_GETFL, 0);
            if (flags < 0) {
                return false;
            }
            int wanted = on ? flags | O_DIRECT : flags & ~O_DIRECT;
            if (wanted != flags && (int) Control.FCNTL.invokeExact(s.capture, fd, Control.F_SETFL, wanted) != 0) {
                return (flags & O_DIRECT) != 0;
            }
            return on;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Asks the kernel to start reading the whole file into the page cache in the background
     * (posix_fadvise(2) with POSIX_FADV_WILLNEED), so that a read soon after finds it there. Only a hint:
     * a file that cannot be opened (missing, not a regular file, a symlink) or a kernel that ignores the
     * advice changes nothing, and nothing is reported.
     */
    public static void prefetch(byte[] path) {
        Scratch s = SCRATCH.get();
        int fd = openat(s, s.path0(path), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOATIME, 0);
        if (fd < 0 && s.errno() == FsException.EPERM) {
            fd = openat(s, s.path0(path), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
        }
        if (fd < 0) {
            return;
        }
        try {
            int ignored = (int) Advice.FADVISE.invokeExact(s.capture, fd, 0L, 0L, Advice.WILLNEED);
        } catch (Throwable t) {
            // only advice: nothing to report
        } finally {
            closeQuietly(fd);
        }
    }

    /** Flushes the file (or, for a directory descriptor, its entries) to stable storage. */
    public static void fsync(int fd) {
        Scratch s = SCRATCH.get();
        int r;
        try {
            r = (int) Writing.FSYNC.invokeExact(s.capture, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r != 0) {
            throw new FsException("fsync", null, s.errno());
        }
    }

    // ---------------------------------------------------------------- names

    /** The target of a symlink, as stored (raw bytes, not resolved). */
    public static byte[] readlink(byte[] path) {
        Scratch s = SCRATCH.get();
        MemorySegment p = s.path0(path);
        for (long size = PATH_MAX; ; size *= 4) {
            MemorySegment buf = s.io(size);
            long n;
            try {
                n = (long) Names.READLINK.invokeExact(s.capture, p, buf, size);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (n < 0) {
                throw new FsException("read symlink", path, s.errno());
            }
            if (n < size) {
                return buf.asSlice(0, n).toArray(B);
            }
            if (size >= (1 << 20)) {
                throw new FsException("read symlink", path, FsException.ENAMETOOLONG);
            }
        }
    }

    /** Creates {@code linkPath} as a symlink holding {@code target} (which need not exist). */
    public static void symlink(byte[] target, byte[] linkPath) {
        Scratch s = SCRATCH.get();
        int r;
        try {
            r = (int) Names.SYMLINK.invokeExact(s.capture, s.path0(target), s.path1(linkPath));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r != 0) {
            throw new FsException("create symlink", linkPath, s.errno());
        }
    }

    /** Creates {@code newPath} as a hard link to {@code existing} (a symlink is linked itself, not followed). */
    public static void link(byte[] existing, byte[] newPath) {
        Scratch s = SCRATCH.get();
        int r;
        try {
            r = (int) Names.LINK.invokeExact(s.capture, s.path0(existing), s.path1(newPath));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r != 0) {
            throw twoPaths("hard link", newPath, "to", existing, s.errno());
        }
    }

    /** Renames, replacing whatever {@code to} names (if the types allow). */
    public static void rename(byte[] from, byte[] to) {
        Scratch s = SCRATCH.get();
        int r;
        try {
            r = (int) Names.RENAME.invokeExact(s.capture, s.path0(from), s.path1(to));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r != 0) {
            throw twoPaths("rename", from, "to", to, s.errno());
        }
    }

    /** Creates a directory; {@code mode} is reduced by the umask. */
    public static void mkdir(byte[] path, int mode) {
        Scratch s = SCRATCH.get();
        int r;
        try {
            r = (int) Names.MKDIR.invokeExact(s.capture, s.path0(path), mode & PERMISSION_BITS);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r != 0) {
            throw new FsException("create directory", path, s.errno());
        }
    }

    /** Creates a FIFO; {@code mode} is reduced by the umask. */
    public static void mkfifo(byte[] path, int mode) {
        mknodat(path, S_IFIFO | (mode & PERMISSION_BITS), 0, "create FIFO");
    }

    /**
     * Creates a device node, FIFO or (unconnected) socket node. Device nodes need CAP_MKNOD. The kernel
     * takes major numbers up to 4095 and minor numbers up to 1048575; larger ones fail with EOVERFLOW.
     *
     * @param type CHAR_DEVICE, BLOCK_DEVICE, FIFO or SOCKET
     * @param mode permission bits, reduced by the umask
     */
    public static void mknod(byte[] path, FileType type, int mode, long major, long minor) {
        boolean device = type == FileType.CHAR_DEVICE || type == FileType.BLOCK_DEVICE;
        if (!device && type != FileType.FIFO && type != FileType.SOCKET) {
            throw new IllegalArgumentException("mknod cannot create a " + type);
        }
        if (device && (major < 0 || major > 0xfff || minor < 0 || minor > 0xfffff)) {
            throw new FsException("create device node", path, FsException.EOVERFLOW);
        }
        // the kernel's 32-bit encoding is glibc's 64-bit one cut to 32 bits, given the bounds above
        long dev = device ? makedev(major, minor) : 0;
        mknodat(path, type.modeBits() | (mode & PERMISSION_BITS), dev, device ? "create device node" : "create "
                + type.name().toLowerCase(Locale.ROOT));
    }

    /**
     * mknodat(2) as a system call: glibc before 2.33 exports no mknod or mknodat symbol (only
     * {@code __xmknod}), so this works across the supported glibc versions.
     */
    private static void mknodat(byte[] path, int mode, long dev, String op) {
        Scratch s = SCRATCH.get();
        long r;
        try {
            r = (long) Metadata.SYSCALL_PATH_2.invokeExact(s.capture, SYS_MKNODAT, (long) AT_FDCWD, s.path0(path),
                    Integer.toUnsignedLong(mode), dev);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r != 0) {
            throw new FsException(op, path, s.errno());
        }
    }

    /** Removes a non-directory. */
    public static void unlink(byte[] path) {
        Scratch s = SCRATCH.get();
        int r;
        try {
            r = (int) Names.UNLINK.invokeExact(s.capture, s.path0(path));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r != 0) {
            throw new FsException("remove", path, s.errno());
        }
    }

    /** Removes an empty directory. */
    public static void rmdir(byte[] path) {
        Scratch s = SCRATCH.get();
        int r;
        try {
            r = (int) Names.RMDIR.invokeExact(s.capture, s.path0(path));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r != 0) {
            throw new FsException("remove directory", path, s.errno());
        }
    }

    // ---------------------------------------------------------------- metadata

    /**
     * Sets owner and group of the entry itself (a symlink is changed, not its target). Either may be -1
     * to leave it unchanged. Changing the owner needs CAP_CHOWN; the kernel clears set-uid and set-gid
     * bits of files whose owner changes, so restore calls this before {@link #chmod}.
     */
    public static void lchown(byte[] path, long uid, long gid) {
        checkId("uid", uid);
        checkId("gid", gid);
        Scratch s = SCRATCH.get();
        int r;
        try {
            r = (int) Metadata.LCHOWN.invokeExact(s.capture, s.path0(path), (int) uid, (int) gid);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r != 0) {
            throw new FsException("change owner of", path, s.errno());
        }
    }

    /**
     * {@link #lchown} of an open file ({@code path} names it in errors). A restore sets a new file's metadata
     * through its descriptor: no path lookup, and nothing swapped in at the path meanwhile is touched.
     */
    public static void fchown(int fd, long uid, long gid, byte[] path) {
        checkId("uid", uid);
        checkId("gid", gid);
        Scratch s = SCRATCH.get();
        int r;
        try {
            r = (int) Metadata.FCHOWN.invokeExact(s.capture, fd, (int) uid, (int) gid);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r != 0) {
            throw new FsException("change owner of", path, s.errno());
        }
    }

    /** Sets the permission bits ({@code mode & 07777}) of an open file ({@code path} names it in errors). */
    public static void fchmod(int fd, int mode, byte[] path) {
        Scratch s = SCRATCH.get();
        int r;
        try {
            r = (int) Metadata.FCHMOD.invokeExact(s.capture, fd, mode & PERMISSION_BITS);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r != 0) {
            throw new FsException("change mode of", path, s.errno());
        }
    }

    /** {@link #setTimes(byte[], long, int, long, int, boolean)} of an open file (futimens(3)). */
    public static void setTimes(int fd, long atimeSec, int atimeNsec, long mtimeSec, int mtimeNsec, byte[] path) {
        Scratch s = SCRATCH.get();
        MemorySegment ts = s.times(atimeSec, atimeNsec, mtimeSec, mtimeNsec);
        int r;
        try {
            r = (int) Metadata.FUTIMENS.invokeExact(s.capture, fd, ts);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r != 0) {
            throw new FsException("set times of", path, s.errno());
        }
    }

    private static void checkId(String what, long id) {
        if (id != -1 && (id < 0 || id >= 0xffffffffL)) {
            throw new IllegalArgumentException(what + " out of range: " + id);
        }
    }

    /**
     * Sets the permission bits ({@code mode & 07777}) of the entry itself, never of a symlink's target.
     * A symlink is left alone: Linux ignores (and on most filesystems cannot store) symlink permissions.
     * Uses fchmodat2(2) with AT_SYMLINK_NOFOLLOW on Linux 6.6 and later; on older kernels it pins the
     * entry with an O_PATH descriptor, checks its type and changes it through /proc/self/fd, so a
     * symlink swapped in meanwhile cannot redirect the change; without /proc it falls back to chmod(2)
     * after checking the type.
     */
    public static void chmod(byte[] path, int mode) {
        Scratch s = SCRATCH.get();
        MemorySegment p = s.path0(path);
        long bits = mode & PERMISSION_BITS;
        if (!fchmodat2Missing) {
            long r;
            try {
                r = (long) Metadata.SYSCALL_PATH_2.invokeExact(s.capture, SYS_FCHMODAT2, (long) AT_FDCWD, p, bits,
                        (long) AT_SYMLINK_NOFOLLOW);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (r == 0) {
                return;
            }
            int e = s.errno();
            if (e == FsException.ENOTSUP && lstat(path).fileType() == FileType.SYMLINK) {
                return;
            }
            if (e == FsException.ENOSYS) {
                fchmodat2Missing = true;
            } else if (e == FsException.EPERM) {
                // a real refusal, or a seccomp filter refusing system calls it does not know: the
                // second way tells which, as it fails the same way only for a real one
                chmodByDescriptor(s, path, (int) bits);
                fchmodat2Missing = true;
                return;
            } else {
                throw new FsException("change mode of", path, e);
            }
        }
        chmodByDescriptor(s, path, (int) bits);
    }

    /** For tests: whether {@link #chmod} uses the path for kernels without fchmodat2. */
    static void useLegacyChmod(boolean legacy) {
        fchmodat2Missing = legacy;
    }

    private static void chmodByDescriptor(Scratch s, byte[] path, int mode) {
        int fd = openat(s, s.path0(path), O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd < 0) {
            throw new FsException("change mode of", path, s.errno());
        }
        try {
            if (fstat(fd).fileType() == FileType.SYMLINK) {
                return;
            }
            MemorySegment proc = s.path1(BytePaths.of("/proc/self/fd/" + fd));
            int r = (int) Metadata.CHMOD.invokeExact(s.capture, proc, mode);
            if (r != 0 && s.errno() == FsException.ENOENT) {
                r = (int) Metadata.CHMOD.invokeExact(s.capture, s.path0(path), mode); // no /proc mounted
            }
            if (r != 0) {
                throw new FsException("change mode of", path, s.errno());
            }
        } catch (Throwable t) {
            throw rethrow(t);
        } finally {
            closeQuietly(fd);
        }
    }

    /**
     * Sets access and modification time to the nanosecond (utimensat(2)). With {@code noFollow} a
     * symlink's own times are set. A nanosecond field may be {@link #UTIME_NOW} or {@link #UTIME_OMIT}.
     */
    public static void setTimes(byte[] path, long atimeSec, int atimeNsec, long mtimeSec, int mtimeNsec,
            boolean noFollow) {
        Scratch s = SCRATCH.get();
        MemorySegment ts = s.times(atimeSec, atimeNsec, mtimeSec, mtimeNsec);
        int r;
        try {
            r = (int) Metadata.UTIMENSAT.invokeExact(s.capture, AT_FDCWD, s.path0(path), ts, noFollow ? AT_SYMLINK_NOFOLLOW : 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r != 0) {
            throw new FsException("set times of", path, s.errno());
        }
    }

    // ---------------------------------------------------------------- extended attributes

    /**
     * The names of the entry's extended attributes of every namespace the caller may see (not following
     * a symlink), sorted bytewise; empty where the filesystem has none (ENOTSUP).
     */
    public static List<byte[]> listXattrs(byte[] path) {
        Scratch s = SCRATCH.get();
        MemorySegment p = s.path0(path);
        long size = XATTR_LIST_MAX;
        while (true) {
            MemorySegment buf = s.io(size);
            long n;
            try {
                n = (long) Xattrs.LLISTXATTR.invokeExact(s.capture, p, buf, size);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (n < 0) {
                int e = s.errno();
                if (e == FsException.ENOTSUP) {
                    return List.of();
                }
                if (e == FsException.ERANGE) { // longer than Linux allows today; ask for the size
                    size = Math.max(size * 2, probe(s, () -> (long) Xattrs.LLISTXATTR.invokeExact(s.capture, p,
                            MemorySegment.NULL, 0L), "list extended attributes of", path));
                    continue;
                }
                throw new FsException("list extended attributes of", path, e);
            }
            if (n == 0) {
                return List.of();
            }
            List<byte[]> names = new ArrayList<>();
            long start = 0;
            for (long i = 0; i < n; i++) {
                if (buf.get(B, i) == 0) {
                    if (i > start) {
                        names.add(buf.asSlice(start, i - start).toArray(B));
                    }
                    start = i + 1;
                }
            }
            names.sort(Arrays::compareUnsigned);
            return names;
        }
    }

    /** The value of one extended attribute (not following a symlink). ENODATA if there is none. */
    public static byte[] getXattr(byte[] path, byte[] name) {
        Scratch s = SCRATCH.get();
        MemorySegment p = s.path0(path);
        MemorySegment nm = s.path1(name);
        long size = XATTR_SIZE_MAX;
        while (true) {
            MemorySegment buf = s.io(size);
            long n;
            try {
                n = (long) Xattrs.LGETXATTR.invokeExact(s.capture, p, nm, buf, size);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (n >= 0) {
                return buf.asSlice(0, n).toArray(B);
            }
            int e = s.errno();
            if (e != FsException.ERANGE) {
                throw new FsException("read extended attribute " + BytePaths.display(name) + " of", path, e);
            }
            size = Math.max(size * 2, probe(s, () -> (long) Xattrs.LGETXATTR.invokeExact(s.capture, p, nm,
                    MemorySegment.NULL, 0L), "read extended attribute " + BytePaths.display(name) + " of", path));
        }
    }

    /** Sets (creating or replacing) one extended attribute of the entry itself. */
    public static void setXattr(byte[] path, byte[] name, byte[] value) {
        Scratch s = SCRATCH.get();
        MemorySegment v = s.io(Math.max(1, value.length));
        MemorySegment.copy(value, 0, v, B, 0, value.length);
        int r;
        try {
            r = (int) Xattrs.LSETXATTR.invokeExact(s.capture, s.path0(path), s.path1(name), v, (long) value.length, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r != 0) {
            throw new FsException("set extended attribute " + BytePaths.display(name) + " of", path, s.errno());
        }
    }

    /** {@link #setXattr(byte[], byte[], byte[])} of an open file ({@code path} names it in errors). */
    public static void setXattr(int fd, byte[] name, byte[] value, byte[] path) {
        Scratch s = SCRATCH.get();
        MemorySegment v = s.io(Math.max(1, value.length));
        MemorySegment.copy(value, 0, v, B, 0, value.length);
        int r;
        try {
            r = (int) Xattrs.FSETXATTR.invokeExact(s.capture, fd, s.path1(name), v, (long) value.length, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r != 0) {
            throw new FsException("set extended attribute " + BytePaths.display(name) + " of", path, s.errno());
        }
    }

    /** Removes one extended attribute of the entry itself. ENODATA if there is none. */
    public static void removeXattr(byte[] path, byte[] name) {
        Scratch s = SCRATCH.get();
        int r;
        try {
            r = (int) Xattrs.LREMOVEXATTR.invokeExact(s.capture, s.path0(path), s.path1(name));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r != 0) {
            throw new FsException("remove extended attribute " + BytePaths.display(name) + " of", path, s.errno());
        }
    }

    /**
     * Whether the filesystem holding {@code path} has extended attributes at all. (A filesystem that has
     * them may still refuse a namespace: tmpfs before Linux 6.6 refuses {@code user.*}.)
     */
    public static boolean xattrsSupported(byte[] path) {
        Scratch s = SCRATCH.get();
        MemorySegment p = s.path0(path);
        long n;
        try {
            n = (long) Xattrs.LLISTXATTR.invokeExact(s.capture, p, MemorySegment.NULL, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (n >= 0) {
            return true;
        }
        if (s.errno() == FsException.ENOTSUP) {
            return false;
        }
        throw new FsException("list extended attributes of", path, s.errno());
    }

    @FunctionalInterface
    private interface SizeCall {
        long call() throws Throwable;
    }

    private static long probe(Scratch s, SizeCall call, String op, byte[] path) {
        long n;
        try {
            n = call.call();
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (n < 0) {
            throw new FsException(op, path, s.errno());
        }
        return n;
    }

    // ---------------------------------------------------------------- process

    /** The effective user id (0 for root). */
    public static long geteuid() {
        try {
            return Integer.toUnsignedLong((int) Ids.GETEUID.invokeExact());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The process's file mode creation mask, read from {@code /proc/self/status} (which, unlike umask(2),
     * does not change it); -1 where the kernel does not show it.
     */
    public static int umask() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("Umask:")) {
                    return Integer.parseInt(line.substring(6).trim(), 8) & 0777;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // no procfs, or a format this does not know: unknown
        }
        return -1;
    }

    /** The C library's English description of an error number, whatever the process locale. */
    static String strerror(int errno) {
        boolean cacheable = errno >= 0 && errno < ErrorText.CACHE.length;
        if (cacheable) {
            String cached = ErrorText.CACHE[errno];
            if (cached != null) {
                return cached;
            }
        }
        String text;
        try {
            if (ErrorText.C_LOCALE.equals(MemorySegment.NULL)) {
                text = "error " + errno;
            } else {
                MemorySegment m = (MemorySegment) ErrorText.STRERROR_L.invokeExact(errno, ErrorText.C_LOCALE);
                text = m.equals(MemorySegment.NULL) ? "error " + errno : m.reinterpret(1024).getString(0);
            }
        } catch (Throwable t) {
            text = "error " + errno;
        }
        if (cacheable) {
            ErrorText.CACHE[errno] = text; // a racy but benign cache of immutable strings
        }
        return text;
    }

    // ---------------------------------------------------------------- plumbing

    private static FsException twoPaths(String op, byte[] a, String word, byte[] b, int errno) {
        return new FsException(errno, op + " " + BytePaths.display(a) + " " + word + " " + BytePaths.display(b),
                strerror(errno));
    }

    private static MethodHandle errnoHandle(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd, Linker.Option.captureCallState("errno"));
    }

    private static MethodHandle errnoHandle(String name, FunctionDescriptor fd, int firstVariadic) {
        return LINKER.downcallHandle(symbol(name), fd, Linker.Option.captureCallState("errno"),
                Linker.Option.firstVariadicArg(firstVariadic));
    }

    private static MethodHandle plainHandle(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd);
    }

    private static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("C library function " + name + " not found"));
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }

    /**
     * Per-thread native memory reused by every call: errno capture, the statx buffer, the timespec pair,
     * two NUL-terminated path slots and a growable buffer for data. A call uses it only between entry
     * and return and calls nothing that uses it meanwhile except in sequence, so nothing is shared.
     * Segments come from automatic arenas and are freed by the garbage collector with the thread.
     */
    private static final class Scratch {
        private static final long CAPTURE_AT = 0;
        private static final long STATX_AT = 64;
        private static final long TIMES_AT = STATX_AT + 256;
        private static final long PATH0_AT = 512;
        private static final long PATH1_AT = PATH0_AT + PATH_MAX;
        private static final long SIZE = PATH1_AT + PATH_MAX;

        final MemorySegment capture;
        final MemorySegment statx;
        final MemorySegment times;
        private final MemorySegment path0;
        private final MemorySegment path1;
        private MemorySegment io = MemorySegment.NULL;

        Scratch() {
            if (CAPTURE.byteSize() > STATX_AT) {
                throw new IllegalStateException("errno capture state larger than expected");
            }
            MemorySegment base = Arena.ofAuto().allocate(SIZE, 4096);
            capture = base.asSlice(CAPTURE_AT, CAPTURE.byteSize());
            statx = base.asSlice(STATX_AT, 256);
            times = base.asSlice(TIMES_AT, 32);
            path0 = base.asSlice(PATH0_AT, PATH_MAX);
            path1 = base.asSlice(PATH1_AT, PATH_MAX);
        }

        int errno() {
            return (int) ERRNO.get(capture, 0L);
        }

        /** The two timespecs (access, modification) for utimensat and futimens. */
        MemorySegment times(long atimeSec, int atimeNsec, long mtimeSec, int mtimeNsec) {
            times.set(J, 0, atimeSec);
            times.set(J, 8, atimeNsec);
            times.set(J, 16, mtimeSec);
            times.set(J, 24, mtimeNsec);
            return times;
        }

        MemorySegment path0(byte[] path) {
            return cString(path0, path);
        }

        MemorySegment path1(byte[] path) {
            return cString(path1, path);
        }

        MemorySegment emptyPath() {
            path0.set(B, 0, (byte) 0);
            return path0;
        }

        /** The data buffer, at least {@code size} bytes; its contents are not kept when it grows. */
        MemorySegment io(long size) {
            if (io.byteSize() < size) {
                long n = Math.max(size, Math.min(Math.max(io.byteSize() * 2, 65536), COPY_CHUNK));
                io = Arena.ofAuto().allocate(n, 4096);
            }
            return io;
        }

        private static MemorySegment cString(MemorySegment slot, byte[] s) {
            for (byte b : s) {
                if (b == 0) {
                    throw new FsException(FsException.EINVAL, "use path " + BytePaths.display(s),
                            "contains a NUL byte");
                }
            }
            MemorySegment m = s.length < slot.byteSize() ? slot : Arena.ofAuto().allocate(s.length + 1L);
            MemorySegment.copy(s, 0, m, B, 0, s.length);
            m.set(B, s.length, (byte) 0);
            return m;
        }
    }
}
