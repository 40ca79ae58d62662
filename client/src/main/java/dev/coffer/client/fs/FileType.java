package dev.coffer.client.fs;

/** The kinds of filesystem entries Linux has (the {@code S_IFMT} part of a mode). */
public enum FileType {
    FILE, DIRECTORY, SYMLINK, FIFO, CHAR_DEVICE, BLOCK_DEVICE, SOCKET;

    /** The {@code S_IF*} bits of this type, as in {@code st_mode & S_IFMT}. */
    public int modeBits() {
        return switch (this) {
            case FILE -> Posix.S_IFREG;
            case DIRECTORY -> Posix.S_IFDIR;
            case SYMLINK -> Posix.S_IFLNK;
            case FIFO -> Posix.S_IFIFO;
            case CHAR_DEVICE -> Posix.S_IFCHR;
            case BLOCK_DEVICE -> Posix.S_IFBLK;
            case SOCKET -> Posix.S_IFSOCK;
        };
    }

    /** The type whose {@code S_IF*} bits {@code mode} holds, or null for none Linux knows. */
    public static FileType ofMode(int mode) {
        return switch (mode & Posix.S_IFMT) {
            case Posix.S_IFREG -> FILE;
            case Posix.S_IFDIR -> DIRECTORY;
            case Posix.S_IFLNK -> SYMLINK;
            case Posix.S_IFIFO -> FIFO;
            case Posix.S_IFCHR -> CHAR_DEVICE;
            case Posix.S_IFBLK -> BLOCK_DEVICE;
            case Posix.S_IFSOCK -> SOCKET;
            default -> null;
        };
    }
}
