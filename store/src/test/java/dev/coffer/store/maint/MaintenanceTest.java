package dev.coffer.store.maint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coffer.core.crypto.BlobCodec;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.format.ArchiveRef;
import dev.coffer.core.format.IndexRef;
import dev.coffer.core.format.IndexWriter;
import dev.coffer.core.format.Manifest;
import dev.coffer.core.format.ManifestBody;
import dev.coffer.store.BackupGroup;
import dev.coffer.store.Datastore;
import dev.coffer.store.SnapshotRef;
import dev.coffer.store.SnapshotWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Garbage collection and keyless verify over snapshots of plain ({@code none} mode) chunks. */
class MaintenanceTest {
    private static final BlobCodec PLAIN = new BlobCodec(CryptMode.NONE, null);

    @TempDir
    Path tmp;
    Datastore ds;

    @BeforeEach
    void setUp() {
        ds = Datastore.create(tmp.resolve("ds"));
    }

    @AfterEach
    void tearDown() {
        ds.close();
    }

    private ChunkId store(String text) {
        byte[] data = text.repeat(50).getBytes(StandardCharsets.UTF_8);
        BlobCodec.Encoded e = PLAIN.encodeChunk(data, 0, data.length);
        ds.insertChunk(e.id(), e.blob(), 0, e.blob().length);
        return e.id();
    }

    private Path chunkFile(ChunkId id) {
        return ds.root().resolve(".chunks").resolve(id.hex().substring(0, 4)).resolve(id.hex());
    }

    private void age(ChunkId... ids) throws IOException {
        for (ChunkId id : ids) {
            Files.setLastModifiedTime(chunkFile(id), FileTime.from(Instant.now().minus(2, ChronoUnit.HOURS)));
        }
    }

    /** A snapshot with one image archive whose fixed index lists {@code ids} in order. */
    private SnapshotRef snapshot(String id, List<ChunkId> ids) {
        return snapshot(id, ids, CryptMode.NONE);
    }

    /** {@link #snapshot(String, List)} whose index and manifest claim crypt mode {@code mode}. */
    private SnapshotRef snapshot(String id, List<ChunkId> ids, CryptMode mode) {
        IndexWriter w = IndexWriter.fixed(mode, 1000);
        for (ChunkId c : ids) {
            w.addFixed(c, 1000);
        }
        byte[] index = w.finish();
        String sha = dev.coffer.core.util.Hex.encode(java.util.Arrays.copyOfRange(index, index.length - 32, index.length));
        try (SnapshotWriter sw = ds.beginSnapshot(new BackupGroup("", "host", id), Instant.now())) {
            sw.writeFile("disk.img.cidx", index);
            Map<String, Long> stats = new LinkedHashMap<>();
            ManifestBody body = new ManifestBody(1, "host", id, sw.ref().time(), mode, mode == CryptMode.NONE ? null
                    : dev.coffer.core.crypto.KeySet.derive(dev.coffer.core.crypto.DataKey.generate()).fingerprint(),
                    List.of(new ArchiveRef("disk.img", ArchiveRef.IMAGE,
                            List.of(new IndexRef("image", "disk.img.cidx", 1000L * ids.size(), sha)))),
                    4 << 20, false, stats, "test");
            sw.writeFile("manifest.cfm", Manifest.encode(body, Manifest::sha256Tag));
            return sw.commit();
        }
    }

