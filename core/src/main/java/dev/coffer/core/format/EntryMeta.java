package dev.coffer.core.format;

import java.util.List;

/** Metadata every archive entry has. {@code mode} holds the permission bits ({@code & 07777}). */
public record EntryMeta(int mode, long uid, long gid, long mtimeSec, int mtimeNsec, long ctimeSec, int ctimeNsec,
        long inode, List<Xattr> xattrs) {
    public EntryMeta {
        xattrs = List.copyOf(xattrs);
    }
}
