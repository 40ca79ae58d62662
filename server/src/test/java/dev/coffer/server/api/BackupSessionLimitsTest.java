package dev.coffer.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.format.IndexWriter;
import dev.coffer.server.auth.AuthId;
import dev.coffer.store.BackupGroup;
import dev.coffer.store.Datastore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What one client can make a server hold: files per snapshot, sessions per AUTHID. */
class BackupSessionLimitsTest {
    /** A datastore on tmpfs, where the thousands of small durable writes below cost nothing. */
    private static Path scratch() throws Exception {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "coffer-limits-")
                : Files.createTempDirectory("coffer-limits-");
    }

    private static void delete(Path p) throws Exception {
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    @Test
    void aSnapshotHoldsAtMostMaxFilesFiles() throws Exception {
        Path dir = scratch();
        try (Datastore ds = Datastore.create(dir.resolve("ds"))) {
            BackupGroup g = new BackupGroup("", "host", "many");
            BackupSession s = new BackupSession("s1", "ds", ds, AuthId.parse("alice"), g, CryptMode.NONE, false,
                    ds.beginSnapshot(g, Instant.parse("2026-01-01T00:00:00Z")), Set::of);
            byte[] empty = IndexWriter.dynamic(CryptMode.NONE).finish();
            for (int i = 0; i < BackupSession.MAX_FILES; i++) {
                s.putFile("f" + i + ".cidx", empty);
            }
            assertThatThrownBy(() -> s.putFile("one-more.cidx", empty)).isInstanceOf(ApiException.class)
                    .hasMessage("a snapshot holds at most " + BackupSession.MAX_FILES + " files");
            s.putFile("f7.cidx", empty); // replacing one is still allowed
            s.abort();
            assertThatThrownBy(() -> s.putFile("f8.cidx", empty)).isInstanceOf(ApiException.class)
                    .hasMessage("backup session s1 has ended");
        } finally {
            delete(dir);
        }
    }

    @Test
    void oneAuthIdHasAtMostSixteenSessionsOpen() throws Exception {
        Path dir = scratch();
        BackupSessions sessions = new BackupSessions(() -> 3600, () -> 3600);
        try (Datastore ds = Datastore.create(dir.resolve("ds"))) {
            AuthId alice = AuthId.parse("alice");
            List<BackupSession> open = new ArrayList<>();
            Instant t = Instant.parse("2026-01-01T00:00:00Z");
            for (int i = 0; i < BackupSessions.MAX_SESSIONS_PER_AUTHID; i++) {
                open.add(sessions.begin("ds", ds, alice, new BackupGroup("", "host", "g" + i), t, CryptMode.NONE, false, Set::of, () -> { }));
            }
            assertThatThrownBy(() -> sessions.begin("ds", ds, alice, new BackupGroup("", "host", "more"), t, CryptMode.NONE,
                    false, Set::of, () -> { })).isInstanceOf(ApiException.class)
                    .hasMessage("alice has 16 backup sessions open, the most allowed; finish or abort one first");
            // another AUTHID is not held back by alice's sessions
            sessions.abort(sessions.begin("ds", ds, AuthId.parse("bob"), new BackupGroup("", "host", "bob"), t,
                    CryptMode.NONE, false, Set::of, () -> { }));
            sessions.abort(open.remove(0));
            sessions.abort(sessions.begin("ds", ds, alice, new BackupGroup("", "host", "more"), t, CryptMode.NONE, false,
                    Set::of, () -> { }));
            for (BackupSession s : open) {
                sessions.abort(s);
            }
        } finally {
            sessions.close();
            delete(dir);
        }
    }

    @Test
    void aSessionThatStartsWhileTheGroupsFirstSessionIsAbortedKeepsItsOwner() throws Exception {
        Path dir = scratch();
        BackupSessions sessions = new BackupSessions(() -> 3600, () -> 3600);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try (Datastore ds = Datastore.create(dir.resolve("ds"))) {
            AuthId alice = AuthId.parse("alice");
            Instant t = Instant.parse("2026-01-01T00:00:00Z");
            int started = 0;
            for (int round = 0; round < 300; round++) {
                BackupGroup g = new BackupGroup("", "host", "first-" + round);
                Runnable claim = () -> {
                    String owner = ds.claimGroupOwner(g, "alice");
                    if (!owner.equals("alice")) {
                        throw ApiException.forbidden("group " + g + " belongs to " + owner);
                    }
                };
                BackupSession a = sessions.begin("ds", ds, alice, g, t, CryptMode.NONE, false, Set::of, claim);
                // the client gave up on a and begins again while the server is still aborting a
                java.util.concurrent.CyclicBarrier both = new java.util.concurrent.CyclicBarrier(2);
                java.util.concurrent.Future<?> abort = pool.submit(() -> {
                    both.await();
                    sessions.abort(a);
                    return null;
                });
                java.util.concurrent.Future<BackupSession> b = pool.submit(() -> {
                    both.await();
                    try {
                        return sessions.begin("ds", ds, alice, g, t.plusSeconds(60), CryptMode.NONE, false, Set::of, claim);
                    } catch (ApiException e) {
                        return null; // a was still running: 409
                    }
                });
                abort.get(10, java.util.concurrent.TimeUnit.SECONDS);
                BackupSession second = b.get(10, java.util.concurrent.TimeUnit.SECONDS);
                if (second != null) {
                    started++;
                    assertThat(ds.groupOwner(g)).as("round %d: the running session's group has its owner", round)
                            .isEqualTo("alice");
                    sessions.abort(second);
                }
                assertThat(ds.groupOwner(g)).as("round %d: nothing ran to the end, nothing is owned", round).isNull();
            }
            assertThat(started).as("the second session won the race in some rounds").isPositive();
        } finally {
            pool.shutdownNow();
            sessions.close();
            delete(dir);
        }
    }
}
