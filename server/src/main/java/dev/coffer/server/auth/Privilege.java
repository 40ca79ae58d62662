package dev.coffer.server.auth;

/** What a role allows on a datastore path. */
public enum Privilege {
    /** List groups and snapshots of every owner, read status (no contents). */
    AUDIT,
    /** Read the files and chunks of every group. */
    READ,
    /** Create snapshots in groups the caller owns, and list and read those groups. */
    BACKUP,
    /** Forget, prune, protect, unprotect and annotate snapshots of every owner. */
    MODIFY,
    /** Run verify and garbage collection, and manage jobs. */
    MAINTAIN,
    /** Everything, on every datastore. */
    SYSTEM
}
