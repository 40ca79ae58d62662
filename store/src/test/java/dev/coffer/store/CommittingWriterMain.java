package dev.coffer.store;

import dev.coffer.core.crypto.BlobCodec;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.format.ArchiveRef;
import dev.coffer.core.format.IndexRef;
import dev.coffer.core.format.IndexWriter;
import dev.coffer.core.format.Manifest;
import dev.coffer.core.format.ManifestBody;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * A backup in its own process that started two hours ago (its snapshot time) and stops in the middle of its
 * commit, where the directory fsync can take long: used by {@link GcDuringCommitTest}. Arguments: datastore
 * path, backup id. Stores three chunks last used an hour ago, writes an index listing them and a manifest,
 * then commits; with the group lock held and its writer lock file already gone, prints {@code COMMITTING
 * <ids>} and waits for a line on standard input before it renames the directory.
 */
public final class CommittingWriterMain {
    private CommittingWriterMain() {
    }

    public static void main(String[] args) throws Exception {
        BlobCodec plain = new BlobCodec(CryptMode.NONE, null);
        try (Datastore store = Datastore.open(Path.of(args[0]))) {
            Instant started = Instant.now().minusSeconds(7200);
            SnapshotWriter writer = store.beginSnapshot(new BackupGroup("", "host", args[1]), started);
            IndexWriter index = IndexWriter.fixed(CryptMode.NONE, 1000);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                byte[] data = ("chunk " + i + " of the committing backup ").repeat(40).getBytes(StandardCharsets.UTF_8);
                BlobCodec.Encoded e = plain.encodeChunk(data, 0, data.length);
                store.insertChunk(e.id(), e.blob(), 0, e.blob().length);
                Path file = store.root().resolve(".chunks").resolve(e.id().hex().substring(0, 4)).resolve(e.id().hex());
                Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(3600)));
                index.addFixed(e.id(), 1000);
                ids.add(e.id().hex());
            }
            byte[] idx = index.finish();
            String sha = dev.coffer.core.util.Hex.encode(java.util.Arrays.copyOfRange(idx, idx.length - 32, idx.length));
            writer.writeFile("disk.img.cidx", idx);
            ManifestBody body = new ManifestBody(1, "host", args[1], writer.ref().time(), CryptMode.NONE, null,
                    List.of(new ArchiveRef("disk.img", ArchiveRef.IMAGE,
                            List.of(new IndexRef("image", "disk.img.cidx", 3000L, sha)))),
                    4 << 20, false, new LinkedHashMap<>(), "test");
            writer.writeFile("manifest.cfm", Manifest.encode(body, Manifest::sha256Tag));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            SnapshotWriter.whileCommittingForTesting = () -> {
                System.out.println("COMMITTING " + String.join(" ", ids));
                System.out.flush();
                try {
                    in.readLine();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };
            writer.commit();
            ChunkId.parse(ids.get(0)); // the ids printed are valid
        }
        System.out.println("COMMITTED");
        System.out.flush();
    }
}
