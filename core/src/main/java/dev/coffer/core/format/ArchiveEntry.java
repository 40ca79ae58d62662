package dev.coffer.core.format;

import java.util.List;

/**
 * One entry of a directory archive (design.md 6). Paths and other byte arrays are raw bytes, not copied:
 * treat them as immutable. Equality compares the arrays' contents.
 */
public sealed interface ArchiveEntry
        permits FileEntry, DirEntry, SymlinkEntry, HardlinkEntry, DeviceEntry, FifoEntry, SocketEntry {
    /** The path relative to the archive root, components joined by '/'; empty for the root. */
    byte[] path();

    EntryMeta meta();

    default int mode() {
        return meta().mode();
    }

    default long uid() {
        return meta().uid();
    }

    default long gid() {
        return meta().gid();
    }

    default long mtimeSec() {
        return meta().mtimeSec();
    }

    default int mtimeNsec() {
        return meta().mtimeNsec();
    }

    default long ctimeSec() {
        return meta().ctimeSec();
    }

    default int ctimeNsec() {
        return meta().ctimeNsec();
    }

    default long inode() {
        return meta().inode();
    }

    default List<Xattr> xattrs() {
        return meta().xattrs();
    }

    /** The path as text: UTF-8, with invalid bytes and control characters shown as {@code \xNN}. */
    default String displayPath() {
        return display(path());
    }

    /** Bytes as text: UTF-8, with invalid bytes and control characters shown as {@code \xNN}. */
    static String display(byte[] bytes) {
        return Entries.display(bytes);
    }
}
