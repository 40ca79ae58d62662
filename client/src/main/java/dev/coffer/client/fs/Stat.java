package dev.coffer.client.fs;

/** What statx(2) says of one entry. {@code mode} holds only the permission bits ({@code & 07777}). */
public record Stat(FileType fileType, int mode, long uid, long gid, long size, long blocks, long inode, long dev,
        long rdevMajor, long rdevMinor, long nlink, long mtimeSec, int mtimeNsec, long ctimeSec, int ctimeNsec) {
}
