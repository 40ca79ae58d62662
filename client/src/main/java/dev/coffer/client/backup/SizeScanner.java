package dev.coffer.client.backup;

import dev.coffer.client.fs.BytePaths;
import dev.coffer.client.fs.FileType;
import dev.coffer.client.fs.FsException;
import dev.coffer.client.fs.Posix;
import dev.coffer.client.fs.Stat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Adds up the content size of the sources on a background thread while the backup runs, so progress can
 * show a percentage and an ETA. Metadata only; it reads no file.
 */
final class SizeScanner {
    private SizeScanner() {
    }

    static Thread start(List<ArchiveSpec> archives, Excludes excludes, AtomicLong result) {
        return Thread.ofPlatform().daemon().name("coffer-scan").start(() -> {
            long total = 0;
            for (ArchiveSpec a : archives) {
                try {
                    byte[] p = BytePaths.of(a.source());
                    Stat st = Posix.stat(p);
                    if (a.isImage()) {
                        total += st.fileType() == FileType.FILE ? st.size() : 0;
                    } else {
                        total += walk(p, new byte[0], st.dev(), excludes);
                    }
                } catch (FsException e) {
                    // the backup itself reports unreadable sources
                }
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
            }
            result.set(total);
        });
    }

    private static long walk(byte[] dir, byte[] rel, long dev, Excludes excludes) {
        long total = 0;
        List<byte[]> names;
        try {
            names = Posix.listDir(dir);
        } catch (FsException e) {
            return 0;
        }
        for (byte[] name : names) {
            byte[] childRel = rel.length == 0 ? name : BytePaths.join(rel, name);
            if (!excludes.isEmpty() && excludes.excluded(BytePaths.display(childRel))) {
                continue;
            }
            byte[] child = BytePaths.join(dir, name);
            try {
                Stat st = Posix.lstat(child);
                if (st.fileType() == FileType.FILE) {
                    total += st.size();
                } else if (st.fileType() == FileType.DIRECTORY && st.dev() == dev) {
                    total += walk(child, childRel, dev, excludes);
                }
            } catch (FsException e) {
                // skipped here as in the backup
            }
            if (Thread.currentThread().isInterrupted()) {
                return total;
            }
        }
        return total;
    }
}
