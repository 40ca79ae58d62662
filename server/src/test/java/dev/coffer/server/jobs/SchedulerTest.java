package dev.coffer.server.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.crypto.BlobCodec;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.format.ArchiveRef;
import dev.coffer.core.format.IndexRef;
import dev.coffer.core.format.IndexWriter;
import dev.coffer.core.format.Manifest;
import dev.coffer.core.format.ManifestBody;
import dev.coffer.core.util.Hex;
import dev.coffer.server.config.ConfigDir;
import dev.coffer.server.config.ServerAdmin;
import dev.coffer.store.BackupGroup;
import dev.coffer.store.Datastore;
import dev.coffer.store.SnapshotRef;
import dev.coffer.store.SnapshotWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchedulerTest {
    @TempDir
    Path tmp;
    ConfigDir config;
    Datastore ds;
    JobHistory history;
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-23T10:07:00Z"));
    final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };
    final List<Scheduler> schedulers = new ArrayList<>();

    @BeforeEach
    void setUp() {
        config = ConfigDir.init(tmp.resolve("cfg"));
        new ServerAdmin(config).createDatastore("s1", tmp.resolve("ds"), false);
        ds = Datastore.open(tmp.resolve("ds"));
        history = new JobHistory(config.path().resolve("jobs/history"));
    }

    @AfterEach
    void tearDown() {
        schedulers.forEach(Scheduler::close);
        ds.close();
    }

    Scheduler scheduler(List<JobSpec> jobs) {
        Scheduler s = new Scheduler(() -> jobs, n -> ds, history, clock, ZoneOffset.UTC);
        schedulers.add(s);
        return s;
    }

    static JobSpec job(String id, String type, String schedule, String created) {
        return new JobSpec(id, "s1", type, schedule, null, null, type.equals("prune") ? 2 : null, null, null, null, null, null, created)
                .validate();
    }

    /** A finished unencrypted snapshot holding one chunk of {@code data}; returns the chunk id. */
    ChunkId snapshot(String id, String time, byte[] data) {
        BlobCodec codec = new BlobCodec(CryptMode.NONE, null);
        BlobCodec.Encoded e = codec.encodeChunk(data, 0, data.length);
        ds.insertChunk(e.id(), e.blob(), 0, e.blob().length);
        IndexWriter iw = IndexWriter.fixed(CryptMode.NONE, 4 << 20);
        iw.addFixed(e.id(), data.length);
        byte[] idx = iw.finish();
        SnapshotWriter w = ds.beginSnapshot(new BackupGroup("", "host", id), Instant.parse(time));
        w.writeFile("d.img.cidx", idx);
        SnapshotRef ref = w.ref();
        ManifestBody body = new ManifestBody(1, "host", id, ref.time(), CryptMode.NONE, null,
                List.of(new ArchiveRef("d.img", "image", List.of(new IndexRef("image", "d.img.cidx", data.length,
                        Hex.encode(Arrays.copyOfRange(idx, idx.length - 32, idx.length)))))),
                4 << 20, false, new LinkedHashMap<>(), "test");
        w.writeFile("manifest.cfm", Manifest.encode(body, Manifest::sha256Tag));
        w.commit();
        return e.id();
    }

    Path chunkFile(ChunkId id) {
        return tmp.resolve("ds/.chunks/" + id.hex().substring(0, 4) + "/" + id.hex());
    }

    @Test
    void aJobWhoseDatastoreCannotBeOpenedFailsOnceInTheHistoryAndWaitsForItsNextSlot() throws Exception {
        List<JobSpec> jobs = List.of(job("v", "verify", "*:0/15", "2026-11-23T10:07:00Z"));
        Scheduler s = new Scheduler(() -> jobs, n -> {
            throw new dev.coffer.core.CorruptDataException("<datastore s1>/.coffer-datastore is corrupt: not a JSON object");
        }, history, clock, ZoneOffset.UTC);
        schedulers.add(s);
        now.set(Instant.parse("2026-11-23T10:15:00Z"));
        assertThat(s.tick()).containsExactly("v");
        s.awaitIdle(30);
        List<JobRun> runs = history.list("v", 10);
        assertThat(runs).hasSize(1);
        assertThat(runs.get(0).status()).isEqualTo("failed");
        assertThat(runs.get(0).summary()).isEqualTo("<datastore s1>/.coffer-datastore is corrupt: not a JSON object");
        assertThat(runs.get(0).log()).containsExactly("error: <datastore s1>/.coffer-datastore is corrupt: not a JSON object");
        assertThat(runs.get(0).end()).isNotNull();
        // the failure counts as the slot's run: the scheduler does not start it again until the next slot
        now.set(Instant.parse("2026-11-23T10:15:30Z"));
        assertThat(s.tick()).isEmpty();
        now.set(Instant.parse("2026-11-23T10:30:00Z"));
        assertThat(s.tick()).containsExactly("v");
        s.awaitIdle(30);
        assertThat(history.list("v", 10)).hasSize(2).extracting(JobRun::status).containsOnly("failed");
        // and one run now says the same, rather than failing without a record
        JobRun manual = s.runNow(jobs.get(0));
        assertThat(manual.status()).isEqualTo("failed");
        assertThat(manual.trigger()).isEqualTo("manual");
    }

    @Test
    void aRunNowWaitingForItsDatastoreDoesNotHoldUpJobsOnOthers() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        JobSpec slow = new JobSpec("slow", "slowds", "gc", "*:0/15", null, null, null, null, null, null, null, null,
                "2026-11-23T10:07:00Z").validate();
        JobSpec other = job("other", "gc", "*:0/15", "2026-11-23T10:07:00Z");
        Scheduler s = new Scheduler(() -> List.of(slow, other), n -> {
            if (n.equals("slowds")) {
                try {
                    release.await(); // a long job on that datastore
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return ds;
        }, history, clock, ZoneOffset.UTC);
        schedulers.add(s);
        // threads of their own: the common pool may have a single thread on a small machine
        java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newCachedThreadPool();
        try {
            runNowWhileBusy(s, slow, release, callers);
        } finally {
            release.countDown();
            callers.shutdownNow();
        }
    }

    private void runNowWhileBusy(Scheduler s, JobSpec slow, java.util.concurrent.CountDownLatch release,
            java.util.concurrent.ExecutorService callers) throws Exception {
        java.util.concurrent.Future<JobRun> first = callers.submit(() -> run(s, slow));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (history.list("slow", 1).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(history.list("slow", 1)).as("the first run has begun").hasSize(1);
        // a second run-now on the busy datastore waits for the first ...
        java.util.concurrent.Future<JobRun> second = callers.submit(() -> run(s, slow));
        Thread.sleep(300);
        assertThat(second.isDone()).isFalse();
        // ... without holding up the schedule of another datastore
        now.set(Instant.parse("2026-11-23T10:15:00Z"));
        java.util.concurrent.Future<List<String>> tick = callers.submit(s::tick);
        assertThat(tick.get(5, java.util.concurrent.TimeUnit.SECONDS)).containsExactly("other");
        release.countDown();
        assertThat(first.get(30, java.util.concurrent.TimeUnit.SECONDS).status()).isEqualTo("ok");
        assertThat(second.get(30, java.util.concurrent.TimeUnit.SECONDS).status()).isEqualTo("ok");
    }

    private static JobRun run(Scheduler s, JobSpec j) {
        try {
            return s.runNow(j);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aJobWithoutCreationTimeRunsAndAClockSetBackDoesNotStopIt() throws Exception {
        // written by hand without "created": it counts from when the scheduler began (10:07), not from now
        Scheduler s = scheduler(List.of(job("q", "gc", "*:0/15", null)));
        now.set(Instant.parse("2026-11-23T10:15:00Z"));
        assertThat(s.tick()).containsExactly("q");
        s.awaitIdle(30);
        // the clock ran years ahead when it last ran, and has been set right since: it runs at its next slot
        history.write(new JobRun("20300101T000000Z-abcdef", "q", "s1", "gc", "schedule", "2030-01-01T00:00:00Z",
                "2030-01-01T00:00:01Z", 1000L, "ok", "removed 0 chunks", List.of()));
        now.set(Instant.parse("2026-11-23T10:20:00Z"));
        assertThat(s.nextRun(job("q", "gc", "*:0/15", null)).orElseThrow().toInstant())
                .isEqualTo(Instant.parse("2026-11-23T10:30:00Z"));
        // a record whose start cannot be read is passed over, not taken for a bad schedule
        history.write(new JobRun("20300101T000001Z-abcdef", "q", "s1", "gc", "schedule", "not a time", null, null, "ok", "", List.of()));
        assertThat(s.nextRun(job("q", "gc", "*:0/15", null))).isPresent();
    }

    @Test
    void aJobWhoseRunCannotBeRecordedIsNotStartedAgainAtEveryTick() throws Exception {
        JobHistory broken = new JobHistory(tmp.resolve("history-is-a-file"));
        Files.writeString(tmp.resolve("history-is-a-file"), "x");
        Scheduler s = new Scheduler(() -> List.of(job("q", "gc", "*:0/15", "2026-11-23T10:07:00Z")), n -> ds, broken, clock,
                ZoneOffset.UTC);
        schedulers.add(s);
        now.set(Instant.parse("2026-11-23T10:15:00Z"));
        assertThat(s.tick()).containsExactly("q");
        s.awaitIdle(30);
        now.set(Instant.parse("2026-11-23T10:15:15Z"));
        assertThat(s.tick()).isEmpty();
        now.set(Instant.parse("2026-11-23T10:30:00Z"));
        assertThat(s.tick()).containsExactly("q");
        s.awaitIdle(30);
    }

    @Test
    void invalidDefinitionsAreLeftOutAndTheOthersRun() throws Exception {
        Files.writeString(config.path().resolve(JobStore.FILE), """
                [{"id":"good","datastore":"s1","type":"gc","schedule":"daily","created":"2026-11-23T10:07:00Z"},
                 {"id":"nodatastore","type":"gc","schedule":"daily","created":"2026-11-23T10:07:00Z"},
                 {"id":"../../escape","datastore":"s1","type":"gc","schedule":"daily"},
                 {"id":"history","datastore":"s1","type":"gc","schedule":"daily"},
                 {"id":"badtime","datastore":"s1","type":"gc","schedule":"daily","created":"yesterday"},
                 {"type":"gc","schedule":"daily"}]
                """);
        JobStore store = new JobStore(config);
        assertThat(store.list()).hasSize(6);
        assertThat(store.valid()).extracting(JobSpec::id).containsExactly("good");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> job("history", "gc", "daily", null).validate())
                .hasMessageContaining("reserved");
        // one without an id can still be told apart from the others by the administrator's commands
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.get("nosuch")).hasMessageContaining("no job named");
        store.remove("badtime");
        assertThat(store.list()).hasSize(5);
    }

    @Test
    void aDamagedRunRecordBelongsToTheTimeItsNameGives() throws Exception {
        // a damaged record of an earlier job of that id, before the present job was created
        Files.createDirectories(history.dir().resolve("q"));
        Files.writeString(history.dir().resolve("q/20261101T000000Z-abcdef.json"), "{not json");
        JobSpec q = job("q", "gc", "*:0/15", "2026-11-23T10:07:00Z");
        assertThat(history.list("q", 10)).hasSize(1).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo("failed");
            assertThat(r.start()).isEqualTo("2026-11-01T00:00:00Z");
        });
        assertThat(history.runsOf(q, 10)).isEmpty();
        assertThat(scheduler(List.of(q)).nextRun(q).orElseThrow().toInstant()).isEqualTo(Instant.parse("2026-11-23T10:15:00Z"));
    }

    @Test
    void aQuarterHourJobRunsOnTheQuarterAndNotBetween() throws Exception {
        Scheduler s = scheduler(List.of(job("q", "gc", "*:0/15", "2026-11-23T10:07:00Z")));
        assertThat(s.nextRun(job("q", "gc", "*:0/15", "2026-11-23T10:07:00Z")).orElseThrow().toInstant())
                .isEqualTo(Instant.parse("2026-11-23T10:15:00Z"));
        assertThat(s.tick()).isEmpty();
        now.set(Instant.parse("2026-11-23T10:14:59Z"));
        assertThat(s.tick()).isEmpty();
        now.set(Instant.parse("2026-11-23T10:15:00Z"));
        assertThat(s.tick()).containsExactly("q");
        s.awaitIdle(30);
        now.set(Instant.parse("2026-11-23T10:16:00Z"));
        assertThat(s.tick()).isEmpty();
        now.set(Instant.parse("2026-11-23T10:30:01Z"));
        assertThat(s.tick()).containsExactly("q");
        s.awaitIdle(30);
        List<JobRun> runs = history.list("q", 10);
        assertThat(runs).extracting(JobRun::start).containsExactly("2026-11-23T10:30:01Z", "2026-11-23T10:15:00Z");
        assertThat(runs).extracting(JobRun::status).containsOnly("ok");
        assertThat(runs).extracting(JobRun::trigger).containsOnly("schedule");

        // a new scheduler on the same history (a restart) does not run it again in the same slot ...
        Scheduler restarted = scheduler(List.of(job("q", "gc", "*:0/15", "2026-11-23T10:07:00Z")));
        now.set(Instant.parse("2026-11-23T10:40:00Z"));
        assertThat(restarted.tick()).isEmpty();
        // ... and after hours of downtime runs a missed job once, not once per missed slot
        now.set(Instant.parse("2026-11-23T15:02:00Z"));
        assertThat(restarted.tick()).containsExactly("q");
        restarted.awaitIdle(30);
        assertThat(restarted.tick()).isEmpty();
        assertThat(history.list("q", 10)).hasSize(3);
    }

    @Test
    void jobsOfOneDatastoreNeverOverlap() throws Exception {
        snapshot("h", "2026-11-01T10:00:00Z", "data".repeat(20_000).getBytes(StandardCharsets.UTF_8));
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger concurrent = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger maxConcurrent = new java.util.concurrent.atomic.AtomicInteger();
        List<JobSpec> jobs = List.of(job("v", "verify", "hourly", "2026-11-23T09:00:00Z"), job("g", "gc", "hourly", "2026-11-23T09:00:00Z"));
        // the first job to open the datastore holds it until released
        Scheduler s = new Scheduler(() -> jobs, n -> {
            maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            concurrent.decrementAndGet();
            return ds;
        }, history, clock, ZoneOffset.UTC);
        schedulers.add(s);
        now.set(Instant.parse("2026-11-23T11:00:00Z"));
        List<String> first = s.tick();
        assertThat(first).hasSize(1);
        Thread.sleep(200);
        assertThat(s.tick()).as("the other job waits while the datastore is busy").isEmpty();
        release.countDown();
        s.awaitIdle(60);
        List<String> second = s.tick();
        s.awaitIdle(60);
        assertThat(second).hasSize(1).doesNotContainAnyElementsOf(first);
        assertThat(maxConcurrent.get()).isEqualTo(1);
        assertThat(history.list("v", 1).get(0).summary()).isEqualTo("1 ok, 0 failed, 0 skipped of 1 snapshots");
        assertThat(history.list("g", 1).get(0).status()).isEqualTo("ok");
    }

    @Test
    void gcVerifyAndPruneJobsDoTheirWorkAndRecordIt() throws Exception {
        ChunkId kept = snapshot("web", "2026-11-20T10:00:00Z", "kept".repeat(1000).getBytes(StandardCharsets.UTF_8));
        snapshot("web", "2026-11-21T10:00:00Z", "second".repeat(1000).getBytes(StandardCharsets.UTF_8));
        ChunkId third = snapshot("web", "2026-11-22T10:00:00Z", "third".repeat(1000).getBytes(StandardCharsets.UTF_8));
        ds.writeSnapshotSideFile(new SnapshotRef(new BackupGroup("", "host", "web"), Instant.parse("2026-11-20T10:00:00Z")),
                Datastore.PROTECTED, new byte[0]);
        // an unreferenced chunk, old enough for GC
        byte[] junk = "junk".repeat(100).getBytes(StandardCharsets.UTF_8);
        BlobCodec.Encoded garbage = new BlobCodec(CryptMode.NONE, null).encodeChunk(junk, 0, junk.length);
        ds.insertChunk(garbage.id(), garbage.blob(), 0, garbage.blob().length);
        Files.setLastModifiedTime(chunkFile(garbage.id()), FileTime.from(Instant.now().minusSeconds(3600)));

        JobRunner runner = new JobRunner(history, clock, ZoneOffset.UTC);
        JobRun gc = runner.run(job("g", "gc", "daily", null), ds, "manual");
        assertThat(gc.status()).isEqualTo("ok");
        assertThat(gc.summary()).startsWith("removed 1 chunks (");
        assertThat(chunkFile(garbage.id())).doesNotExist();
        assertThat(gc.log()).contains("removed-chunks: 1");

        // one flipped byte in a referenced chunk: the verify job fails and names the snapshot
        byte[] b = Files.readAllBytes(chunkFile(third));
        b[b.length - 1] ^= 1;
        Files.write(chunkFile(third), b);
        now.set(now.get().plusSeconds(1));
        JobRun verify = runner.run(job("v", "verify", "daily", null), ds, "manual");
        assertThat(verify.status()).isEqualTo("failed");
        assertThat(verify.summary()).isEqualTo("FAILED: 2 ok, 1 failed, 0 skipped of 3 snapshots");
        assertThat(verify.log()).contains("FAILED host/web/2026-11-22T10:00:00Z");

        // prune keeps the newest 2 and the protected one, which takes no slot
        now.set(now.get().plusSeconds(1));
        JobRun prune = runner.run(job("p", "prune", "daily", null), ds, "manual");
        assertThat(prune.status()).isEqualTo("ok");
        assertThat(prune.summary()).isEqualTo("removed 0 of 3 snapshots");
        // the one that failed verify is kept outside the rules: the two newest good ones fill keep-last
        snapshot("web", "2026-11-23T10:00:00Z", "fourth".repeat(1000).getBytes(StandardCharsets.UTF_8));
        now.set(now.get().plusSeconds(1));
        prune = runner.run(job("p", "prune", "daily", null), ds, "manual");
        assertThat(prune.summary()).isEqualTo("removed 0 of 4 snapshots");
        assertThat(prune.log()).contains("keep   host/web/2026-11-22T10:00:00Z  (" + dev.coffer.store.maint.Prune.FAILED_VERIFY + ")");
        snapshot("web", "2026-11-24T10:00:00Z", "fifth".repeat(1000).getBytes(StandardCharsets.UTF_8));
        now.set(now.get().plusSeconds(1));
        prune = runner.run(job("p", "prune", "daily", null), ds, "manual");
        assertThat(prune.summary()).isEqualTo("removed 1 of 5 snapshots");
        assertThat(prune.log()).anyMatch(l -> l.startsWith("remove host/web/2026-11-21T10:00:00Z"));
        assertThat(ds.snapshots(new BackupGroup("", "host", "web"))).extracting(SnapshotRef::timeString)
                .containsExactly("2026-11-20T10:00:00Z", "2026-11-22T10:00:00Z", "2026-11-23T10:00:00Z",
                        "2026-11-24T10:00:00Z");
        assertThat(chunkFile(kept)).exists();

        // the history: newest first, 0600, and the job definitions are validated
        assertThat(history.list(null, 10)).extracting(JobRun::job).containsExactly("p", "p", "p", "v", "g");
        try (var files = Files.walk(history.dir())) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.getPosixFilePermissions(p)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            }
        }
    }

    @Test
    void aRunInterruptedByAStopIsReportedFailed() {
        history.write(new JobRun("20261123T100000Z-abcdef", "q", "s1", "gc", "schedule", "2026-11-23T10:00:00Z", null, null,
                "running", "running", List.of()));
        scheduler(List.of()).start(3600);
        JobRun r = history.list("q", 1).get(0);
        assertThat(r.status()).isEqualTo("failed");
        assertThat(r.summary()).isEqualTo("interrupted (the server stopped during the run)");
    }

    @Test
    void jobDefinitionsAreCheckedAndStored() {
        JobStore store = new JobStore(config);
        store.add(job("nightly-gc", "gc", "sat 02:00", "2026-11-23T10:00:00Z"));
        assertThat(store.list()).extracting(JobSpec::id).containsExactly("nightly-gc");
        assertThatThrownBy(() -> store.add(job("nightly-gc", "gc", "daily", null))).hasMessage("job nightly-gc already exists");
        assertThatThrownBy(() -> store.add(new JobSpec("x", "nope", "gc", "daily", null, null, null, null, null, null, null, null, null)))
                .hasMessage("job x: no datastore named \"nope\"");
        assertThatThrownBy(() -> new JobSpec("p", "s1", "prune", "daily", null, null, null, null, null, null, null, null, null).validate())
                .hasMessage("prune job p keeps nothing");
        assertThatThrownBy(() -> new JobSpec("g", "s1", "gc", "25:00", null, null, null, null, null, null, null, null, null).validate())
                .hasMessageStartingWith("invalid schedule \"25:00\"");
        assertThatThrownBy(() -> new JobSpec("../x", "s1", "gc", "daily", null, null, null, null, null, null, null, null, null).validate())
                .hasMessageStartingWith("invalid job id");
        store.remove("nightly-gc");
        assertThat(store.list()).isEmpty();
    }
}
