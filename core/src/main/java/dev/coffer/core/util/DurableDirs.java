package dev.coffer.core.util;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;

/**
 * Creates directories so that they survive a crash: each one created is fsynced into its parent. A key file
 * fsynced into a directory that itself was never made durable can vanish with that directory.
 */
public final class DurableDirs {
    private DurableDirs() {
    }

    /**
     * Creates {@code dir} and its missing parents, the new ones with {@code permissions} (null: the umask's
     * default), and fsyncs the parent of every directory created. Does nothing when {@code dir} exists.
     */
    public static void create(Path dir, Set<PosixFilePermission> permissions) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = abs; p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        while (!missing.isEmpty()) {
            Path p = missing.pop();
            try {
                if (permissions == null) {
                    Files.createDirectory(p);
                } else {
                    Files.createDirectory(p, PosixFilePermissions.asFileAttribute(permissions));
                }
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(p)) {
                    throw e;
                }
                continue; // made meanwhile by someone else, who makes it durable
            }
            fsync(p.getParent());
        }
    }

    /** fsyncs a directory; one on a file system that refuses to (some network ones) is let be. */
    public static void fsync(Path dir) {
        if (dir == null || !Files.isDirectory(dir)) {
            return;
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // the entries are written; only their durability could not be forced here
        }
    }
}
