package dev.coffer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.format.Index;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaintenanceTest {
    @TempDir
    Path tmp;
    Path ds;
    Path key;

    @BeforeEach
    void setUp() {
        ds = tmp.resolve("ds");
        key = tmp.resolve("key.json");
        ok("key", "create", "--kdf", "none", "--keyfile", key.toString());
    }

    private Cli.Result ok(String... args) {
        Cli.Result r = Cli.run(args);
        assertThat(r.code()).as(r.toString()).isZero();
        return r;
    }

    private String[] with(String... args) {
        String[] out = java.util.Arrays.copyOf(args, args.length + 4);
        out[args.length] = "--repository";
        out[args.length + 1] = ds.toString();
        out[args.length + 2] = "--keyfile";
        out[args.length + 3] = key.toString();
        return out;
    }

    private String[] repo(String... args) {
        String[] out = java.util.Arrays.copyOf(args, args.length + 2);
        out[args.length] = "--repository";
        out[args.length + 1] = ds.toString();
        return out;
    }

    private Path source(String name, long seed) throws Exception {
        Path src = tmp.resolve(name);
        Trees.write(src.resolve("data.bin"), Trees.random(seed, 400_000));
        Trees.write(src.resolve("note.txt"), ("note " + name).getBytes(StandardCharsets.UTF_8));
        return src;
    }

    private JsonNode snapshots() throws Exception {
        return new ObjectMapper().readTree(ok(repo("snapshots", "--output-format", "json")).out());
    }

    private Set<ChunkId> payloadIds(String snapshot) throws Exception {
        Path dir = ds.resolve(snapshot);
        Set<ChunkId> ids = new HashSet<>();
        Index.parse(Files.readAllBytes(dir.resolve("s.cfar.payload.cidx"))).forEachId(ids::add);
        return ids;
    }

    @Test
    void corruptChunkFailsExactlyTheSnapshotsThatUseItAndANewBackupHeals() throws Exception {
        Path a = source("a", 1);
        Path b = source("b", 2);
        ok(with("backup", "s.cfar:" + a, "--backup-id", "a", "--chunk-size", "64K", "--quiet"));
        ok(with("backup", "s.cfar:" + b, "--backup-id", "b", "--chunk-size", "64K", "--quiet"));
        JsonNode list = snapshots();
        String snapA = list.get(0).get("snapshot").asText();
        String snapB = list.get(1).get("snapshot").asText();
        Set<ChunkId> onlyA = payloadIds(snapA);
        onlyA.removeAll(payloadIds(snapB));
        ChunkId victim = onlyA.iterator().next();
        Path file = ds.resolve(".chunks").resolve(victim.hex().substring(0, 4)).resolve(victim.hex());
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(file, bytes);

        Cli.Result v = Cli.run(with("verify"));
        assertThat(v.code()).isEqualTo(1);
        assertThat(v.out()).contains("FAILED " + snapA).contains("ok     " + snapB).contains(victim.hex())
                .contains("CRC32C mismatch").contains("moved aside");
        assertThat(v.err()).contains("1 of 2 snapshots failed verification");
        assertThat(file).doesNotExist();
        assertThat(ds.resolve(".chunks/.bad")).isNotEmptyDirectory();
        list = snapshots();
        assertThat(list.get(0).get("verify").asText()).isEqualTo("failed");
        assertThat(list.get(1).get("verify").asText()).isEqualTo("ok");

        ok(with("backup", "s.cfar:" + a, "--backup-id", "a", "--chunk-size", "64K", "--quiet"));
        assertThat(file).exists();
        Cli.Result healed = ok(with("verify", snapA));
        assertThat(healed.out()).contains("ok     " + snapA);
        Cli.Result skip = ok(with("verify", "--outdated-after", "1"));
        assertThat(skip.out()).contains("skip   " + snapA).contains("skip   " + snapB);
    }

    @Test
    void verifyDecryptNeedsTheRightKey() throws Exception {
        Path a = source("a", 3);
        ok(with("backup", "s.cfar:" + a, "--quiet"));
        assertThat(ok(with("verify", "--decrypt")).out()).contains("verified 1 snapshots");
        Path other = tmp.resolve("other.json");
        ok("key", "create", "--kdf", "none", "--keyfile", other.toString());
        Cli.Result wrong = Cli.run("verify", "--decrypt", "--repository", ds.toString(), "--keyfile", other.toString());
        assertThat(wrong.code()).isEqualTo(1);
        assertThat(wrong.err()).contains("was made with key").contains(", this key is ");
    }

    @Test
    void drillPassesThenFailsNamingTheFile() throws Exception {
        Path a = source("a", 4);
        ok(with("backup", "s.cfar:" + a, "--backup-id", "a", "--chunk-size", "64K", "--quiet"));
        Cli.Result pass = ok(with("drill"));
        assertThat(pass.out()).contains("drill passed").contains("2 files");
        String snap = snapshots().get(0).get("snapshot").asText();
        assertThat(Files.readString(ds.resolve(snap).resolve("drill.json"))).contains("\"pass\"");
        // the first payload chunk, which starts with data.bin: any chunk could hold note.txt alone, whenever a
        // cut falls exactly at the end of data.bin (the key, and so the cuts, differ from run to run)
        ChunkId victim = Index.parse(Files.readAllBytes(ds.resolve(snap).resolve("s.cfar.payload.cidx"))).id(0);
        Path file = ds.resolve(".chunks").resolve(victim.hex().substring(0, 4)).resolve(victim.hex());
        byte[] bytes = Files.readAllBytes(file);
        bytes[20] ^= 1;
        Files.write(file, bytes);
        Cli.Result fail = Cli.run(with("drill", "host/a"));
        assertThat(fail.code()).isEqualTo(1);
        assertThat(fail.out()).contains("drill FAILED").contains("file data.bin");
        assertThat(Files.readString(ds.resolve(snap).resolve("drill.json"))).contains("\"fail\"").contains("data.bin");
        try (var s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(s.filter(p -> p.getFileName().toString().startsWith("coffer-drill-")).toList()).isEmpty();
        }
    }

    @Test
    void pruneThenGcFreesSpaceAndTheRestStillRestores() throws Exception {
        Path a = source("a", 5);
        for (int i = 0; i < 3; i++) {
            Trees.write(a.resolve("v" + i + ".bin"), Trees.random(100 + i, 300_000));
            ok(with("backup", "s.cfar:" + a, "--backup-id", "a", "--chunk-size", "64K", "--quiet"));
        }
        String oldest = snapshots().get(0).get("snapshot").asText();
        ok(repo("snapshot", "protect", oldest));
        Cli.Result refused = Cli.run(repo("snapshot", "forget", oldest));
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains("is protected");
        Cli.Result dry = ok(repo("prune", "host/a", "--keep-last", "1", "--dry-run"));
        assertThat(dry.out()).contains("keep   " + oldest + "  (protected)").contains("(keep-last)")
                .contains("(no rule keeps it)").contains("would remove 1 of 3");
        assertThat(snapshots()).hasSize(3);
        long before = Trees.sizeOf(ds);
        ok(repo("prune", "host/a", "--keep-last", "1"));
        assertThat(snapshots()).hasSize(2);
        // time passes: chunks written seconds ago are within the collector's clock slack
        try (var files = Files.walk(ds.resolve(".chunks"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(60)));
            }
        }
        Cli.Result gc = ok(repo("gc"));
        assertThat(gc.out()).containsPattern("removed [1-9][0-9]* chunks");
        assertThat(Trees.sizeOf(ds)).isLessThan(before);
        Cli.Result second = ok(repo("gc"));
        assertThat(second.out()).contains("removed 0 chunks").doesNotContain("note:");
        // a backup that began two hours ago and still runs holds back what was last used since: gc says so
        java.time.Instant twoHoursAgo = java.time.Instant.now().minusSeconds(7200).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        try (dev.coffer.store.Datastore store = dev.coffer.store.Datastore.open(ds);
                dev.coffer.store.SnapshotWriter w = store.beginSnapshot(new dev.coffer.store.BackupGroup("", "host", "slow"),
                        twoHoursAgo)) {
            assertThat(ok(repo("gc")).out()).contains("note: a backup running since " + twoHoursAgo + " (2 h) kept every "
                    + "chunk last used since it began from this collection; they go at one after it ends");
        }
        for (JsonNode s : snapshots()) {
            Path out = tmp.resolve("r-" + s.get("snapshot").asText().replace('/', '_').replace(':', '-'));
            ok(with("restore", s.get("snapshot").asText(), "s.cfar", out.toString(), "--quiet"));
        }
        assertThat(ok(with("verify")).out()).contains("verified 2 snapshots");
        assertThat(Cli.run(repo("prune", "host/a")).code()).isEqualTo(2);
        // a negative count is refused before anything is looked at (it used to keep nothing, and remove all)
        Cli.Result negative = Cli.run(repo("prune", "host/a", "--keep-last", "-1"));
        assertThat(negative.code()).isEqualTo(2);
        assertThat(negative.err()).contains("cannot be negative");
        assertThat(snapshots()).hasSize(2);
        // a group that has no snapshots is a mistake, not a prune with nothing to do
        Cli.Result typo = Cli.run(repo("prune", "host/aa", "--keep-last", "1"));
        assertThat(typo.code()).isEqualTo(1);
        assertThat(typo.err()).contains("no snapshots of group host/aa in ");
        ok(repo("snapshot", "unprotect", oldest));
        ok(repo("snapshot", "forget", oldest));
    }

    @Test
    void notesOfEncryptedSnapshotsAreEncrypted() throws Exception {
        Path a = source("a", 6);
        ok(with("backup", "s.cfar:" + a, "--quiet"));
        String text = "rotated the " + Trees.DISTINCTIVE + " credentials";
        ok(with("snapshot", "notes", "latest", "--set", text));
        assertThat(ok(with("snapshot", "notes", "latest")).out().trim()).isEqualTo(text);
        for (Path f : Trees.allFiles(ds)) {
            assertThat(Trees.contains(Files.readAllBytes(f), Trees.DISTINCTIVE.getBytes(StandardCharsets.UTF_8))).isFalse();
        }
    }
}