    @Test
    void pruneHoldsFailedSnapshotsOutsideTheRulesAndGoesOnPastOneProtectedMeanwhile() throws IOException {
        ChunkId a = store("a");
        List<SnapshotRef> s = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            s.add(snapshot("p", List.of(a)));
        }
        BackupGroup g = s.get(0).group();
        // the newest failed its last verify: it cannot take keep-last's one slot from the newest good one
        ds.writeSnapshotSideFile(s.get(4), Verifier.STATE_FILE,
                "{\"state\":\"failed\",\"time\":\"2026-11-24T00:00:00Z\"}".getBytes(StandardCharsets.UTF_8));
        Prune.Rules lastOne = new Prune.Rules(1, 0, 0, 0, 0, 0);
        Prune.Result dry = Prune.run(ds, g, lastOne, java.time.ZoneOffset.UTC, true, gone -> { });
        assertThat(dry.plan()).extracting(d -> d.keep() ? d.reason() : "remove")
                .containsExactly("remove", "remove", "remove", "keep-last", Prune.FAILED_VERIFY);
        assertThat(dry.removed()).isZero();
        assertThat(ds.snapshots(g)).hasSize(5);
        // the real run: while it works, someone protects the second snapshot it is about to remove
        List<SnapshotRef> gone = new ArrayList<>();
        Prune.Result r = Prune.run(ds, g, lastOne, java.time.ZoneOffset.UTC, false, x -> {
            gone.add(x);
            if (x.equals(s.get(0))) {
                ds.writeSnapshotSideFile(s.get(1), Datastore.PROTECTED, new byte[0]);
            }
        });
        // it was not removed, the prune said why, and went on with the third
        assertThat(r.failures()).containsOnlyKeys(s.get(1));
        assertThat(r.failures().get(s.get(1))).contains("is protected; nothing was removed");
        assertThat(r.removed()).isEqualTo(2);
        assertThat(gone).containsExactly(s.get(0), s.get(2));
        assertThat(ds.snapshots(g)).containsExactly(s.get(1), s.get(3), s.get(4));
        // a failed snapshot whose indexes cannot be read restores nothing and would stop every collection: the
        // rules decide about it like any other
        SnapshotRef unreadable = snapshot("p", List.of(a));
        ds.writeSnapshotSideFile(unreadable, Verifier.STATE_FILE,
                "{\"state\":\"failed\",\"time\":\"2026-11-24T00:00:00Z\"}".getBytes(StandardCharsets.UTF_8));
        Path index = ds.root().resolve(unreadable.group().type()).resolve(unreadable.group().id())
                .resolve(unreadable.timeString()).resolve("disk.img.cidx");
        Files.write(index, new byte[] {1, 2, 3});
        Prune.Result after = Prune.run(ds, g, lastOne, java.time.ZoneOffset.UTC, true, x -> { });
        assertThat(after.plan()).extracting(d -> d.keep() ? d.reason() : "remove")
                .containsExactly("protected", "remove", Prune.FAILED_VERIFY, "keep-last");
        // negative counts are refused outright (one used to make every snapshot go)
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Prune.Rules(-1, 0, 0, 0, 0, 0))
                .hasMessageContaining("cannot be negative");
    }

    @Test
    void aVerifyThatDecryptsDoesNotSkipWhatOnlyAKeylessOneFoundOk() {
        ChunkId a = store("a");
        SnapshotRef s = snapshot("v", List.of(a));
        java.time.Duration week = java.time.Duration.ofDays(7);
        assertThat(new Verifier(ds, Verifier.KEYLESS).verify(s, week).skipped()).isFalse();
        // a keyless verify a moment ago does not stand for one that decrypts
        java.util.concurrent.atomic.AtomicInteger decrypted = new java.util.concurrent.atomic.AtomicInteger();
        Verifier.ChunkCheck withKey = (id, blob, mode) -> {
            decrypted.incrementAndGet();
            Verifier.KEYLESS.check(id, blob, mode);
        };
        Verifier.Outcome first = new Verifier(ds, withKey).verify(s, week);
        assertThat(first.skipped()).isFalse();
        assertThat(decrypted.get()).isEqualTo(1);
        assertThat(Verifier.state(ds, s).decrypted()).isTrue();
        // one that decrypted does, for both kinds
        assertThat(new Verifier(ds, withKey).verify(s, week).skipped()).isTrue();
        assertThat(new Verifier(ds, Verifier.KEYLESS).verify(s, week).skipped()).isTrue();
        assertThat(decrypted.get()).isEqualTo(1);
    }

    @Test
    void gcRemovesOnlyUnreferencedOldChunksAndReportsTheMarkSet() throws IOException {
        ChunkId a = store("a");
        ChunkId b = store("b");
        ChunkId c = store("c");
        snapshot("one", List.of(a, b, a));
        snapshot("two", List.of(b));
        age(a, b, c);
        // stored just before the collection: its cutoff is one second before it starts, and the snapshot commits
        // above (fsyncs) could take longer than that on a slow disk
        ChunkId fresh = store("fresh");
        AtomicReference<GarbageCollector.MarkStats> mark = new AtomicReference<>();
        GarbageCollector.Report r = GarbageCollector.run(ds, mark::set);
        assertThat(r.snapshots()).isEqualTo(2);
        assertThat(r.removedChunks()).isEqualTo(1); // c; "fresh" was used after the cutoff
        assertThat(r.keptChunks()).isEqualTo(3);
        assertThat(r.logicalBytes()).isEqualTo(4000);
        assertThat(ds.hasChunk(a)).isTrue();
        assertThat(ds.hasChunk(b)).isTrue();
        assertThat(ds.hasChunk(c)).isFalse();
        assertThat(ds.hasChunk(fresh)).isTrue();
        assertThat(mark.get().markedChunks()).isEqualTo(2);
        assertThat(mark.get().references()).isEqualTo(4);
        assertThat(mark.get().setBytes()).isPositive();

        age(fresh);
        GarbageCollector.Report again = GarbageCollector.run(ds);
        assertThat(again.removedChunks()).isEqualTo(1);
        assertThat(again.keptChunks()).isEqualTo(2);
        // a removal moves the chunk off its name before it looks at its time again: nothing of that is left
        try (var files = java.nio.file.Files.walk(tmp.resolve("ds/.chunks"))) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.startsWith(".tmp-"));
        }
    }

    @Test
    void removalKeepsATouchedChunkAndATouchAfterRemovalFails() throws Exception {
        ChunkId c = store("touched late");
        age(c);
        java.time.Instant cutoff = java.time.Instant.now().minusSeconds(60);
        assertThat(ds.touchChunk(c)).isTrue();
        assertThat(ds.removeChunkIfUnusedSince(c, cutoff)).isEqualTo(-1);
        assertThat(ds.hasChunk(c)).isTrue();
        age(c);
        assertThat(ds.removeChunkIfUnusedSince(c, cutoff)).isPositive();
        assertThat(ds.hasChunk(c)).isFalse();
        assertThat(ds.touchChunk(c)).as("a touch after the removal fails, so the backup stores it again").isFalse();
    }

    @Test
    void gcKeepsEveryReferencedChunkOfManySnapshots() throws IOException {
        List<ChunkId> all = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            all.add(store("chunk " + i + " "));
        }
        for (int s = 0; s < 5; s++) {
            snapshot("g" + s, all.subList(s * 50, s * 50 + 60)); // overlapping windows over the first 260
        }
        age(all.toArray(ChunkId[]::new));
        GarbageCollector.Report r = GarbageCollector.run(ds);
        assertThat(r.keptChunks()).isEqualTo(260);
        assertThat(r.removedChunks()).isEqualTo(40);
        for (int i = 0; i < 300; i++) {
            assertThat(ds.hasChunk(all.get(i))).isEqualTo(i < 260);
        }
    }

    @Test
    void verifyChecksEachChunkOnceAndReportsABadOneInEverySnapshot() throws IOException {
        ChunkId a = store("a");
        ChunkId b = store("b");
        ChunkId bad = store("bad");
        byte[] blob = Files.readAllBytes(chunkFile(bad));
        blob[blob.length - 1] ^= 1;
        Files.write(chunkFile(bad), blob);
        SnapshotRef one = snapshot("one", List.of(a, bad, b));
        SnapshotRef two = snapshot("two", List.of(b, bad, a, a));
        List<ChunkId> checked = new ArrayList<>();
        Verifier v = new Verifier(ds, (id, bytes, mode) -> {
            checked.add(id);
            Verifier.KEYLESS.check(id, bytes, mode);
        });
        Verifier.Outcome o1 = v.verify(one, null);
        Verifier.Outcome o2 = v.verify(two, null);
        assertThat(checked).containsExactly(a, bad, b);
        assertThat(v.checkedChunks()).isEqualTo(3);
        assertThat(v.knownChunkSetBytes()).isPositive();
        assertThat(o1.ok()).isFalse();
        assertThat(o1.chunks()).isEqualTo(3);
        assertThat(o1.errors()).singleElement().asString().startsWith("chunk " + bad.hex() + ": ").contains("moved aside");
        assertThat(o2.ok()).isFalse();
        assertThat(o2.chunks()).isEqualTo(4);
        assertThat(o2.errors()).isEqualTo(o1.errors());
        assertThat(ds.hasChunk(bad)).isFalse();
        assertThat(Verifier.state(ds, one).state()).isEqualTo("failed");

        // a fresh verifier finds the moved-aside chunk missing; the good snapshot's chunks pass
        SnapshotRef three = snapshot("three", List.of(a, b));
        Verifier fresh = new Verifier(ds, Verifier.KEYLESS);
        assertThat(fresh.verify(three, null).ok()).isTrue();
        assertThat(fresh.verify(one, null).errors()).singleElement().asString().contains(bad.hex());
        assertThat(Verifier.state(ds, three).state()).isEqualTo("ok");
    }

    @Test
    void aChunkListedUnderTheWrongCryptModeFailsThatSnapshotButIsKeptForTheOthers() throws IOException {
        ChunkId shared = store("shared by both");
        SnapshotRef good = snapshot("good", List.of(shared));
        // a snapshot (another tenant's, on a server) whose encrypted index lists that unencrypted chunk
        SnapshotRef wrong = snapshot("wrong", List.of(shared), CryptMode.ENCRYPT);
        Verifier v = new Verifier(ds, Verifier.KEYLESS);
        Verifier.Outcome w = v.verify(wrong, null);
        assertThat(w.ok()).isFalse();
        assertThat(w.errors()).singleElement().asString()
                .isEqualTo("chunk " + shared.hex() + ": crypt mode differs from its index's (encrypt); the chunk is kept");
        assertThat(ds.hasChunk(shared)).isTrue();
        assertThat(v.verify(good, null).ok()).isTrue();
        // and in the other order, a chunk found good for one mode is still checked for the other
        Verifier again = new Verifier(ds, Verifier.KEYLESS);
        assertThat(again.verify(good, null).ok()).isTrue();
        assertThat(again.verify(wrong, null).ok()).isFalse();
        assertThat(ds.hasChunk(shared)).isTrue();
    }
}
