package dev.coffer.client.backup;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of one backup, updated from several threads. */
public final class BackupStats {
    /**
     * Files and directories that exist but could not be read, so the snapshot lacks them (or, for a
     * directory, its contents). Not counted: entries that vanished while the backup ran.
     */
    public final AtomicLong unreadable = new AtomicLong();
    /** Bytes of file and image content read. */
    public final AtomicLong bytesRead = new AtomicLong();
    /** Bytes handed to the chunkers (content plus archive metadata). */
    public final AtomicLong streamBytes = new AtomicLong();
    public final AtomicLong chunks = new AtomicLong();
    public final AtomicLong newChunks = new AtomicLong();
    /** Plain bytes of chunks the repository did not have. */
    public final AtomicLong newBytes = new AtomicLong();
    /** Stored (compressed, encrypted) bytes of those chunks. */
    public final AtomicLong storedNewBytes = new AtomicLong();
    public final AtomicLong files = new AtomicLong();
    /** Files found unchanged by metadata change detection, and their bytes: not read. */
    public final AtomicLong unchangedFiles = new AtomicLong();
    public final AtomicLong unchangedBytes = new AtomicLong();
    public final AtomicLong directories = new AtomicLong();
    public final AtomicLong otherEntries = new AtomicLong();
    public final AtomicLong warnings = new AtomicLong();
    /** Total content bytes expected, found by a concurrent scan; -1 until known. */
    public final AtomicLong expectedBytes = new AtomicLong(-1);

    public long reusedBytes() {
        return Math.max(0, streamBytes.get() - newBytes.get());
    }
}
