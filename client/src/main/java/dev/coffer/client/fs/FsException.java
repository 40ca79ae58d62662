package dev.coffer.client.fs;

import dev.coffer.core.CofferException;

/** A failed system call: the operation, the path (non-UTF-8 bytes escaped) and the system's reason. */
public final class FsException extends CofferException {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ENXIO = 6;
    public static final int EACCES = 13;
    public static final int EEXIST = 17;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ERANGE = 34;
    public static final int ENODATA = 61;
    public static final int ENOTSUP = 95;

    private final int errno;

    public FsException(String operation, byte[] path, int errno) {
        super(operation + (path == null ? "" : " " + BytePaths.display(path)) + ": " + Posix.strerror(errno));
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
