package dev.coffer.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.ChunkId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotTest {
    static final Instant T = Instant.parse("2026-11-23T10:15:00Z");
    static final BackupGroup WEB = new BackupGroup("", "host", "web1");

    @TempDir
    Path tmp;
    Datastore store;

    @BeforeEach
    void setUp() {
        store = Datastore.create(tmp.resolve("store"));
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    SnapshotRef backup(BackupGroup group, Instant time, String manifest) {
        try (SnapshotWriter w = store.beginSnapshot(group, time)) {
            w.writeFile("manifest.cfm", bytes(manifest));
            return w.commit();
        }
    }

    @Test
    void snapshotAppearsOnlyAtCommit() {
        byte[] chunk = ChunkStoreTest.blob(1, 100);
        ChunkId id = ChunkStoreTest.idOf(chunk);
        try (SnapshotWriter w = store.beginSnapshot(WEB, T)) {
            assertThat(w.ref()).isEqualTo(new SnapshotRef(WEB, T));
            store.insertChunk(id, chunk, 0, chunk.length);
            w.writeFile("docs.cfar.meta.cidx", bytes("index"));
            w.writeFile("manifest.cfm", bytes("draft"));
            w.writeFile("manifest.cfm", bytes("final"));
            assertThat(store.snapshots(WEB)).isEmpty();
            assertThat(store.snapshots("")).isEmpty();
            assertThat(store.groups("")).isEmpty();
            assertThatThrownBy(() -> store.readSnapshotFile(w.ref(), "manifest.cfm"))
                    .isInstanceOf(SnapshotNotFoundException.class);

            SnapshotRef committed = w.commit();
            assertThat(committed).isEqualTo(w.ref());
            assertThat(store.snapshots(WEB)).containsExactly(committed);
            assertThat(store.snapshots("")).containsExactly(committed);
            assertThat(store.groups("")).containsExactly(WEB);
            assertThat(store.snapshotFiles(committed)).containsExactly("docs.cfar.meta.cidx", "manifest.cfm");
            assertThat(store.readSnapshotFile(committed, "manifest.cfm")).isEqualTo(bytes("final"));
            assertThat(store.snapshotDir(committed))
                    .isEqualTo(store.root().resolve("host/web1/2026-11-23T10:15:00Z"))
                    .isDirectory();
            assertThatThrownBy(() -> w.writeFile("x", new byte[0])).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(w::commit).isInstanceOf(IllegalStateException.class);
        }
        assertThat(store.snapshots(WEB)).hasSize(1);
        assertThat(store.readChunk(id)).isEqualTo(chunk);
        try (Stream<String> names = listNames(store.root().resolve("host/web1"))) {
            assertThat(names).containsExactlyInAnyOrder(".lock", "2026-11-23T10:15:00Z");
        }
        try (Stream<String> names = listNames(store.root().resolve("host/web1/2026-11-23T10:15:00Z"))) {
            assertThat(names).containsExactlyInAnyOrder("docs.cfar.meta.cidx", "manifest.cfm");
        }
    }

    @Test
    void closeWithoutCommitLeavesNothing() {
        try (SnapshotWriter w = store.beginSnapshot(WEB, T)) {
            w.writeFile("manifest.cfm", bytes("m"));
        }
        assertThat(store.snapshots(WEB)).isEmpty();
        assertThat(store.groups("")).isEmpty();
        try (Stream<String> names = listNames(store.root().resolve("host/web1"))) {
            assertThat(names).containsExactly(".lock");
        }
        // and the datastore lock is free again
        store.exclusiveLock().close();
    }

    @Test
    void killedWriterIsCleanedUpByTheNextBackup() throws IOException {
        // what a killed process leaves: a temporary directory whose writer lock nobody holds
        Path groupDir = Files.createDirectories(store.root().resolve("host/web1"));
        Path stale = Files.createDirectory(groupDir.resolve(".tmp-2026-11-23T10:15:00Z-00112233deadbeef"));
        Files.writeString(stale.resolve("manifest.cfm"), "half");
        Files.createFile(stale.resolve(".writer.lock"));
        Path staleNoLock = Files.createDirectory(groupDir.resolve(".tmp-2026-11-23T10:20:00Z-0011223344556677"));
        Path trash = Files.createDirectories(groupDir.resolve(".trash-2026-01-01T00:00:00Z-0011223344556677/sub"));
        assertThat(store.snapshots(WEB)).isEmpty();
        assertThat(store.groups("")).isEmpty();

        SnapshotRef s = backup(WEB, T, "m");
        // the stale directories' times were not reserved
        assertThat(s.time()).isEqualTo(T);
        assertThat(stale).doesNotExist();
        assertThat(staleNoLock).doesNotExist();
        assertThat(trash.getParent()).doesNotExist();
        assertThat(store.snapshots(WEB)).containsExactly(s);
    }

    @Test
    void liveWriterIsNotCleanedUp() {
        try (SnapshotWriter first = store.beginSnapshot(WEB, T); SnapshotWriter second = store.beginSnapshot(WEB, T)) {
            first.writeFile("manifest.cfm", bytes("1"));
            second.writeFile("manifest.cfm", bytes("2"));
            assertThat(second.ref().time()).isEqualTo(T.plusSeconds(1));
            assertThat(second.commit().time()).isEqualTo(T.plusSeconds(1));
            assertThat(first.commit().time()).isEqualTo(T);
        }
        assertThat(store.snapshots(WEB)).extracting(SnapshotRef::time).containsExactly(T, T.plusSeconds(1));
        assertThat(store.readSnapshotFile(new SnapshotRef(WEB, T), "manifest.cfm")).isEqualTo(bytes("1"));
    }

    @Test
    void sameSecondGetsDistinctTimes() {
        SnapshotRef a = backup(WEB, T.plusMillis(100), "a");
        SnapshotRef b = backup(WEB, T.plusMillis(200), "b");
        SnapshotRef c = backup(WEB, T.minusSeconds(3600), "c");
        assertThat(a.time()).isEqualTo(T);
        assertThat(b.time()).isEqualTo(T.plusSeconds(1));
        assertThat(c.time()).isEqualTo(T.plusSeconds(2));
        SnapshotRef later = backup(WEB, T.plusSeconds(60), "d");
        assertThat(later.time()).isEqualTo(T.plusSeconds(60));
        // other groups are independent
        assertThat(backup(new BackupGroup("", "vm", "web1"), T, "e").time()).isEqualTo(T);
        assertThat(store.snapshots(WEB)).containsExactly(a, b, c, later);
    }

    @Test
    void concurrentWritersInOneGroupGetDistinctTimes() throws Exception {
        int threads = 8;
        CyclicBarrier barrier = new CyclicBarrier(threads);
        List<Future<SnapshotRef>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int i = 0; i < threads; i++) {
                int n = i;
                results.add(pool.submit(() -> {
                    barrier.await();
                    return backup(WEB, T, "m" + n);
                }));
            }
        }
        Set<Instant> times = new HashSet<>();
        for (Future<SnapshotRef> f : results) {
            times.add(f.get().time());
        }
        assertThat(times).hasSize(threads);
        assertThat(store.snapshots(WEB)).hasSize(threads);
    }

    @Test
    void namespacesAreSeparate() {
        BackupGroup nested = new BackupGroup("tenant/prod", "host", "web1");
        SnapshotRef inNs = backup(nested, T, "n");
        SnapshotRef atRoot = backup(WEB, T, "r");
        assertThat(store.snapshotDir(inNs)).isEqualTo(store.root().resolve("ns/tenant/ns/prod/host/web1/2026-11-23T10:15:00Z"));
        assertThat(store.groups("")).containsExactly(WEB);
        assertThat(store.groups("tenant")).isEmpty();
        assertThat(store.groups("tenant/prod")).containsExactly(nested);
        assertThat(store.snapshots("tenant/prod")).containsExactly(inNs);
        assertThat(store.readSnapshotFile(inNs, "manifest.cfm")).isEqualTo(bytes("n"));
        assertThat(store.readSnapshotFile(atRoot, "manifest.cfm")).isEqualTo(bytes("r"));
        assertThat(store.groups("nobody")).isEmpty();
    }

    @Test
    void listingIsSortedAndIgnoresForeignEntries() throws IOException {
        BackupGroup b = new BackupGroup("", "host", "b");
        BackupGroup a = new BackupGroup("", "host", "a");
        BackupGroup ct = new BackupGroup("", "ct", "z");
        SnapshotRef b2 = backup(b, T.plusSeconds(5), "x");
        SnapshotRef b1 = backup(b, T.minusSeconds(5), "x");
        SnapshotRef a1 = backup(a, T, "x");
        SnapshotRef ct1 = backup(ct, T, "x");
        Path root = store.root();
        Files.createDirectories(root.resolve("host/b/2026-11-23T10:15:00.123Z"));
        Files.createDirectories(root.resolve("host/b/not-a-time"));
        Files.writeString(root.resolve("host/b/2027-01-01T00:00:00Z"), "a file, not a snapshot");
        Files.createDirectories(root.resolve("disk/x/2026-11-23T10:15:00Z"));
        Files.createDirectories(root.resolve("host/.hidden/2026-11-23T10:15:00Z"));
        Files.writeString(root.resolve(store.snapshotDir(a1)).resolve(".stray"), "x");
        // b1 asked for an earlier time than b2 and got the next second after it
        assertThat(b1.time()).isEqualTo(T.plusSeconds(6));
        assertThat(store.snapshots(b)).containsExactly(b2, b1);
        assertThat(store.groups("")).containsExactly(ct, a, b);
        assertThat(store.snapshots("")).containsExactly(ct1, a1, b2, b1);
        assertThat(store.snapshotFiles(a1)).containsExactly("manifest.cfm");
    }

    @Test
    void snapshotOrderWithinListing() {
        BackupGroup b = new BackupGroup("", "host", "b");
        SnapshotRef late = backup(b, T.plusSeconds(100), "x");
        // a request for an earlier time gets a time after the newest
        SnapshotRef next = backup(b, T, "x");
        assertThat(next.time()).isEqualTo(T.plusSeconds(101));
        assertThat(store.snapshots(b)).containsExactly(late, next);
    }

    @Test
    void forget() {
        SnapshotRef a = backup(WEB, T, "a");
        SnapshotRef b = backup(WEB, T.plusSeconds(10), "b");
        store.forgetSnapshot(a);
        assertThat(store.snapshots(WEB)).containsExactly(b);
        assertThat(store.snapshotDir(a)).doesNotExist();
        try (Stream<String> names = listNames(store.snapshotDir(b).getParent())) {
            assertThat(names).containsExactlyInAnyOrder(".lock", b.timeString());
        }
        assertThatThrownBy(() -> store.forgetSnapshot(a))
                .isInstanceOf(SnapshotNotFoundException.class)
                .hasMessage("snapshot host/web1/2026-11-23T10:15:00Z not found");
        store.forgetSnapshot(b);
        assertThat(store.groups("")).isEmpty();
        assertThatThrownBy(() -> store.forgetSnapshot(new SnapshotRef(new BackupGroup("", "vm", "none"), T)))
                .isInstanceOf(SnapshotNotFoundException.class);
    }

    @Test
    void readSnapshotFileErrors() {
        SnapshotRef s = backup(WEB, T, "m");
        for (String bad : new String[] {"../x", "..", ".", "", "a/b", "/etc/passwd", ".writer.lock", ".lock",
            "x".repeat(256), "a\u0000b", "-rf"}) {
            assertThatThrownBy(() -> store.readSnapshotFile(s, bad))
                    .as(bad)
                    .isInstanceOf(CofferException.class)
                    .hasMessageStartingWith("invalid snapshot file name ");
        }
        assertThat(store.readSnapshotFile(s, "manifest.cfm")).isNotEmpty();
        assertThatThrownBy(() -> store.readSnapshotFile(s, "disk.img.cidx"))
                .isInstanceOf(CorruptDataException.class)
                .hasMessage("snapshot host/web1/2026-11-23T10:15:00Z: disk.img.cidx is missing");
        SnapshotRef absent = new SnapshotRef(WEB, T.plusSeconds(1));
        assertThatThrownBy(() -> store.readSnapshotFile(absent, "manifest.cfm"))
                .isInstanceOf(SnapshotNotFoundException.class)
                .hasMessage("snapshot host/web1/2026-11-23T10:15:01Z not found");
        assertThatThrownBy(() -> store.snapshotFiles(absent)).isInstanceOf(SnapshotNotFoundException.class);
    }

    @Test
    void writeFileRejectsBadNames() {
        try (SnapshotWriter w = store.beginSnapshot(WEB, T)) {
            for (String bad : new String[] {"../escape", ".writer.lock", "a/b", "", "x".repeat(256)}) {
                assertThatThrownBy(() -> w.writeFile(bad, new byte[1]))
                        .isInstanceOf(CofferException.class)
                        .hasMessageStartingWith("invalid snapshot file name ");
            }
            w.writeFile("x".repeat(255), new byte[1]);
            w.writeFile("disk.img+1.cidx", new byte[1]);
        }
        assertThat(tmp.resolve("escape")).doesNotExist();
    }

    @Test
    void exclusiveLockExcludesWriters() {
        try (SnapshotWriter w = store.beginSnapshot(WEB, T)) {
            assertThatThrownBy(store::exclusiveLock)
                    .isInstanceOf(DatastoreBusyException.class)
                    .hasMessage("datastore is busy: a backup is running");
            w.writeFile("manifest.cfm", bytes("m"));
            w.commit();
        }
        ExclusiveLock lock = store.exclusiveLock();
        assertThatThrownBy(() -> store.beginSnapshot(WEB, T))
                .isInstanceOf(DatastoreBusyException.class)
                .hasMessage("datastore is busy: garbage collection is running");
        assertThatThrownBy(store::exclusiveLock)
                .isInstanceOf(DatastoreBusyException.class)
                .hasMessage("datastore is busy: garbage collection is running");
        lock.close();
        lock.close();
        backup(WEB, T, "again");
        // a second close of a released lock must not release a lock taken since
        try (SnapshotWriter _ = store.beginSnapshot(WEB, T)) {
            lock.close();
            assertThatThrownBy(store::exclusiveLock).isInstanceOf(DatastoreBusyException.class);
        }
    }

    @Test
    void twoInstancesOfOneDatastoreShareTheLock() {
        try (Datastore other = Datastore.open(store.root())) {
            SnapshotWriter w1 = store.beginSnapshot(WEB, T);
            SnapshotWriter w2 = other.beginSnapshot(new BackupGroup("", "host", "web2"), T);
            w1.close();
            // the other instance's writer still holds the lock
            assertThatThrownBy(store::exclusiveLock).isInstanceOf(DatastoreBusyException.class);
            w2.close();
            store.exclusiveLock().close();
            other.exclusiveLock().close();
        }
    }

    @Test
    void closingTheDatastoreAbortsItsWriters() {
        SnapshotWriter w = store.beginSnapshot(WEB, T);
        w.writeFile("manifest.cfm", bytes("m"));
        store.close();
        assertThatThrownBy(w::commit).isInstanceOf(IllegalStateException.class);
        try (Datastore reopened = Datastore.open(tmp.resolve("store"))) {
            assertThat(reopened.snapshots(WEB)).isEmpty();
            reopened.exclusiveLock().close();
        }
    }

    @Test
    void failedCommitLeavesTheWriterToAbort() throws IOException {
        SnapshotWriter w = store.beginSnapshot(WEB, T);
        w.writeFile("manifest.cfm", bytes("m"));
        // something else took the name meanwhile
        Path squatter = Files.createDirectories(store.snapshotDir(w.ref()).resolve("x"));
        assertThatThrownBy(w::commit)
                .isInstanceOf(CofferException.class)
                .hasMessage("cannot commit snapshot host/web1/2026-11-23T10:15:00Z: a snapshot of that name already exists");
        w.close();
        assertThat(squatter).isDirectory();
        try (Stream<String> names = listNames(store.root().resolve("host/web1"))) {
            assertThat(names).containsExactlyInAnyOrder(".lock", "2026-11-23T10:15:00Z");
        }
        store.exclusiveLock().close();
    }

    @Test
    void commitSyncsTheChunkDirectories() {
        byte[] chunk = ChunkStoreTest.blob(7, 10);
        ChunkId id = ChunkStoreTest.idOf(chunk);
        try (SnapshotWriter w = store.beginSnapshot(WEB, T)) {
            store.insertChunk(id, chunk, 0, chunk.length);
            assertThat(store.pendingSyncDirs()).containsExactlyInAnyOrder(
                    store.root().resolve(".chunks"), store.root().resolve(".chunks/" + id.hex().substring(0, 4)));
            w.writeFile("manifest.cfm", bytes("m"));
            w.commit();
            assertThat(store.pendingSyncDirs()).isEmpty();
        }
        // finding an existing chunk marks its directory too: another process may not have synced it yet
        store.insertChunk(id, chunk, 0, chunk.length);
        assertThat(store.pendingSyncDirs()).containsExactly(store.root().resolve(".chunks/" + id.hex().substring(0, 4)));
    }

    private static Stream<String> listNames(Path dir) {
        try {
            return Files.list(dir).map(p -> p.getFileName().toString());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
