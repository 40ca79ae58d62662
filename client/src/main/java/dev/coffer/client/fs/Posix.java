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

/**
 * The few libc calls that java.nio lacks (raw byte paths, statx, xattrs of every namespace, mknod,
 * utimensat on symlinks, lchown, SEEK_DATA/SEEK_HOLE), bound with the Foreign Function and Memory API.
 * Linux with glibc, 64-bit (x86_64 or aarch64). Every failure is an {@link FsException} with the errno.
 */
public final class Posix {
    public static final int SEEK_SET = 0;
    public static final int SEEK_END = 2;
    public static final int SEEK_DATA = 3;
    public static final int SEEK_HOLE = 4;

    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final boolean AARCH64 = System.getProperty("os.arch", "").contains("aarch64");
    private static final int O_WRONLY = 1;
    private static final int O_CREAT = 0100;
    private static final int O_EXCL = 0200;
    private static final int O_TRUNC = 01000;
    private static final int O_NOFOLLOW = AARCH64 ? 0100000 : 0400000;
    private static final int O_DIRECTORY = AARCH64 ? 040000 : 0200000;
    private static final int O_NOATIME = 01000000;
    private static final int O_CLOEXEC = 02000000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong J = ValueLayout.JAVA_LONG;
    private static final ValueLayout P = ValueLayout.ADDRESS;

    private static final MethodHandle STATX = h("statx", FunctionDescriptor.of(I, I, P, I, I, P));
    private static final MethodHandle OPEN = LINKER.downcallHandle(LIBC.find("open").orElseThrow(),
            FunctionDescriptor.of(I, P, I, I), Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = h("close", FunctionDescriptor.of(I, I));
    private static final MethodHandle READ = h("read", FunctionDescriptor.of(J, I, P, J));
    private static final MethodHandle WRITE = h("write", FunctionDescriptor.of(J, I, P, J));
    private static final MethodHandle PWRITE = h("pwrite", FunctionDescriptor.of(J, I, P, J, J));
    private static final MethodHandle LSEEK = h("lseek", FunctionDescriptor.of(J, I, J, I));
    private static final MethodHandle FTRUNCATE = h("ftruncate", FunctionDescriptor.of(I, I, J));
    private static final MethodHandle FSYNC = h("fsync", FunctionDescriptor.of(I, I));
    private static final MethodHandle OPENDIR = h("opendir", FunctionDescriptor.of(P, P));
    private static final MethodHandle READDIR = h("readdir", FunctionDescriptor.of(P, P));
    private static final MethodHandle CLOSEDIR = h("closedir", FunctionDescriptor.of(I, P));
    private static final MethodHandle READLINK = h("readlink", FunctionDescriptor.of(J, P, P, J));
    private static final MethodHandle SYMLINK = h("symlink", FunctionDescriptor.of(I, P, P));
    private static final MethodHandle LINK = h("link", FunctionDescriptor.of(I, P, P));
    private static final MethodHandle MKDIR = h("mkdir", FunctionDescriptor.of(I, P, I));
    private static final MethodHandle MKNOD = h("mknod", FunctionDescriptor.of(I, P, I, J));
    private static final MethodHandle UNLINK = h("unlink", FunctionDescriptor.of(I, P));
    private static final MethodHandle RMDIR = h("rmdir", FunctionDescriptor.of(I, P));
    private static final MethodHandle RENAME = h("rename", FunctionDescriptor.of(I, P, P));
    private static final MethodHandle LCHOWN = h("lchown", FunctionDescriptor.of(I, P, I, I));
    private static final MethodHandle CHMOD = h("chmod", FunctionDescriptor.of(I, P, I));
    private static final MethodHandle UTIMENSAT = h("utimensat", FunctionDescriptor.of(I, I, P, P, I));
    private static final MethodHandle LLISTXATTR = h("llistxattr", FunctionDescriptor.of(J, P, P, J));
    private static final MethodHandle LGETXATTR = h("lgetxattr", FunctionDescriptor.of(J, P, P, P, J));
    private static final MethodHandle LSETXATTR = h("lsetxattr", FunctionDescriptor.of(I, P, P, P, J, I));
    private static final MethodHandle LREMOVEXATTR = h("lremovexattr", FunctionDescriptor.of(I, P, P));
    private static final MethodHandle GETEUID = LINKER.downcallHandle(LIBC.find("geteuid").orElseThrow(),
            FunctionDescriptor.of(I));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LIBC.find("strerror").orElseThrow(),
            FunctionDescriptor.of(P, I));

