package dev.coffer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.DataKey;
import dev.coffer.core.format.Index;
import dev.coffer.core.keys.KeyFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DedupAndConfidentialityTest {
    @TempDir
    Path tmp;

    private Cli.Result ok(String... args) {
        Cli.Result r = Cli.run(args);
        assertThat(r.code()).as(r.toString()).isZero();
        return r;
    }

    /**
     * A key file holding a fixed key: chunk boundaries depend on the key, so with a new random key every run the
     * number of chunks a change touches would be a matter of chance.
     */
    private Path key() {
        Path k = tmp.resolve("key.json");
        if (!Files.exists(k)) {
            byte[] raw = Trees.random(4242, 32);
            try (DataKey dk = DataKey.fromBytesDangerous(raw)) {
                KeyFile.create(dk, null, null).write(k, false);
            }
        }
        return k;
    }

    @Test
    void encryptedDatastoreHoldsNoDistinctiveStringAndLooksRandom() throws Exception {
        Path src = tmp.resolve("src");
        Trees.everything(src);
        // a distinctive file name and symlink target as well
        Trees.write(src.resolve(Trees.DISTINCTIVE + ".txt"), "x".getBytes(StandardCharsets.UTF_8));
        Files.createSymbolicLink(src.resolve("to-secret"), Path.of("/srv/" + Trees.DISTINCTIVE));
        Path ds = tmp.resolve("ds");
        ok("backup", "s.cfar:" + src, "--repository", ds.toString(), "--keyfile", key().toString(), "--quiet");
        byte[] needle = Trees.DISTINCTIVE.getBytes(StandardCharsets.UTF_8);
        // 64 bytes from the middle of an incompressible file: stored verbatim unless encrypted
        byte[] needle2 = java.util.Arrays.copyOfRange(Files.readAllBytes(src.resolve("sub/deeper/random.bin")), 100_000,
                100_064);
        long[] freq = new long[256];
        long total = 0;
        for (Path f : Trees.allFiles(ds)) {
            byte[] b = Files.readAllBytes(f);
            assertThat(Trees.contains(b, needle)).as(f.toString()).isFalse();
            assertThat(Trees.contains(b, needle2)).as(f.toString()).isFalse();
            if (f.startsWith(ds.resolve(".chunks"))) {
                for (int i = 12 + 12; i < b.length - 16; i++) {
                    freq[b[i] & 0xff]++;
                    total++;
                }
            }
        }
        assertThat(total).isGreaterThan(1_000_000);
        double expected = total / 256.0;
        double chi2 = 0;
        for (long f : freq) {
            chi2 += (f - expected) * (f - expected) / expected;
        }
        // 255 degrees of freedom: mean 255, sd ~22.6; uniform bytes (fresh ones every run: the nonces are random)
        // exceed 450 with probability 6e-13, while 400 would fail 1 run in 60 million
        assertThat(chi2).as("chi-square of stored chunk bytes").isLessThan(450);

        // the same scan does find the string when nothing is encrypted, so the check above can fail
        Path plain = tmp.resolve("plain");
        ok("backup", "s.cfar:" + src, "--crypt-mode", "none", "--repository", plain.toString(), "--quiet");
        boolean found = false;
        for (Path f : Trees.allFiles(plain)) {
            found |= Trees.contains(Files.readAllBytes(f), needle2);
        }
        assertThat(found).isTrue();
    }

    @Test
    void unchangedSecondBackupGrowsTheDatastoreByLessThanOnePercent() throws Exception {
        Path src = tmp.resolve("src");
        Trees.everything(src);
        for (int i = 0; i < 50; i++) {
            Trees.write(src.resolve("many/f" + i), Trees.random(100 + i, 20_000 + i * 1000));
        }
        Path ds = tmp.resolve("ds");
        ok("backup", "s.cfar:" + src, "--repository", ds.toString(), "--keyfile", key().toString(), "--quiet");
        long before = Trees.sizeOf(ds);
        int chunksBefore = TamperTest.chunkFiles(ds).size();
        Cli.Result second = ok("backup", "s.cfar:" + src, "--repository", ds.toString(), "--keyfile", key().toString());
        long after = Trees.sizeOf(ds);
        assertThat(after - before).as("growth in bytes of " + before).isLessThan(before / 100);
        assertThat(TamperTest.chunkFiles(ds)).hasSize(chunksBefore);
        assertThat(second.out()).contains("new 0 B in 0 chunks");
    }

    @Test
    void hundredBytesInsertedIntoHundredMebibytesAddAtMostThreeChunks() throws Exception {
        Path src = tmp.resolve("src");
        byte[] data = Trees.random(77, 100 << 20);
        Trees.write(src.resolve("big.bin"), data);
        Path ds = tmp.resolve("ds");
        ok("backup", "s.cfar:" + src, "--repository", ds.toString(), "--keyfile", key().toString(), "--quiet");
        Set<ChunkId> first = payloadIds(ds);
        Set<Path> chunksBefore = new HashSet<>(TamperTest.chunkFiles(ds));
        byte[] changed = new byte[data.length + 100];
        int mid = data.length / 2;
        System.arraycopy(data, 0, changed, 0, mid);
        System.arraycopy(Trees.random(78, 100), 0, changed, mid, 100);
        System.arraycopy(data, mid, changed, mid + 100, data.length - mid);
        Files.write(src.resolve("big.bin"), changed);
        ok("backup", "s.cfar:" + src, "--repository", ds.toString(), "--keyfile", key().toString(), "--quiet");
        Set<ChunkId> second = payloadIds(ds);
        Set<ChunkId> added = new HashSet<>(second);
        added.removeAll(first);
        assertThat(added).as("new payload chunks").hasSizeLessThanOrEqualTo(3).isNotEmpty();
        Set<Path> newFiles = new HashSet<>(TamperTest.chunkFiles(ds));
        newFiles.removeAll(chunksBefore);
        // the new payload chunks plus the one meta chunk that records the file's new size
        assertThat(newFiles).hasSize(added.size() + 1);
    }

    /** Payload chunk ids of the newest snapshot. */
    private static Set<ChunkId> payloadIds(Path ds) throws Exception {
        List<Path> snaps;
        try (var s = Files.list(ds.resolve("host"))) {
            Path group = s.findFirst().orElseThrow();
            try (var t = Files.list(group)) {
                snaps = t.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
            }
        }
        Index idx = Index.parse(Files.readAllBytes(snaps.getLast().resolve("s.cfar.payload.cidx")));
        Set<ChunkId> ids = new HashSet<>();
        idx.forEachId(ids::add);
        return ids;
    }
}
