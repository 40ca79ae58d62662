package dev.coffer.client.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coffer.client.fs.BytePaths;
import dev.coffer.core.chunking.ChunkStream;
import dev.coffer.core.chunking.FixedChunker;
import dev.coffer.core.format.ArchiveEntry;
import dev.coffer.core.format.ArchiveReader;
import dev.coffer.core.format.FileEntry;
import dev.coffer.core.format.HardlinkEntry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archiver against a walk that read its directories before the files changed. */
class DirArchiverTest {
    @TempDir
    Path tmp;

    @Test
    void filesChangedOrReplacedAfterTheWalkStatedThemAreStoredAsTheyAreRead() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("grown"), "short");
        Files.writeString(src.resolve("replaced"), "the old file, linked twice");
        Files.createLink(src.resolve("replaced-link"), src.resolve("replaced"));
        Files.writeString(src.resolve("steady"), "unchanged");

        TreeScanner scanner = TreeScanner.start(BytePaths.of(src), new Excludes(List.of()));
        // wait until the walk has read and stat'ed everything (the tree is far smaller than what it may hold ahead)
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("coffer-walk") && t.isAlive())) {
            assertThat(System.nanoTime()).as("the walk ends").isLessThan(deadline);
            Thread.sleep(5);
        }
        // now, after the walk's stat and before the archiver reads: a file grows, another is replaced by rename
        Files.writeString(src.resolve("grown"), " and then much longer", StandardOpenOption.APPEND);
        Files.writeString(tmp.resolve("new"), "a new file with other contents");
        Files.move(tmp.resolve("new"), src.resolve("replaced"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);

        ByteArrayOutputStream payloadBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream metaBytes = new ByteArrayOutputStream();
        ChunkStream payload = new ChunkStream(new FixedChunker(1 << 16), (d, n) -> payloadBytes.write(d, 0, n));
        ChunkStream meta = new ChunkStream(new FixedChunker(1 << 16), (d, n) -> metaBytes.write(d, 0, n));
        List<String> warnings = new ArrayList<>();
        BackupStats stats = new BackupStats();
        long size;
        try (scanner) {
            size = new DirArchiver(payload, meta, stats, warnings::add).run(scanner);
        }
        payload.finish();
        meta.finish();
        assertThat(warnings).isEmpty();
        Map<String, ArchiveEntry> entries = new TreeMap<>();
        for (ArchiveEntry e : ArchiveReader.readAll(metaBytes.toByteArray(), size)) {
            entries.put(new String(e.path(), StandardCharsets.UTF_8), e);
        }
        byte[] stream = payloadBytes.toByteArray();
        for (String name : List.of("grown", "replaced", "steady")) {
            FileEntry f = (FileEntry) entries.get(name);
            byte[] now = Files.readAllBytes(src.resolve(name));
            byte[] stored = java.util.Arrays.copyOfRange(stream, (int) f.payloadOffset(), (int) (f.payloadOffset() + f.size()));
            assertThat(new String(stored, StandardCharsets.UTF_8)).as(name).isEqualTo(new String(now, StandardCharsets.UTF_8));
            assertThat(f.sha256()).as(name).isEqualTo(MessageDigest.getInstance("SHA-256").digest(now));
            assertThat(f.meta().inode()).as(name).isEqualTo((long) Files.getAttribute(src.resolve(name), "unix:ino"));
        }
        // the link still names the old inode: it must not become a hard link to the new file at "replaced"
        assertThat(entries.get("replaced-link")).isInstanceOf(FileEntry.class).isNotInstanceOf(HardlinkEntry.class);
        assertThat(new String(Files.readAllBytes(src.resolve("replaced-link")), StandardCharsets.UTF_8))
                .isEqualTo("the old file, linked twice");
    }
}
