package dev.coffer.client.fs;

import dev.coffer.core.CofferException;

/**
 * A failed system call. The message reads {@code "<operation> <path>: <reason>"}, the path shown with
 * {@link BytePaths#display} and the reason the C library's English text for the error number
 * (independent of the process locale). {@link #errno()} gives the number for callers that react to
 * particular errors; the constants below are the Linux values, identical on x86_64 and aarch64.
 */
public final class FsException extends CofferException {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int EBADF = 9;
    public static final int ENOTBLK = 15;
    public static final int EAGAIN = 11;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EXDEV = 18;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int EROFS = 30;
    public static final int EMLINK = 31;
    public static final int ERANGE = 34;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int ENOTEMPTY = 39;
    public static final int ELOOP = 40;
    public static final int ENODATA = 61;
    public static final int EOVERFLOW = 75;
    /** Also EOPNOTSUPP: the two are one number on Linux. */
    public static final int ENOTSUP = 95;
    public static final int EDQUOT = 122;
    public static final int ESTALE = 116;

    private final int errno;

    /**
     * @param operation what was attempted, e.g. {@code "open"} or {@code "read extended attribute user.x of"}
     * @param path the path it was attempted on, or null for calls on a file descriptor
     * @param errno the error number the call set
     */
    public FsException(String operation, byte[] path, int errno) {
        this(errno, path == null ? operation : operation + " " + BytePaths.display(path), Posix.strerror(errno));
    }

    /** A failure described by {@code subject} (operation and paths) and an explicit reason. */
    FsException(int errno, String subject, String reason) {
        super(subject + ": " + reason);
        this.errno = errno;
    }

    /** The error number, as in errno(3). */
    public int errno() {
        return errno;
    }
}
