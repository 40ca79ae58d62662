package dev.coffer.client.restore;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coffer.client.fs.BytePaths;
import dev.coffer.client.fs.Posix;
import dev.coffer.client.snapshot.OpenSnapshot;
import dev.coffer.core.CofferException;
import dev.coffer.core.format.ArchiveEntry;
import dev.coffer.core.format.ArchiveRef;
import dev.coffer.core.format.FileEntry;
import dev.coffer.core.format.Index;
import dev.coffer.store.Datastore;
import dev.coffer.store.SnapshotRef;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Consumer;

/**
 * A restore drill: the snapshot is restored for real into a scratch directory, then every restored file is
 * read back from disk and compared with the SHA-256 recorded (encrypted) at backup time; image archives are
 * re-chunked and compared chunk by chunk with their index. A verify proves the chunks are there; a drill
 * proves the data comes back.
 */
public final class Drill {
    public static final String STATE_FILE = "drill.json";

    public record Result(boolean passed, long files, long bytes, String error) {
    }

    private Drill() {
    }

    public static Result run(OpenSnapshot snap, Path scratch, Consumer<String> warnings) {
        long files = 0;
        long bytes = 0;
        try {
            for (ArchiveRef a : snap.body().archives()) {
                Path target = scratch.resolve(a.name());
                RestoreEngine.Stats stats = new RestoreEngine.Stats();
                try (RestoreEngine engine = new RestoreEngine(snap,
                        new RestoreEngine.Options(false, List.of(), Runtime.getRuntime().availableProcessors(), warnings), stats)) {
                    engine.restore(a.name(), BytePaths.of(target.toString()));
                }
                if (a.type().equals("image")) {
                    bytes += compareImage(snap, a, target);
                    files++;
                } else {
                    for (ArchiveEntry e : ArchiveContents.read(snap, a, ForkJoinPool.commonPool())) {
                        if (e instanceof FileEntry f) {
                            compareFile(a, f, BytePaths.join(BytePaths.of(target.toString()), f.path()));
                            files++;
                            bytes += f.size();
                        }
                    }
                }
            }
            return new Result(true, files, bytes, null);
        } catch (CofferException e) {
            return new Result(false, files, bytes, e.getMessage());
        }
    }

    private static void compareFile(ArchiveRef a, FileEntry f, byte[] path) {
        MessageDigest md = sha256();
        int fd = Posix.openRead(path);
        try {
            byte[] buf = new byte[1 << 20];
            long total = 0;
            for (int n; (n = Posix.read(fd, buf, 0, buf.length)) > 0;) {
                md.update(buf, 0, n);
                total += n;
            }
            if (total != f.size() || !MessageDigest.isEqual(md.digest(), f.sha256())) {
                throw new CofferException("archive " + a.name() + ", file " + f.displayPath()
                        + ": restored file differs from the checksum recorded at backup");
            }
        } finally {
            Posix.close(fd);
        }
    }

    private static long compareImage(OpenSnapshot snap, ArchiveRef a, Path file) {
        Index idx = snap.index(a, "image");
        try (var ch = java.nio.channels.FileChannel.open(file)) {
            byte[] buf = new byte[idx.fixedChunkSize()];
            for (int i = 0; i < idx.chunkCount(); i++) {
                int len = (int) (idx.end(i) - idx.start(i));
                java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(buf, 0, len);
                while (bb.hasRemaining() && ch.read(bb, idx.start(i) + bb.position()) > 0) {
                    // keep reading
                }
                if (bb.hasRemaining() || !snap.codec().idOf(buf, 0, len).equals(idx.id(i))) {
                    throw new CofferException("archive " + a.name() + ": restored image differs at offset " + idx.start(i));
                }
            }
            return idx.size();
        } catch (IOException e) {
            throw new CofferException("archive " + a.name() + ": cannot read the restored image: " + e.getMessage());
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Records the outcome with the snapshot ({@code drill.json}), for reports. The error text names a file, so it
     * is recorded only when {@code withError} (a local datastore): a server must not learn file names.
     */
    public static void record(dev.coffer.client.repo.Repository repo, SnapshotRef ref, Result r, boolean withError) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode o = json.createObjectNode();
        o.put("result", r.passed() ? "pass" : "fail");
        o.put("time", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        o.put("files", r.files());
        o.put("bytes", r.bytes());
        if (r.error() != null && withError) {
            o.put("error", r.error());
        }
        try {
            repo.writeSideFile(ref, STATE_FILE, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(o));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
