package dev.coffer.client.fs;

/**
 * What statx(2) says of one entry.
 *
 * @param fileType the kind of entry
 * @param mode the permission bits including set-uid, set-gid and sticky ({@code st_mode & 07777})
 * @param uid owner, unsigned 32-bit
 * @param gid group, unsigned 32-bit
 * @param size bytes for files; target length for symlinks; filesystem-specific for directories
 * @param blocks 512-byte blocks allocated (less than {@code size / 512} for sparse files)
 * @param inode inode number, unique within {@code dev}
 * @param dev the device holding the entry, encoded like glibc's {@code st_dev} ({@link Posix#makedev});
 *     equal to Java's {@code unix:dev} attribute
 * @param rdevMajor for device nodes, the major number of the device they stand for (else 0)
 * @param rdevMinor for device nodes, the minor number
 * @param nlink hard link count
 * @param mtimeSec modification time, seconds since the epoch (negative before 1970)
 * @param mtimeNsec its nanoseconds, 0 to 999,999,999
 * @param ctimeSec inode change time, seconds since the epoch
 * @param ctimeNsec its nanoseconds
 * @param atimeSec access time, seconds since the epoch
 * @param atimeNsec its nanoseconds
 */
public record Stat(FileType fileType, int mode, long uid, long gid, long size, long blocks, long inode, long dev,
        long rdevMajor, long rdevMinor, long nlink, long mtimeSec, int mtimeNsec, long ctimeSec, int ctimeNsec,
        long atimeSec, int atimeNsec) {

    public boolean isFile() {
        return fileType == FileType.FILE;
    }

    public boolean isDirectory() {
        return fileType == FileType.DIRECTORY;
    }

    public boolean isSymlink() {
        return fileType == FileType.SYMLINK;
    }

    /** The full {@code st_mode}: type bits and permission bits. */
    public int rawMode() {
        return fileType.modeBits() | mode;
    }
}
