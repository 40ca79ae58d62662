package dev.coffer.store;

import dev.coffer.core.crypto.ChunkId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * A backup that stops half way and waits to be killed: used by {@link KilledWriterTest} as a separate
 * process. Arguments: datastore path, backup id, backup time. Prints {@code READY <temporary dir>} once
 * it has stored a chunk and written a file, then sleeps.
 */
public final class KillableWriterMain {
    private KillableWriterMain() {
    }

    public static void main(String[] args) throws Exception {
        Datastore store = Datastore.open(Path.of(args[0]));
        SnapshotWriter writer = store.beginSnapshot(new BackupGroup("", "host", args[1]), Instant.parse(args[2]));
        byte[] chunk = "chunk written by the killed backup".getBytes(StandardCharsets.UTF_8);
        ChunkId id = ChunkStoreTest.idOf(chunk);
        store.insertChunk(id, chunk, 0, chunk.length);
        writer.writeFile("docs.cfar.payload.cidx", new byte[] {1, 2, 3});
        Path groupDir = store.snapshotDir(writer.ref()).getParent();
        Path tmp;
        try (var entries = Files.list(groupDir)) {
            tmp = entries.filter(p -> p.getFileName().toString().startsWith(".tmp-")).findFirst().orElseThrow();
        }
        System.out.println("READY " + id.hex() + " " + tmp);
        System.out.flush();
        Thread.sleep(60_000);
        System.exit(3);
    }
}
