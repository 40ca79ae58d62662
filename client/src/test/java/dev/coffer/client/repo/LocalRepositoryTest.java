package dev.coffer.client.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.CofferException;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.store.BackupGroup;
import dev.coffer.store.SnapshotRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalRepositoryTest {
    @TempDir
    Path tmp;

    private static ChunkId idOf(byte[] data) throws Exception {
        return ChunkId.of(MessageDigest.getInstance("SHA-256").digest(data));
    }

    private static byte[] blob(int seed) {
        byte[] b = new byte[20_000 + seed];
        Arrays.fill(b, (byte) seed);
        b[0] = (byte) (seed >>> 8);
        return b;
    }

    @Test
    void asyncInsertsFromSeveralThreadsAllBecomeDurableAndReadable() throws Exception {
        SnapshotRef any = new SnapshotRef(new BackupGroup("", "host", "h"), Instant.EPOCH);
        int n = 3 * LocalRepository.SYNCS_IN_FLIGHT; // more than may wait for their fsync at once
        List<CompletableFuture<Boolean>> stored = new ArrayList<>();
        try (LocalRepository repo = LocalRepository.openOrCreate(tmp.resolve("ds"))) {
            ExecutorService workers = Executors.newFixedThreadPool(4);
            List<Future<CompletableFuture<Boolean>>> calls = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int seed = i;
                calls.add(workers.submit(() -> {
                    byte[] b = blob(seed);
                    CompletableFuture<Boolean> f = repo.insertChunkAsync(idOf(b), b, 0, b.length);
                    Arrays.fill(b, (byte) 0x55); // the array is the caller's again once the call returns
                    return f;
                }));
            }
            for (Future<CompletableFuture<Boolean>> c : calls) {
                stored.add(c.get());
            }
            workers.shutdown();
            for (CompletableFuture<Boolean> f : stored) {
                assertThat(f.get()).isTrue();
            }
            for (int i = 0; i < n; i++) {
                assertThat(repo.readChunk(any, idOf(blob(i)))).isEqualTo(blob(i));
            }
            // a chunk the datastore has: false, at once
            byte[] again = blob(7);
            assertThat(repo.insertChunkAsync(idOf(again), again, 0, again.length).get()).isFalse();
            assertThat(repo.freeSyncSlots()).as("every slot given back").isEqualTo(LocalRepository.SYNCS_IN_FLIGHT);
        }
        try (Stream<Path> files = Files.walk(tmp.resolve("ds/.chunks"))) {
            List<Path> chunkFiles = files.filter(Files::isRegularFile).toList();
            assertThat(chunkFiles).hasSize(n).allMatch(f -> f.getFileName().toString().length() == 64);
        }
    }

    @Test
    void aFailureToWriteIsThrownByTheCall() throws Exception {
        try (LocalRepository repo = LocalRepository.openOrCreate(tmp.resolve("ds"))) {
            byte[] b = blob(1);
            ChunkId id = idOf(b);
            // a file where the chunk's directory belongs: the write itself fails
            Files.createDirectories(tmp.resolve("ds/.chunks"));
            Files.writeString(tmp.resolve("ds/.chunks").resolve(id.hex().substring(0, 4)), "in the way");
            assertThatThrownBy(() -> repo.insertChunkAsync(id, b, 0, b.length)).isInstanceOf(CofferException.class)
                    .hasMessageContaining("cannot store chunk " + id.hex());
            assertThat(repo.freeSyncSlots()).as("the failed call gave its slot back").isEqualTo(LocalRepository.SYNCS_IN_FLIGHT);
            byte[] other = blob(2);
            assertThat(repo.insertChunkAsync(idOf(other), other, 0, other.length).get()).isTrue();
            assertThat(repo.freeSyncSlots()).isEqualTo(LocalRepository.SYNCS_IN_FLIGHT);
        }
    }
}
