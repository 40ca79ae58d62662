package dev.coffer.core.format;

import java.util.List;
import java.util.Objects;

/**
 * Metadata every archive entry has (design.md 6). {@code mode} holds the permission bits
 * ({@code mode & 07777}); times are seconds since the epoch and nanoseconds (0 to 999,999,999); ctime and
 * inode serve change detection only. Extended attributes are sorted by name, bytewise.
 */
public record EntryMeta(int mode, long uid, long gid, long mtimeSec, int mtimeNsec, long ctimeSec, int ctimeNsec,
        long inode, List<Xattr> xattrs) {
    public EntryMeta {
        xattrs = List.copyOf(Objects.requireNonNull(xattrs, "xattrs"));
    }

    /** No extended attributes. */
    public EntryMeta(int mode, long uid, long gid, long mtimeSec, int mtimeNsec, long ctimeSec, int ctimeNsec,
            long inode) {
        this(mode, uid, gid, mtimeSec, mtimeNsec, ctimeSec, ctimeNsec, inode, List.of());
    }
}