    private static final int IO_BUFFER = 1 << 20;
    private static final ThreadLocal<MemorySegment> BUFFERS = ThreadLocal.withInitial(
            () -> Arena.ofAuto().allocate(IO_BUFFER, 4096));

    private Posix() {
    }

    private static MethodHandle h(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name)), fd,
                Linker.Option.captureCallState("errno"));
    }

    private static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    private static MemorySegment cstr(Arena a, byte[] s) {
        MemorySegment m = a.allocate(s.length + 1L);
        MemorySegment.copy(s, 0, m, ValueLayout.JAVA_BYTE, 0, s.length);
        m.set(ValueLayout.JAVA_BYTE, s.length, (byte) 0);
        return m;
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

    // ------------------------------------------------------------------ stat

    public static Stat lstat(byte[] path) {
        return statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, "lstat");
    }

    public static Stat stat(byte[] path) {
        return statx(AT_FDCWD, path, 0, "stat");
    }

    public static Stat fstat(int fd) {
        return statx(fd, new byte[0], AT_EMPTY_PATH, "fstat");
    }

    private static Stat statx(int dirfd, byte[] path, int flags, String op) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            MemorySegment buf = a.allocate(256, 8);
            int r = (int) STATX.invokeExact(cap, dirfd, cstr(a, path), flags, STATX_BASIC_STATS, buf);
            if (r != 0) {
                throw new FsException(op, dirfd == AT_FDCWD ? path : null, errno(cap));
            }
            int mode = Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT, 28));
            FileType type = switch (mode & 0170000) {
                case 0100000 -> FileType.FILE;
                case 0040000 -> FileType.DIRECTORY;
                case 0120000 -> FileType.SYMLINK;
                case 0010000 -> FileType.FIFO;
                case 0020000 -> FileType.CHAR_DEVICE;
                case 0060000 -> FileType.BLOCK_DEVICE;
                default -> FileType.SOCKET;
            };
            long dev = (Integer.toUnsignedLong(buf.get(I, 136)) << 32) | Integer.toUnsignedLong(buf.get(I, 140));
            return new Stat(type, mode & 07777, Integer.toUnsignedLong(buf.get(I, 20)),
                    Integer.toUnsignedLong(buf.get(I, 24)), buf.get(J, 40), buf.get(J, 48), buf.get(J, 32), dev,
                    Integer.toUnsignedLong(buf.get(I, 128)), Integer.toUnsignedLong(buf.get(I, 132)),
                    Integer.toUnsignedLong(buf.get(I, 16)), buf.get(J, 112), buf.get(I, 120), buf.get(J, 96),
                    buf.get(I, 104));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ------------------------------------------------------------------ directories

    /** Names in a directory except . and .., sorted bytewise. */
    public static List<byte[]> listDir(byte[] dir) {
        List<byte[]> names = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            MemorySegment d = (MemorySegment) OPENDIR.invokeExact(cap, cstr(a, dir));
            if (d.equals(MemorySegment.NULL)) {
                throw new FsException("list", dir, errno(cap));
            }
            try {
                while (true) {
                    // NULL is the end: readdir leaves errno alone then, so a captured errno would be stale
                    MemorySegment e = (MemorySegment) READDIR.invokeExact(cap, d);
                    if (e.equals(MemorySegment.NULL)) {
                        break;
                    }
                    MemorySegment ent = e.reinterpret(19 + 256);
                    int len = 0;
                    while (len < 256 && ent.get(ValueLayout.JAVA_BYTE, 19 + len) != 0) {
                        len++;
                    }
                    byte[] name = new byte[len];
                    MemorySegment.copy(ent, ValueLayout.JAVA_BYTE, 19, name, 0, len);
                    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.')) {
                        continue;
                    }
                    names.add(name);
                }
            } finally {
                int ignored = (int) CLOSEDIR.invokeExact(cap, d);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
        names.sort(Arrays::compareUnsigned);
        return names;
    }

    // ------------------------------------------------------------------ file descriptors

    /** Opens for reading, never following a symlink; avoids updating atime where permitted. */
    public static int openRead(byte[] path) {
        try {
            return open(path, O_NOFOLLOW | O_CLOEXEC | O_NOATIME, 0, "open");
        } catch (FsException e) {
            if (e.errno() != FsException.EPERM) {
                throw e;
            }
            return open(path, O_NOFOLLOW | O_CLOEXEC, 0, "open");
        }
    }

    public static int openDir(byte[] path) {
        return open(path, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, "open directory");
    }

    /** Opens an existing file or device for writing, without creating or truncating it. */
    public static int openWrite(byte[] path) {
        return open(path, O_WRONLY | O_CLOEXEC, 0, "open for writing");
    }

    public static int createFile(byte[] path, int mode, boolean exclusive, boolean truncate) {
        int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (exclusive ? O_EXCL : 0) | (truncate ? O_TRUNC : 0);
        return open(path, flags, mode, "create");
    }

    private static int open(byte[] path, int flags, int mode, String op) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(cap, cstr(a, path), flags, mode);
            if (fd < 0) {
                throw new FsException(op, path, errno(cap));
            }
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void close(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            int r = (int) CLOSE.invokeExact(cap, fd);
            if (r != 0 && errno(cap) != 4) {
                throw new FsException("close", null, errno(cap));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Reads up to len bytes; 0 at end of file. */
    public static int read(int fd, byte[] b, int off, int len) {
        MemorySegment buf = BUFFERS.get();
        int want = Math.min(len, IO_BUFFER);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            while (true) {
                long n = (long) READ.invokeExact(cap, fd, buf, (long) want);
                if (n < 0) {
                    if (errno(cap) == 4) {
                        continue;
                    }
                    throw new FsException("read", null, errno(cap));
                }
                MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, b, off, (int) n);
                return (int) n;
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void writeFully(int fd, byte[] b, int off, int len) {
        write(fd, b, off, len, -1);
    }

    public static void pwriteFully(int fd, byte[] b, int off, int len, long position) {
        write(fd, b, off, len, position);
    }

    private static void write(int fd, byte[] b, int off, int len, long position) {
        MemorySegment buf = BUFFERS.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            while (len > 0) {
                int k = Math.min(len, IO_BUFFER);
                MemorySegment.copy(b, off, buf, ValueLayout.JAVA_BYTE, 0, k);
                int done = 0;
                while (done < k) {
                    MemorySegment slice = buf.asSlice(done);
                    long n = position < 0 ? (long) WRITE.invokeExact(cap, fd, slice, (long) (k - done))
                            : (long) PWRITE.invokeExact(cap, fd, slice, (long) (k - done), position + done);
                    if (n < 0) {
                        if (errno(cap) == 4) {
                            continue;
                        }
                        throw new FsException("write", null, errno(cap));
                    }
                    done += (int) n;
                }
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

    public static long lseek(int fd, long offset, int whence) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            long r = (long) LSEEK.invokeExact(cap, fd, offset, whence);
            if (r < 0) {
                throw new FsException("seek", null, errno(cap));
            }
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The next offset holding data at or after {@code from}, or -1 when only a hole follows. */
    public static long nextData(int fd, long from) {
        try {
            return lseek(fd, from, SEEK_DATA);
        } catch (FsException e) {
            if (e.errno() == FsException.ENXIO) {
                return -1;
            }
            if (e.errno() == FsException.EINVAL) {
                return from; // no hole support here: all data
            }
            throw e;
        }
    }

    /** The next hole at or after {@code from} (the end of the file counts as one). */
    public static long nextHole(int fd, long from) {
        try {
            return lseek(fd, from, SEEK_HOLE);
        } catch (FsException e) {
            if (e.errno() == FsException.EINVAL) {
                return Long.MAX_VALUE;
            }
            throw e;
        }
    }

    public static void ftruncate(int fd, long size) {
        call1("truncate", null, c -> (int) FTRUNCATE.invokeExact(c, fd, size));
    }

    public static void fsync(int fd) {
        call1("fsync", null, c -> (int) FSYNC.invokeExact(c, fd));
    }

    // ------------------------------------------------------------------ names

    public static byte[] readlink(byte[] path) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            MemorySegment p = cstr(a, path);
            for (long size = 256; ; size *= 4) {
                MemorySegment buf = a.allocate(size);
                long n = (long) READLINK.invokeExact(cap, p, buf, size);
                if (n < 0) {
                    throw new FsException("readlink", path, errno(cap));
                }
                if (n < size) {
                    return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                }
                if (size > (1 << 20)) {
                    throw new FsException("readlink", path, FsException.ERANGE);
                }
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void symlink(byte[] target, byte[] linkPath) {
        call2("symlink", linkPath, target, linkPath, (c, x, y) -> (int) SYMLINK.invokeExact(c, x, y));
    }

    public static void link(byte[] existing, byte[] newPath) {
        call2("link", newPath, existing, newPath, (c, x, y) -> (int) LINK.invokeExact(c, x, y));
    }

    public static void rename(byte[] from, byte[] to) {
        call2("rename", from, from, to, (c, x, y) -> (int) RENAME.invokeExact(c, x, y));
    }

    public static void mkdir(byte[] path, int mode) {
        call1("mkdir", path, (c, p) -> (int) MKDIR.invokeExact(c, p, mode));
    }

    public static void mkfifo(byte[] path, int mode) {
        call1("mkfifo", path, (c, p) -> (int) MKNOD.invokeExact(c, p, 0010000 | (mode & 07777), 0L));
    }

    public static void mknod(byte[] path, FileType type, int mode, long major, long minor) {
        int t = switch (type) {
            case CHAR_DEVICE -> 0020000;
            case BLOCK_DEVICE -> 0060000;
            case FIFO -> 0010000;
            case SOCKET -> 0140000;
            default -> throw new IllegalArgumentException("mknod of " + type);
        };
        long dev = ((major & 0xfffL) << 8) | ((major & 0xfffff000L) << 32) | (minor & 0xffL) | ((minor & 0xffffff00L) << 12);
        call1("mknod", path, (c, p) -> (int) MKNOD.invokeExact(c, p, t | (mode & 07777), dev));
    }

    public static void unlink(byte[] path) {
        call1("unlink", path, (c, p) -> (int) UNLINK.invokeExact(c, p));
    }

    public static void rmdir(byte[] path) {
        call1("rmdir", path, (c, p) -> (int) RMDIR.invokeExact(c, p));
    }

    // ------------------------------------------------------------------ metadata

    public static void lchown(byte[] path, long uid, long gid) {
        call1("chown", path, (c, p) -> (int) LCHOWN.invokeExact(c, p, (int) uid, (int) gid));
    }

    /** chmod(2); it follows symlinks, so callers do not use it on them (Linux has no lchmod). */
    public static void chmod(byte[] path, int mode) {
        call1("chmod", path, (c, p) -> (int) CHMOD.invokeExact(c, p, mode & 07777));
    }

    public static void setTimes(byte[] path, long atimeSec, int atimeNsec, long mtimeSec, int mtimeNsec,
            boolean noFollow) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            MemorySegment ts = a.allocate(32, 8);
            ts.set(J, 0, atimeSec);
            ts.set(J, 8, atimeNsec);
            ts.set(J, 16, mtimeSec);
            ts.set(J, 24, mtimeNsec);
            int r = (int) UTIMENSAT.invokeExact(cap, AT_FDCWD, cstr(a, path), ts, noFollow ? AT_SYMLINK_NOFOLLOW : 0);
            if (r != 0) {
                throw new FsException("set times of", path, errno(cap));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Names of the extended attributes of an entry (not following symlinks); empty where unsupported. */
    public static List<byte[]> listXattrs(byte[] path) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            MemorySegment p = cstr(a, path);
            while (true) {
                long size = (long) LLISTXATTR.invokeExact(cap, p, MemorySegment.NULL, 0L);
                if (size < 0) {
                    if (errno(cap) == FsException.ENOTSUP) {
                        return List.of();
                    }
                    throw new FsException("list extended attributes of", path, errno(cap));
                }
                if (size == 0) {
                    return List.of();
                }
                MemorySegment buf = a.allocate(size);
                long n = (long) LLISTXATTR.invokeExact(cap, p, buf, size);
                if (n < 0) {
                    if (errno(cap) == FsException.ERANGE) {
                        continue;
                    }
                    throw new FsException("list extended attributes of", path, errno(cap));
                }
                List<byte[]> names = new ArrayList<>();
                byte[] all = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                int start = 0;
                for (int i = 0; i < all.length; i++) {
                    if (all[i] == 0) {
                        if (i > start) {
                            names.add(Arrays.copyOfRange(all, start, i));
                        }
                        start = i + 1;
                    }
                }
                names.sort(Arrays::compareUnsigned);
                return names;
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static byte[] getXattr(byte[] path, byte[] name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            MemorySegment p = cstr(a, path);
            MemorySegment nm = cstr(a, name);
            while (true) {
                long size = (long) LGETXATTR.invokeExact(cap, p, nm, MemorySegment.NULL, 0L);
                if (size < 0) {
                    throw new FsException("read extended attribute " + BytePaths.display(name) + " of", path, errno(cap));
                }
                MemorySegment buf = a.allocate(Math.max(1, size));
                long n = (long) LGETXATTR.invokeExact(cap, p, nm, buf, size);
                if (n < 0) {
                    if (errno(cap) == FsException.ERANGE) {
                        continue;
                    }
                    throw new FsException("read extended attribute " + BytePaths.display(name) + " of", path, errno(cap));
                }
                return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void setXattr(byte[] path, byte[] name, byte[] value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            MemorySegment v = a.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
            int r = (int) LSETXATTR.invokeExact(cap, cstr(a, path), cstr(a, name), v, (long) value.length, 0);
            if (r != 0) {
                throw new FsException("set extended attribute " + BytePaths.display(name) + " of", path, errno(cap));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void removeXattr(byte[] path, byte[] name) {
        call2("remove extended attribute " + BytePaths.display(name) + " of", path, path, name,
                (c, x, y) -> (int) LREMOVEXATTR.invokeExact(c, x, y));
    }

    public static long geteuid() {
        try {
            return Integer.toUnsignedLong((int) GETEUID.invokeExact());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            return "error " + errno;
        }
    }

    // ------------------------------------------------------------------ helpers

    @FunctionalInterface
    private interface Call0 {
        int call(MemorySegment cap) throws Throwable;
    }

    @FunctionalInterface
    private interface Call1 {
        int call(MemorySegment cap, MemorySegment path) throws Throwable;
    }

    @FunctionalInterface
    private interface Call2 {
        int call(MemorySegment cap, MemorySegment a, MemorySegment b) throws Throwable;
    }

    private static void call1(String op, byte[] shown, Call0 f) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            if (f.call(cap) != 0) {
                throw new FsException(op, shown, errno(cap));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static void call1(String op, byte[] path, Call1 f) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            if (f.call(cap, cstr(a, path)) != 0) {
                throw new FsException(op, path, errno(cap));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static void call2(String op, byte[] shown, byte[] x, byte[] y, Call2 f) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            if (f.call(cap, cstr(a, x), cstr(a, y)) != 0) {
                throw new FsException(op, shown, errno(cap));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
