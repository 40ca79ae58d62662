package dev.coffer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coffer.server.CofferServer;
import dev.coffer.server.config.ConfigDir;
import dev.coffer.server.config.ServerAdmin;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real server on loopback (HTTPS, HTTP/2), started and stopped here, and the real client against it: in this
 * JVM where the environment can be set for it, and as separate processes where one must be killed or two must
 * run at once.
 */
class ServerTest {
    @TempDir
    static Path tmp;
    static ConfigDir config;
    static CofferServer server;
    static String url;
    static Map<String, String> secrets = new HashMap<>();
    static final String ALICE_PW = "alice-password-1";
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void startServer() throws Exception {
        config = ConfigDir.init(tmp.resolve("cfg"));
        // short idle timeout and login delay keep the test quick
        Files.writeString(config.path().resolve(ConfigDir.SERVER),
                "{\"listen\":\"127.0.0.1:0\",\"session-idle-timeout-seconds\":3,\"failed-login-delay-ms\":20}");
        ServerAdmin admin = new ServerAdmin(config);
        admin.createDatastore("store1", tmp.resolve("ds1"), false);
        admin.createDatastore("vault", tmp.resolve("vault"), true);
        admin.addUser("alice", ALICE_PW.toCharArray());
        admin.addUser("bob", "bob-password-1".toCharArray());
        admin.addUser("root", "root-password-1".toCharArray());
        secrets.put("alice!nightly", admin.addToken("alice", "nightly"));
        secrets.put("bob!nightly", admin.addToken("bob", "nightly"));
        for (String who : List.of("alice", "alice!nightly", "bob", "bob!nightly")) {
            admin.setAcl("/datastore/store1", "DatastoreBackup", who);
            admin.setAcl("/datastore/vault", "DatastoreBackup", who);
        }
        admin.setAcl("/", "Admin", "root");
        server = CofferServer.start(config, "127.0.0.1:0", "test");
        url = "127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.stop();
        }
    }

    @AfterEach
    void clearEnv() {
        Env.OVERRIDES.clear();
    }

    /** Environment for a client of {@code authid} with its own HOME and key. */
    static Map<String, String> env(Path home, String authid, String datastore) {
        Map<String, String> e = new HashMap<>();
        e.put("HOME", home.toString());
        e.put("COFFER_REPOSITORY", "https://" + authid + "@" + url + "/" + datastore);
        e.put("COFFER_PASSWORD", authid.equals("alice") ? ALICE_PW : authid.equals("root") ? "root-password-1" : secrets.get(authid));
        e.put("COFFER_FINGERPRINT", server.fingerprint());
        e.put("COFFER_KEY_PASSPHRASE", "key-passphrase-1");
        return e;
    }

    static Cli.Result inProcess(Map<String, String> env, String... args) {
        return Cli.runWithEnv(env, args);
    }

    static Path newHome(String name) throws IOException {
        Path home = Files.createDirectories(tmp.resolve("home-" + name + "-" + System.nanoTime()));
        return home;
    }

    static Path source(String name, String marker) throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src-" + name));
        Trees.write(src.resolve("secret-plans-" + marker + ".txt"),
                ("the launch code is " + marker + "\n").repeat(200).getBytes(StandardCharsets.UTF_8));
        Trees.write(src.resolve("big.bin"), Trees.random(name.hashCode(), 3_000_000));
        Trees.write(src.resolve("sub/notes.md"), ("# " + marker + "\n").getBytes(StandardCharsets.UTF_8));
        return src;
    }

    @Test
    void encryptedBackupAndRestoreOverHttpsLeaveNothingReadableOnTheServer() throws Exception {
        Path home = newHome("a");
        Map<String, String> e = env(home, "alice!nightly", "store1");
        assertThat(inProcess(e, "key", "create", "--kdf", "none").code()).isZero();
        Path src = Files.createDirectories(tmp.resolve("everything"));
        Trees.everything(src);
        Trees.write(src.resolve("plans-" + Trees.DISTINCTIVE + ".txt"), Trees.DISTINCTIVE.getBytes(StandardCharsets.UTF_8));
        Cli.Result b = inProcess(e, "backup", "root.cfar:" + src, "--backup-id", "web1");
        assertThat(b.code()).as(b.err()).isZero();
        Cli.Result list = inProcess(e, "snapshots", "--output-format", "json");
        assertThat(list.code()).as(list.err()).isZero();
        List<JsonNode> snaps = new ArrayList<>();
        JSON.readTree(list.out()).forEach(n -> {
            if (n.path("snapshot").asText().startsWith("host/web1/")) {
                snaps.add(n);
            }
        });
        assertThat(snaps).hasSize(1);
        assertThat(snaps.get(0).path("crypt-mode").asText()).isEqualTo("encrypt");
        Path target = tmp.resolve("restored-a");
        Cli.Result r = inProcess(e, "restore", "host/web1", "root.cfar", target.toString());
        assertThat(r.code()).as(r.err()).isZero();
        Trees.assertSameTree(src, target);

        // the server's files: no key material, no file name, no file content, no secret
        byte[] keyFile = Files.readAllBytes(home.resolve(".config/coffer/encryption-key.json"));
        JsonNode kf = JSON.readTree(keyFile);
        List<byte[]> needles = new ArrayList<>();
        needles.add(Trees.DISTINCTIVE.getBytes(StandardCharsets.UTF_8));
        needles.add(ALICE_PW.getBytes(StandardCharsets.UTF_8));
        needles.add(secrets.get("alice!nightly").getBytes(StandardCharsets.UTF_8));
        kf.fields().forEachRemaining(f -> {
            if (f.getValue().isTextual() && f.getValue().asText().length() >= 24 && !f.getKey().equals("fingerprint")) {
                needles.add(f.getValue().asText().getBytes(StandardCharsets.UTF_8));
                try {
                    needles.add(Base64.getDecoder().decode(f.getValue().asText()));
                } catch (IllegalArgumentException ignored) {
                    // not base64
                }
            }
        });
        assertThat(needles.size()).isGreaterThan(3);
        for (Path root : List.of(config.path(), tmp.resolve("ds1"))) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path p : files.filter(Files::isRegularFile).toList()) {
                    byte[] data = Files.readAllBytes(p);
                    for (byte[] n : needles) {
                        assertThat(indexOf(data, n)).as("%s holds a secret or plaintext", p).isEqualTo(-1);
                    }
                    assertThat(p.toString()).doesNotContain(Trees.DISTINCTIVE);
                }
            }
        }
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void backupTokenCannotDeletePruneOrReadAnotherOwnersGroup() throws Exception {
        Path bobHome = newHome("bob");
        Map<String, String> bob = env(bobHome, "bob!nightly", "store1");
        assertThat(inProcess(bob, "key", "create", "--kdf", "none").code()).isZero();
        Path src = source("bob", "BOBMARK");
        assertThat(inProcess(bob, "backup", "d.cfar:" + src, "--backup-id", "bobhost").code()).isZero();
        assertThat(inProcess(bob, "backup", "d.cfar:" + src, "--backup-id", "bobhost").code()).isZero();
        String snap = JSON.readTree(inProcess(bob, "snapshots", "--output-format", "json").out())
                .get(0).path("snapshot").asText();

        // bob's own token may not delete or prune even its own backups: ransomware on the host cannot either
        Cli.Result forget = inProcess(bob, "snapshot", "forget", snap);
        assertThat(forget.code()).isEqualTo(1);
        assertThat(forget.err()).contains("permission denied").contains("may not forget snapshots").doesNotContain("Exception");
        Cli.Result prune = inProcess(bob, "prune", "host/bobhost", "--keep-last", "1");
        assertThat(prune.code()).isEqualTo(1);
        assertThat(prune.err()).contains("permission denied").contains("may not prune");

        // alice's token sees none of bob's snapshots and cannot read them
        Map<String, String> alice = env(newHome("alice2"), "alice!nightly", "store1");
        assertThat(inProcess(alice, "key", "create", "--kdf", "none").code()).isZero();
        Cli.Result aliceList = inProcess(alice, "snapshots", "--output-format", "json");
        assertThat(aliceList.out()).doesNotContain("bobhost");
        Cli.Result read = inProcess(alice, "ls", snap, "d.cfar");
        assertThat(read.code()).isEqualTo(1);
        assertThat(read.err()).contains("permission denied").contains("may not read group host/bobhost");
        // nor write into it
        Cli.Result hijack = inProcess(alice, "backup", "d.cfar:" + src, "--backup-id", "bobhost");
        assertThat(hijack.code()).isEqualTo(1);
        assertThat(hijack.err()).contains("permission denied")
                .contains("belongs to another owner, not to alice!nightly").doesNotContain("bob!");
        // a caller who may list the group's snapshots (and so sees its owner there) is told whose it is
        HttpResponse<String> rootBackup = raw("POST", "datastore/store1/backup", "root",
                "{\"type\":\"host\",\"id\":\"bobhost\",\"time\":\"" + java.time.Instant.now().toString().substring(0, 19) + "Z\","
                + "\"crypt-mode\":\"encrypt\"}");
        assertThat(rootBackup.statusCode()).as(rootBackup.body()).isEqualTo(403);
        assertThat(JSON.readTree(rootBackup.body()).path("error").path("message").asText())
                .isEqualTo("group host/bobhost in datastore store1 belongs to bob!nightly, not to root");

        // raw API: exactly 403
        HttpResponse<String> del = raw("DELETE", "datastore/store1/snapshot?snapshot=" + snap, "bob!nightly", null);
        assertThat(del.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(del.body()).path("error").path("code").asText()).isEqualTo("forbidden");
        HttpResponse<String> get = raw("GET", "datastore/store1/file?snapshot=" + snap + "&name=d.cfar.meta.cidx", "alice!nightly", null);
        assertThat(get.statusCode()).isEqualTo(403);
        // every snapshot is still there
        assertThat(JSON.readTree(inProcess(bob, "snapshots", "--output-format", "json").out())).hasSize(2);
        // an admin can prune
        Map<String, String> root = env(newHome("root"), "root", "store1");
        Cli.Result adminPrune = inProcess(root, "prune", "host/bobhost", "--keep-last", "1");
        assertThat(adminPrune.code()).as(adminPrune.err()).isZero();
        assertThat(JSON.readTree(inProcess(bob, "snapshots", "--output-format", "json").out())).hasSize(1);
    }

    @Test
    void requireEncryptionRefusesPlainBackupsAndKeepsNothing() throws Exception {
        Map<String, String> e = env(newHome("plain"), "alice!nightly", "vault");
        Path src = source("plain", "PLAINMARK");
        Cli.Result b = inProcess(e, "backup", "d.cfar:" + src, "--crypt-mode", "none", "--backup-id", "plainhost");
        assertThat(b.code()).isEqualTo(1);
        assertThat(b.err()).contains("datastore vault requires encryption").contains("--crypt-mode encrypt");
        try (Stream<Path> files = Files.walk(tmp.resolve("vault"))) {
            assertThat(files.filter(Files::isRegularFile).map(p -> tmp.resolve("vault").relativize(p).toString())
                    .filter(n -> n.startsWith(".chunks/") || n.contains("plainhost")).toList()).isEmpty();
        }
        // an encrypted backup is accepted
        assertThat(inProcess(e, "key", "create", "--kdf", "none").code()).isZero();
        Cli.Result ok = inProcess(e, "backup", "d.cfar:" + src, "--backup-id", "plainhost");
        assertThat(ok.code()).as(ok.err()).isZero();
    }

    @Test
    void plainChunkInAnEncryptedSessionIsRefusedByItsHeader() throws Exception {
        HttpResponse<String> begin = raw("POST", "datastore/vault/backup", "alice!nightly",
                "{\"type\":\"host\",\"id\":\"rawvault\",\"time\":\"2026-01-01T00:00:00Z\",\"crypt-mode\":\"encrypt\"}");
        assertThat(begin.statusCode()).as(begin.body()).isEqualTo(201);
        String sid = JSON.readTree(begin.body()).path("session").asText();
        byte[] plain = "not secret".getBytes(StandardCharsets.UTF_8);
        var codec = new dev.coffer.core.crypto.BlobCodec(dev.coffer.core.crypto.CryptMode.NONE, null);
        var id = codec.idOf(plain, 0, plain.length);
        byte[] blob = codec.encodeChunk(id, plain, 0, plain.length).blob();
        HttpResponse<String> put = rawBytes("PUT", "datastore/vault/backup/" + sid + "/chunk/" + id.hex(), "alice!nightly", blob);
        assertThat(put.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(put.body()).path("error").path("code").asText()).isEqualTo("encryption-required");
        assertThat(Files.exists(tmp.resolve("vault/.chunks/" + id.hex().substring(0, 4) + "/" + id.hex()))).isFalse();
        assertThat(raw("DELETE", "datastore/vault/backup/" + sid, "alice!nightly", null).statusCode()).isEqualTo(204);
    }

    @Test
    void anAbortedFirstSessionLeavesItsGroupUnclaimed() throws Exception {
        String begin = "{\"type\":\"host\",\"id\":\"claimed\",\"time\":\"2026-01-01T00:00:00Z\",\"crypt-mode\":\"encrypt\"}";
        Path ownerFile = tmp.resolve("ds1/host/claimed/owner");
        HttpResponse<String> a = raw("POST", "datastore/store1/backup", "alice!nightly", begin);
        assertThat(a.statusCode()).as(a.body()).isEqualTo(201);
        assertThat(Files.readString(ownerFile).strip()).isEqualTo("alice!nightly");
        // while it runs, the group is alice's token's
        HttpResponse<String> early = raw("POST", "datastore/store1/backup", "bob!nightly", begin);
        assertThat(early.statusCode()).isEqualTo(403);
        // a second session of the same group is refused, and that refusal does not drop the running one's claim
        assertThat(raw("POST", "datastore/store1/backup", "alice!nightly", begin).statusCode()).isEqualTo(409);
        assertThat(ownerFile).exists();
        String sid = JSON.readTree(a.body()).path("session").asText();
        assertThat(raw("DELETE", "datastore/store1/backup/" + sid, "alice!nightly", null).statusCode()).isEqualTo(204);
        assertThat(ownerFile).as("nothing was backed up, so nothing is owned").doesNotExist();

        // bob may now back the group up, and it is his from then on
        Path src = source("claimed", "claimed-marker");
        Map<String, String> bob = env(newHome("claimed-bob"), "bob!nightly", "store1");
        assertThat(inProcess(bob, "key", "create", "--kdf", "none").code()).isZero();
        Cli.Result b = inProcess(bob, "backup", "d.cfar:" + src, "--backup-id", "claimed");
        assertThat(b.code()).as(b.err()).isZero();
        assertThat(Files.readString(ownerFile).strip()).isEqualTo("bob!nightly");
        // an aborted later session leaves the claim of a group that has snapshots alone
        HttpResponse<String> again = raw("POST", "datastore/store1/backup", "bob!nightly",
                begin.replace("2026-01-01T00:00:00Z", java.time.Instant.now().toString().substring(0, 19) + "Z"));
        assertThat(again.statusCode()).as(again.body()).isEqualTo(201);
        assertThat(raw("DELETE", "datastore/store1/backup/" + JSON.readTree(again.body()).path("session").asText(), "bob!nightly",
                null).statusCode()).isEqualTo(204);
        assertThat(Files.readString(ownerFile).strip()).isEqualTo("bob!nightly");
        assertThat(raw("POST", "datastore/store1/backup", "alice!nightly", begin).statusCode()).isEqualTo(403);
    }

    @Test
    void wrongFingerprintIsRefusedBeforeAnyCredentialIsSent() throws Exception {
        Map<String, String> e = env(newHome("fp"), "alice", "store1");
        e.put("COFFER_FINGERPRINT", "00".repeat(32));
        long before = server.api().requestCount();
        Cli.Result r = inProcess(e, "snapshots");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("presented certificate fingerprint " + server.fingerprint())
                .contains("but " + "00:".repeat(31) + "00 was expected").contains("nothing was sent");
        assertThat(server.api().requestCount()).as("no request reached the API").isEqualTo(before);

        // trust on first use without a terminal: refused, and the fingerprint is shown
        Path home = newHome("tofu");
        Map<String, String> t = env(home, "alice", "store1");
        t.remove("COFFER_FINGERPRINT");
        Cli.Result tofu = inProcess(t, "snapshots");
        assertThat(tofu.code()).isEqualTo(1);
        assertThat(tofu.err()).contains("not trusted yet").contains(server.fingerprint());
        // a remembered fingerprint that no longer matches is refused loudly
        Files.createDirectories(home.resolve(".config/coffer"));
        Files.writeString(home.resolve(".config/coffer/fingerprints"), url + " " + "ab:".repeat(31) + "ab\n");
        Cli.Result changed = inProcess(t, "snapshots");
        assertThat(changed.code()).isEqualTo(1);
        assertThat(changed.err()).contains("man-in-the-middle").contains("remembered for " + url);
        assertThat(server.api().requestCount()).isEqualTo(before);
        // the right one, remembered, works
        Files.writeString(home.resolve(".config/coffer/fingerprints"), url + " " + server.fingerprint() + "\n");
        assertThat(inProcess(t, "snapshots").code()).isZero();
    }

    @Test
    void twoClientsWithOneKeyBackUpDifferentGroupsAtOnceAndShareChunks() throws Exception {
        Path home = newHome("shared");
        Map<String, String> e = env(home, "alice", "store1");
        assertThat(inProcess(e, "key", "create", "--kdf", "none").code()).isZero();
        Path src = source("shared", "SHAREDMARK");
        Trees.write(src.resolve("more.bin"), Trees.random(99, 6_000_000));
        var a = CompletableFuture.supplyAsync(() -> proc(e, "backup", "d.cfar:" + src, "--backup-id", "twin-a"));
        var b = CompletableFuture.supplyAsync(() -> proc(e, "backup", "d.cfar:" + src, "--backup-id", "twin-b"));
        Cli.Result ra = a.join();
        Cli.Result rb = b.join();
        assertThat(ra.code()).as(ra.err()).isZero();
        assertThat(rb.code()).as(rb.err()).isZero();
        Set<String> ida = chunkIds("host/twin-a");
        Set<String> idb = chunkIds("host/twin-b");
        assertThat(ida).isNotEmpty().isEqualTo(idb);
        for (String id : ida) {
            Path p = tmp.resolve("ds1/.chunks/" + id.substring(0, 4) + "/" + id);
            assertThat(p).exists();
        }
        try (Stream<Path> dir = Files.list(tmp.resolve("ds1/.chunks/" + ida.iterator().next().substring(0, 4)))) {
            assertThat(dir.filter(p -> p.getFileName().toString().startsWith(".tmp")).toList()).isEmpty();
        }
    }

    /** The chunk ids the newest snapshot of a group references, read from the datastore's index files. */
    static Set<String> chunkIds(String group) throws IOException {
        Path g = tmp.resolve("ds1").resolve(group);
        Path snap;
        try (Stream<Path> s = Files.list(g)) {
            snap = s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).sorted()
                    .reduce((x, y) -> y).orElseThrow();
        }
        Set<String> ids = new HashSet<>();
        try (Stream<Path> s = Files.list(snap)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".cidx")).toList()) {
                var idx = dev.coffer.core.format.Index.parse(Files.readAllBytes(f));
                idx.forEachId(id -> ids.add(id.hex()));
            }
        }
        return ids;
    }

    static Cli.Result proc(Map<String, String> env, String... args) {
        try {
            return Cli.process(env, tmp, args);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aClientKilledMidUploadLeavesNoSnapshotAndTheNextBackupCompletes() throws Exception {
        Path home = newHome("kill");
        Map<String, String> e = env(home, "alice", "store1");
        assertThat(inProcess(e, "key", "create", "--kdf", "none").code()).isZero();
        Path src = Files.createDirectories(tmp.resolve("src-kill"));
        Trees.write(src.resolve("big.bin"), Trees.random(7, 24_000_000));
        // --rate keeps it uploading long enough to be killed mid-way
        Process p = Cli.start(e, tmp, "backup", "d.cfar:" + src, "--backup-id", "killed", "--rate", "2");
        Path group = tmp.resolve("ds1/host/killed");
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!hasTempSnapshot(group) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(hasTempSnapshot(group)).as("the backup began").isTrue();
        Thread.sleep(1500);
        p.destroyForcibly().waitFor();
        assertThat(visibleSnapshots(group)).isEmpty();
        // the server drops the silent session after its idle timeout (3 s here)
        deadline = System.nanoTime() + 30_000_000_000L;
        while (hasTempSnapshot(group) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(hasTempSnapshot(group)).as("the aborted session was cleaned up").isFalse();
        assertThat(visibleSnapshots(group)).isEmpty();
        Cli.Result again = inProcess(e, "backup", "d.cfar:" + src, "--backup-id", "killed");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(visibleSnapshots(group)).hasSize(1);
        Path target = tmp.resolve("restored-kill");
        assertThat(inProcess(e, "restore", "host/killed", "d.cfar", target.toString()).code()).isZero();
        assertThat(Files.mismatch(src.resolve("big.bin"), target.resolve("big.bin"))).isEqualTo(-1);
    }

    static boolean hasTempSnapshot(Path group) throws IOException {
        if (!Files.isDirectory(group)) {
            return false;
        }
        try (Stream<Path> s = Files.list(group)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith(".tmp-"));
        }
    }

    static List<Path> visibleSnapshots(Path group) throws IOException {
        if (!Files.isDirectory(group)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(group)) {
            return s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).toList();
        }
    }

    static String beginRaw(String datastore, String authid, String id, String time, String mode) throws Exception {
        HttpResponse<String> begin = raw("POST", "datastore/" + datastore + "/backup", authid,
                "{\"type\":\"host\",\"id\":\"" + id + "\",\"time\":\"" + time + "\",\"crypt-mode\":\"" + mode + "\"}");
        assertThat(begin.statusCode()).as(begin.body()).isEqualTo(201);
        return "datastore/" + datastore + "/backup/" + JSON.readTree(begin.body()).path("session").asText() + "/";
    }

    @Test
    void aSessionWithOnlyKeepalivesIsAbortedAtTheStallTimeoutSoGarbageCollectionGoesOn() throws Exception {
        Path serverJson = config.path().resolve(ConfigDir.SERVER);
        String before = Files.readString(serverJson);
        Files.writeString(serverJson, "{\"listen\":\"127.0.0.1:0\",\"session-idle-timeout-seconds\":8,"
                + "\"failed-login-delay-ms\":20,\"session-stall-timeout-seconds\":3}");
        try {
            String who = "alice!nightly";
            String stuck = beginRaw("store1", who, "stuck", "2026-03-01T00:00:00Z", "encrypt");
            Path stuckOwner = tmp.resolve("ds1/host/stuck/owner");
            assertThat(stuckOwner).exists();
            // while it runs, a collection is held back to its start
            HttpResponse<String> gc = raw("POST", "datastore/store1/gc", "root", null);
            assertThat(gc.statusCode()).as(gc.body()).isEqualTo(200);
            assertThat(JSON.readTree(gc.body()).path("held-back-by-backup-since").isTextual()).as(gc.body()).isTrue();
            String working = beginRaw("store1", who, "working", "2026-03-01T00:00:00Z", "encrypt");
            // one client only keeps its session alive, the other keeps asking about chunks, for over twice the
            // stall timeout and less than the idle timeout
            int stuckStatus = 204;
            long end = System.nanoTime() + 7_000_000_000L;
            while (System.nanoTime() < end) {
                int k = raw("POST", stuck + "keepalive", who, null).statusCode();
                assertThat(k).as("a keepalive is answered until the session is aborted").isIn(204, 404);
                assertThat(stuckStatus == 404 && k == 204).as("an aborted session does not come back").isFalse();
                stuckStatus = k;
                assertThat(rawBytes("POST", working + "known", who, new byte[32]).statusCode()).isEqualTo(200);
                Thread.sleep(400);
            }
            // the stuck one was aborted, though it was never idle, and its owner is told why
            HttpResponse<String> told = raw("POST", stuck + "known", who, null);
            assertError(told, 404, "not-found");
            String why = JSON.readTree(told.body()).path("error").path("message").asText();
            assertThat(why).startsWith("the server aborted backup session ").contains("3 s with keepalives and no other request")
                    .contains("session-stall-timeout-seconds").endsWith("nothing of it was kept: run the backup again");
            // another user learns nothing of it
            HttpResponse<String> other = raw("POST", stuck + "keepalive", "bob!nightly", null);
            assertError(other, 404, "not-found");
            String sessionId = stuck.substring("datastore/store1/backup/".length(), stuck.length() - 1);
            assertThat(JSON.readTree(other.body()).path("error").path("message").asText())
                    .isEqualTo("no backup session \"" + sessionId + "\" (finished, aborted or timed out)");
            // its first backup left nothing, not even the claim on the group
            assertThat(stuckOwner).doesNotExist();
            // the working one is still open; once it ends, nothing holds a collection back
            assertThat(raw("POST", working + "keepalive", who, null).statusCode()).isEqualTo(204);
            assertThat(raw("DELETE", working, who, null).statusCode()).isEqualTo(204);
            gc = raw("POST", "datastore/store1/gc", "root", null);
            assertThat(gc.statusCode()).as(gc.body()).isEqualTo(200);
            assertThat(JSON.readTree(gc.body()).has("held-back-by-backup-since")).as(gc.body()).isFalse();
        } finally {
            Files.writeString(serverJson, before);
        }
    }

    @Test
    void anUploadHoldsOnlyWhatHasArrivedOfTheServersUploadMemory() throws Exception {
        // an index upload (limit 256 MiB) trickling in, announced as 3 MiB or without a length
        for (boolean withLength : new boolean[] {false, true}) {
            trickleUpload(withLength);
        }
    }

    private static void trickleUpload(boolean withLength) throws Exception {
        String who = "alice!nightly";
        String base = beginRaw("store1", who, "trickle-" + withLength, "2026-04-01T00:00:00Z", "encrypt");
        // nothing else holds any of the budget (a request of an earlier test may still be finishing)
        int free = dev.coffer.server.api.ApiHandler.bodyBudgetKiB();
        long settle = System.nanoTime() + 10_000_000_000L;
        while (dev.coffer.server.api.ApiHandler.bodyBudgetFreeKiB() != free && System.nanoTime() < settle) {
            Thread.sleep(20);
        }
        assertThat(dev.coffer.server.api.ApiHandler.bodyBudgetFreeKiB()).isEqualTo(free);
        int first = 100 << 10;
        int total = 3 << 20;
        java.util.concurrent.CountDownLatch more = new java.util.concurrent.CountDownLatch(1);
        java.io.InputStream trickle = new java.io.InputStream() {
            int sent;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws java.io.IOException {
                if (sent == first) {
                    try {
                        more.await();
                    } catch (InterruptedException e) {
                        throw new java.io.InterruptedIOException();
                    }
                }
                if (sent == total) {
                    return -1;
                }
                int n = Math.min(len, (sent < first ? first : total) - sent);
                java.util.Arrays.fill(b, off, off + n, (byte) 'x');
                sent += n;
                return n;
            }
        };
        HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.ofInputStream(() -> trickle);
        if (withLength) {
            body = HttpRequest.BodyPublishers.fromPublisher(body, total);
        }
        String pw = secrets.get(who);
        try (HttpClient c = HttpClient.newBuilder().sslContext(trustAll()).build()) {
            HttpRequest req = HttpRequest.newBuilder(URI.create("https://" + url + "/api/v1/" + base + "file/trickle.cidx"))
                    .PUT(body)
                    .header("Content-Type", "application/octet-stream")
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((who + ":" + pw).getBytes(StandardCharsets.UTF_8)))
                    .build();
            CompletableFuture<HttpResponse<String>> upload = c.sendAsync(req, HttpResponse.BodyHandlers.ofString());
            try {
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (dev.coffer.server.api.ApiHandler.bodyBudgetFreeKiB() == free && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                Thread.sleep(200); // had it reserved more than its first piece, it would have by now
                int held = free - dev.coffer.server.api.ApiHandler.bodyBudgetFreeKiB();
                // one piece of 1 MiB is held while it fills, not what was announced nor the request's limit
                assertThat(held).as("KiB held by the unfinished upload, length given: " + withLength)
                        .isPositive().isLessThanOrEqualTo(1024 + 1);
                // meanwhile another upload goes through at once
                assertThat(rawBytes("PUT", base + "chunk/" + "00".repeat(32), who, new byte[64 << 10]).statusCode())
                        .isBetween(400, 499); // not a valid blob: refused on its content, not for want of memory
            } finally {
                more.countDown(); // whatever happened above: an upload left waiting would hold up the client's close
            }
            HttpResponse<String> r = upload.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertError(r, 400, "bad-request"); // 3 MiB of 'x' is no index
            assertThat(r.body()).contains("trickle.cidx");
        }
        // everything reserved went back
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (dev.coffer.server.api.ApiHandler.bodyBudgetFreeKiB() != free && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(dev.coffer.server.api.ApiHandler.bodyBudgetFreeKiB()).isEqualTo(free);
        assertThat(raw("DELETE", base, who, null).statusCode()).isEqualTo(204);
    }

    @Test
    void anotherTenantCannotPlantOrKnockOutAnUnencryptedChunk() throws Exception {
        var plainCodec = new dev.coffer.core.crypto.BlobCodec(dev.coffer.core.crypto.CryptMode.NONE, null);
        var encCodec = new dev.coffer.core.crypto.BlobCodec(dev.coffer.core.crypto.CryptMode.ENCRYPT,
                dev.coffer.core.crypto.KeySet.derive(dev.coffer.core.crypto.DataKey.generate()));
        // a guessable plaintext: its unencrypted id is its SHA-256, which anyone can compute
        byte[] plain = "the well-known contents of /etc/motd\n".repeat(30).getBytes(StandardCharsets.UTF_8);
        var x = plainCodec.idOf(plain, 0, plain.length);
        Path stored = tmp.resolve("ds1/.chunks/" + x.hex().substring(0, 4) + "/" + x.hex());
        // bob plants an encrypted blob of garbage under that id before alice backs up
        String bob = beginRaw("store1", "bob!nightly", "planter", "2026-01-01T00:00:00Z", "encrypt");
        byte[] garbage = encCodec.encodeChunk(x, Trees.random(8, 500), 0, 500).blob();
        assertThat(rawBytes("PUT", bob + "chunk/" + x.hex(), "bob!nightly", garbage).statusCode()).isEqualTo(204);
        assertThat(Files.readAllBytes(stored)).isEqualTo(garbage);
        // alice's checked upload of the real content takes its place
        String alice = beginRaw("store1", "alice!nightly", "motd", "2026-01-01T00:00:00Z", "none");
        byte[] real = plainCodec.encodeChunk(x, plain, 0, plain.length).blob();
        HttpResponse<String> put = rawBytes("PUT", alice + "chunk/" + x.hex(), "alice!nightly", real);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(204);
        assertThat(Files.readAllBytes(stored)).isEqualTo(real);
        // and an encrypted upload under the id of the stored unencrypted chunk is refused, the chunk untouched
        HttpResponse<String> knock = rawBytes("PUT", bob + "chunk/" + x.hex(), "bob!nightly", garbage);
        assertError(knock, 409, "refused");
        assertThat(Files.readAllBytes(stored)).isEqualTo(real);
        // a second unencrypted upload of the same content simply finds it
        assertThat(rawBytes("PUT", alice + "chunk/" + x.hex(), "alice!nightly", real).statusCode()).isEqualTo(204);
        assertThat(Files.readAllBytes(stored)).isEqualTo(real);
        // a stored encrypted chunk that rotted is healed by the next upload of it, not held against it
        byte[] data = Trees.random(9, 700);
        var y = encCodec.idOf(data, 0, data.length);
        byte[] good = encCodec.encodeChunk(y, data, 0, data.length).blob();
        Path yFile = tmp.resolve("ds1/.chunks/" + y.hex().substring(0, 4) + "/" + y.hex());
        assertThat(rawBytes("PUT", bob + "chunk/" + y.hex(), "bob!nightly", good).statusCode()).isEqualTo(204);
        byte[] rotten = good.clone();
        rotten[rotten.length - 3] ^= 1;
        Files.write(yFile, rotten);
        HttpResponse<String> heal = rawBytes("PUT", bob + "chunk/" + y.hex(), "bob!nightly", good);
        assertThat(heal.statusCode()).as(heal.body()).isEqualTo(204);
        assertThat(Files.readAllBytes(yFile)).isEqualTo(good);
        assertThat(raw("DELETE", bob, "bob!nightly", null).statusCode()).isEqualTo(204);
        assertThat(raw("DELETE", alice, "alice!nightly", null).statusCode()).isEqualTo(204);
    }

    @Test
    void finishChecksEachIndexSizeAndAFutureTimeIsRefused() throws Exception {
        String who = "alice!nightly";
        HttpResponse<String> future = raw("POST", "datastore/store1/backup", who, "{\"type\":\"host\",\"id\":\"future\",\"time\":\""
                + dev.coffer.store.SnapshotRef.formatTime(java.time.Instant.now().plusSeconds(3600)) + "\",\"crypt-mode\":\"none\"}");
        assertError(future, 400, "bad-request");
        assertThat(future.body()).contains("ahead of the server's clock").contains("check the client's clock");

        String base = beginRaw("store1", who, "sizes", "2026-01-01T00:00:00Z", "none");
        var codec = new dev.coffer.core.crypto.BlobCodec(dev.coffer.core.crypto.CryptMode.NONE, null);
        byte[] data = Trees.random(21, 1000);
        var e = codec.encodeChunk(data, 0, data.length);
        assertThat(rawBytes("PUT", base + "chunk/" + e.id().hex(), who, e.blob()).statusCode()).isEqualTo(204);
        var iw = dev.coffer.core.format.IndexWriter.fixed(dev.coffer.core.crypto.CryptMode.NONE, 1000);
        iw.addFixed(e.id(), 1000);
        byte[] index = iw.finish();
        HttpResponse<String> putIndex = rawBytes("PUT", base + "file/disk.img.cidx", who, index);
        assertThat(putIndex.statusCode()).as(putIndex.body()).isEqualTo(200);
        String sha = java.util.HexFormat.of().formatHex(java.util.Arrays.copyOfRange(index, index.length - 32, index.length));
        java.time.Instant t = java.time.Instant.parse("2026-01-01T00:00:00Z");
        for (long size : new long[] {999, 1000}) {
            var body = new dev.coffer.core.format.ManifestBody(1, "host", "sizes", t, dev.coffer.core.crypto.CryptMode.NONE, null,
                    List.of(new dev.coffer.core.format.ArchiveRef("disk.img", dev.coffer.core.format.ArchiveRef.IMAGE,
                            List.of(new dev.coffer.core.format.IndexRef("image", "disk.img.cidx", size, sha)))),
                    4 << 20, false, new java.util.LinkedHashMap<>(), "test");
            byte[] manifest = dev.coffer.core.format.Manifest.encode(body, dev.coffer.core.format.Manifest::sha256Tag);
            HttpResponse<String> m = rawBytes("PUT", base + "file/manifest.cfm", who, manifest);
            assertThat(m.statusCode()).as(m.body()).isEqualTo(200);
            HttpResponse<String> fin = raw("POST", base + "finish", who, null);
            if (size == 999) {
                // a snapshot whose manifest and index disagree would stop every garbage collection later
                assertError(fin, 400, "bad-request");
                assertThat(fin.body()).contains("gives index disk.img.cidx a size of 999 bytes, the index says 1000");
            } else {
                assertThat(fin.statusCode()).as(fin.body()).isEqualTo(200);
            }
        }
        assertThat(visibleSnapshots(tmp.resolve("ds1/host/sizes"))).hasSize(1);
        // the ended session takes nothing more
        assertError(rawBytes("PUT", base + "chunk/" + e.id().hex(), who, e.blob()), 404, "not-found");
    }

    @Test
    void takingAwayTheRightToBackUpStopsASessionUnderWay() throws Exception {
        ServerAdmin admin = new ServerAdmin(config);
        admin.addUser("dave", "dave-password-1".toCharArray());
        secrets.put("dave!nightly", admin.addToken("dave", "nightly"));
        admin.setAcl("/datastore/store1", "DatastoreBackup", "dave"); // a token has at most its user's rights
        admin.setAcl("/datastore/store1", "DatastoreBackup", "dave!nightly");
        String base = beginRaw("store1", "dave!nightly", "dave", "2026-01-01T00:00:00Z", "encrypt");
        assertThat(raw("POST", base + "keepalive", "dave!nightly", null).statusCode()).isEqualTo(204);
        assertThat(admin.removeAcl("/datastore/store1", "DatastoreBackup", "dave!nightly")).isEqualTo(1);
        HttpResponse<String> after = raw("POST", base + "keepalive", "dave!nightly", null);
        assertError(after, 403, "forbidden");
        assertThat(after.body()).contains("may not continue backups");
        // ending it is still allowed
        assertThat(raw("DELETE", base, "dave!nightly", null).statusCode()).isEqualTo(204);
    }

    @Test
    void malformedRequestsGetTheRightClientError() throws Exception {
        String who = "alice!nightly";
        // missing or wrong credentials
        assertError(raw("GET", "datastore/store1/snapshots", null, null), 401, "unauthorized");
        assertError(raw("GET", "datastore/store1/snapshots", "nobody", null), 401, "unauthorized");
        // unknown datastore
        assertError(raw("GET", "datastore/nosuch/snapshots", who, null), 404, "not-found");
        // bad JSON
        assertError(raw("POST", "datastore/store1/backup", who, "{\"type\": \"host\", "), 400, "bad-request");
        assertError(raw("POST", "datastore/store1/backup", who, "[1,2]"), 400, "bad-request");
        assertError(raw("POST", "datastore/store1/backup", who,
                "{\"type\":\"host\",\"id\":\"../etc\",\"time\":\"2026-01-01T00:00:00Z\",\"crypt-mode\":\"encrypt\"}"), 400, "bad-request");
        // '..' in names
        assertError(raw("GET", "datastore/store1/file?snapshot=host/x/2026-01-01T00:00:00Z&name=../../../etc/passwd", who, null),
                400, "bad-request");
        assertError(raw("GET", "datastore/store1/file?snapshot=host/../../2026-01-01T00:00:00Z&name=manifest.cfm", who, null),
                400, "bad-request");
        assertError(raw("GET", "datastore/store1/snapshots?ns=a/../../b", who, null), 400, "bad-request");
        HttpResponse<String> dots = raw("GET", "datastore/%2e%2e/snapshots", who, null);
        assertThat(dots.statusCode()).isBetween(400, 404);
        assertThat(JSON.readTree(dots.body()).path("error").path("message").asText()).isNotEmpty();

        HttpResponse<String> begin = raw("POST", "datastore/store1/backup", who,
                "{\"type\":\"host\",\"id\":\"malformed\",\"time\":\"2026-01-01T00:00:00Z\",\"crypt-mode\":\"encrypt\"}");
        assertThat(begin.statusCode()).as(begin.body()).isEqualTo(201);
        String base = "datastore/store1/backup/" + JSON.readTree(begin.body()).path("session").asText() + "/";
        String id = "ab".repeat(32);
        // wrong magic
        byte[] junk = "this is not a blob at all".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> magic = rawBytes("PUT", base + "chunk/" + id, who, junk);
        assertError(magic, 400, "bad-request");
        assertThat(magic.body()).contains("bad magic");
        // a valid header with one flipped body byte: CRC32C
        var keys = dev.coffer.core.crypto.KeySet.derive(dev.coffer.core.crypto.DataKey.generate());
        var codec = new dev.coffer.core.crypto.BlobCodec(dev.coffer.core.crypto.CryptMode.ENCRYPT, keys);
        byte[] data = Trees.random(3, 10_000);
        var cid = codec.idOf(data, 0, data.length);
        byte[] blob = codec.encodeChunk(cid, data, 0, data.length).blob();
        blob[blob.length - 1] ^= 1;
        HttpResponse<String> crc = rawBytes("PUT", base + "chunk/" + cid.hex(), who, blob);
        assertError(crc, 400, "bad-request");
        assertThat(crc.body()).contains("CRC32C");
        // oversized chunk: refused by its announced length
        HttpResponse<String> big = rawBytes("PUT", base + "chunk/" + id, who, new byte[dev.coffer.core.crypto.BlobCodec.MAX_BLOB + 1]);
        assertError(big, 413, "too-large");
        // bad chunk id, bad file name, an index naming chunks never uploaded
        assertError(rawBytes("PUT", base + "chunk/XYZ", who, junk), 400, "bad-request");
        assertError(rawBytes("PUT", base + "file/.hidden", who, junk), 400, "bad-request");
        assertError(rawBytes("PUT", base + "file/notes.txt", who, junk), 400, "bad-request");
        HttpResponse<String> encodedDots = rawBytes("PUT", base + "file/%2e%2e", who, junk);
        assertThat(encodedDots.statusCode()).as(encodedDots.body()).isEqualTo(400);
        var iw = dev.coffer.core.format.IndexWriter.dynamic(dev.coffer.core.crypto.CryptMode.ENCRYPT);
        iw.addDynamic(100, cid);
        HttpResponse<String> idx = rawBytes("PUT", base + "file/x.payload.cidx", who, iw.finish());
        assertError(idx, 400, "bad-request");
        assertThat(idx.body()).contains("neither uploaded nor confirmed");
        // finishing without a manifest
        assertError(raw("POST", base + "finish", who, null), 400, "bad-request");
        // wrong method, unknown path
        assertThat(raw("PUT", "datastore/store1/snapshots", who, "{}").statusCode()).isEqualTo(405);
        assertError(raw("GET", "nothing/here", who, null), 404, "not-found");
        assertThat(raw("DELETE", base, who, null).statusCode()).isEqualTo(204);
        assertThat(visibleSnapshots(tmp.resolve("ds1/host/malformed"))).isEmpty();
    }

    @Test
    void configChangesApplyToTheRunningServerAndHttp2IsSpoken() throws Exception {
        ServerAdmin admin = new ServerAdmin(config);
        admin.addUser("carol", "carol-password-1".toCharArray());
        Map<String, String> carol = env(newHome("carol"), "carol", "store1");
        carol.put("COFFER_PASSWORD", "carol-password-1");
        Cli.Result denied = inProcess(carol, "snapshots");
        assertThat(denied.code()).isEqualTo(1);
        assertThat(denied.err()).contains("permission denied");
        admin.setAcl("/datastore/store1", "DatastoreAudit", "carol");
        Cli.Result allowed = inProcess(carol, "snapshots", "--output-format", "json");
        assertThat(allowed.code()).as(allowed.err()).isZero();
        admin.removeUser("carol");
        Cli.Result gone = inProcess(carol, "snapshots");
        assertThat(gone.code()).isEqualTo(1);
        assertThat(gone.err()).contains("refused the credentials of carol");
        // a datastore that holds snapshots is not removed by accident
        Path home = newHome("keep");
        Map<String, String> e = env(home, "alice!nightly", "store1");
        assertThat(inProcess(e, "key", "create", "--kdf", "none").code()).isZero();
        assertThat(inProcess(e, "backup", "d.cfar:" + source("keep", "KEEPMARK"), "--backup-id", "keep").code()).isZero();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> admin.removeDatastore("store1", false))
                .hasMessageStartingWith("datastore store1 is not empty (");

        try (HttpClient c = HttpClient.newBuilder().sslContext(trustAll()).version(HttpClient.Version.HTTP_2).build()) {
            HttpResponse<String> ping = c.send(HttpRequest.newBuilder(URI.create("https://" + url + "/api/v1/ping")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ping.statusCode()).isEqualTo(200);
            assertThat(ping.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(ping.sslSession().orElseThrow().getProtocol()).isEqualTo("TLSv1.3");
        }
    }

    @Test
    void benchmarkMeasuresTlsUploadsToTheServer() throws Exception {
        Map<String, String> e = env(newHome("bench"), "alice!nightly", "store1");
        Cli.Result r = inProcess(e, "benchmark", "--seconds", "0.05", "--output-format", "json");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode tls = null;
        for (JsonNode k : JSON.readTree(r.out()).path("kernels")) {
            if (k.path("kernel").asText().equals("tls-upload")) {
                tls = k;
            }
        }
        assertThat(tls).as("a tls-upload row").isNotNull();
        assertThat(tls.path("steady-mbps").asLong()).isPositive();
        assertThat(tls.path("reference-mbps").asDouble()).isEqualTo(1235.0);
        // without a server there is no such row
        Cli.Result local = Cli.run("benchmark", "--seconds", "0.05", "--output-format", "json");
        assertThat(local.out()).doesNotContain("tls-upload");
    }

    @Test
    void scheduledJobsAndTheirHistoryOverTheApiAndTheCli() throws Exception {
        String cfg = config.path().toString();
        Cli.Result add = Cli.run("server", "job", "add", "store1-gc", "--datastore", "store1", "--type", "gc", "--schedule",
                "sat 02:00", "--config-dir", cfg);
        assertThat(add.code()).as(add.err()).isZero();
        assertThat(add.out()).contains("added job store1-gc (gc on store1, sat 02:00); next run ");
        Cli.Result bad = Cli.run("server", "job", "add", "x", "--datastore", "store1", "--type", "gc", "--schedule", "sat 25:00",
                "--config-dir", cfg);
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("invalid schedule \"sat 25:00\": the hour 25 is outside 0..23");

        HttpResponse<String> list = raw("GET", "datastore/store1/jobs", "root", null);
        assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
        JsonNode jobs = JSON.readTree(list.body());
        assertThat(jobs).hasSize(1);
        assertThat(jobs.get(0).path("job").path("schedule").asText()).isEqualTo("sat 02:00");
        assertThat(java.time.Instant.parse(jobs.get(0).path("next-run").asText())).isAfter(java.time.Instant.now());
        // a backup token may neither run nor read jobs
        assertThat(raw("POST", "datastore/store1/jobs/store1-gc/run", "alice!nightly", null).statusCode()).isEqualTo(403);
        assertThat(raw("GET", "datastore/store1/jobs/history", "alice!nightly", null).statusCode()).isEqualTo(403);
        HttpResponse<String> run = raw("POST", "datastore/store1/jobs/store1-gc/run", "root", null);
        assertThat(run.statusCode()).as(run.body()).isEqualTo(200);
        assertThat(JSON.readTree(run.body()).path("status").asText()).isEqualTo("ok");
        assertThat(JSON.readTree(run.body()).path("trigger").asText()).isEqualTo("manual");
        assertError(raw("POST", "datastore/store1/jobs/nosuch/run", "root", null), 404, "not-found");

        Cli.Result local = Cli.run("server", "job", "run", "store1-gc", "--config-dir", cfg);
        assertThat(local.code()).as(local.err()).isZero();
        HttpResponse<String> hist = raw("GET", "datastore/store1/jobs/store1-gc?limit=10", "root", null);
        JsonNode runs = JSON.readTree(hist.body());
        assertThat(runs).hasSize(2);
        for (JsonNode r : runs) {
            assertThat(r.path("status").asText()).isEqualTo("ok");
            assertThat(r.path("duration-ms").asLong()).isNotNegative();
            assertThat(r.path("log").toString()).contains("removed-chunks");
        }
        Cli.Result cliHist = Cli.run("server", "job", "history", "store1-gc", "--config-dir", cfg, "--output-format", "json");
        assertThat(JSON.readTree(cliHist.out())).hasSize(2);
        Cli.Result listed = Cli.run("server", "job", "list", "--config-dir", cfg);
        assertThat(listed.out()).contains("store1-gc  gc on store1  [sat 02:00]").contains(" ok");
        assertThat(Cli.run("server", "job", "remove", "store1-gc", "--config-dir", cfg).code()).isZero();
    }

    @Test
    void jobRunsOverTheApiNameTheDatastoreNotItsDirectory() throws Exception {
        String cfg = config.path().toString();
        Path dir = tmp.resolve("jobs-store");
        new ServerAdmin(config).createDatastore("jobsds", dir, false);
        assertThat(Cli.run("server", "job", "add", "jobsds-verify", "--datastore", "jobsds", "--type", "verify",
                "--schedule", "sat 03:00", "--config-dir", cfg).code()).isZero();
        try {
            // a snapshot in it, one of whose chunk files cannot be read: verify reports the file
            Map<String, String> e = new HashMap<>();
            e.put("HOME", newHome("jobs").toString());
            e.put("COFFER_REPOSITORY", dir.toString());
            assertThat(Cli.runWithEnv(e, "backup", "--crypt-mode", "none", "--backup-id", "j",
                    "f.cfar:" + source("jobs", "jobs-marker")).code()).isZero();
            Path chunk;
            try (Stream<Path> files = Files.walk(dir.resolve(".chunks"))) {
                chunk = files.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().length() == 64)
                        .findFirst().orElseThrow();
            }
            Files.delete(chunk);
            Files.createDirectory(chunk);
            String real = dir.toRealPath().toString();
            HttpResponse<String> run = raw("POST", "datastore/jobsds/jobs/jobsds-verify/run", "root", null);
            assertThat(run.statusCode()).as(run.body()).isEqualTo(200);
            JsonNode r = JSON.readTree(run.body());
            assertThat(r.path("status").asText()).isEqualTo("failed");
            assertThat(r.path("log").toString()).contains("from <datastore jobsds>: ");
            assertThat(run.body()).doesNotContain(real).doesNotContain(tmp.toString());
            HttpResponse<String> hist = raw("GET", "datastore/jobsds/jobs/history", "root", null);
            assertThat(hist.statusCode()).as(hist.body()).isEqualTo(200);
            assertThat(hist.body()).contains("from <datastore jobsds>: ").doesNotContain(real)
                    .doesNotContain(dir.toAbsolutePath().toString())
                    .doesNotContain(tmp.toString());
            // the server's administrator, reading the history on the server, sees where it is
            Cli.Result local = Cli.run("server", "job", "history", "jobsds-verify", "--config-dir", cfg, "--output-format", "json");
            assertThat(local.code()).as(local.err()).isZero();
            assertThat(local.out()).containsAnyOf("from " + dir.toAbsolutePath() + ": ", "from " + real + ": ");
            // the job goes, and a new one takes its id on another datastore: the old runs are not its runs
            assertThat(Cli.run("server", "job", "remove", "jobsds-verify", "--config-dir", cfg).code()).isZero();
            assertThat(Cli.run("server", "job", "add", "jobsds-verify", "--datastore", "store1", "--type", "gc",
                    "--schedule", "sat 03:00", "--config-dir", cfg).code()).isZero();
            HttpResponse<String> reused = raw("GET", "datastore/store1/jobs/jobsds-verify?limit=10", "root", null);
            assertThat(reused.statusCode()).as(reused.body()).isEqualTo(200);
            assertThat(JSON.readTree(reused.body())).as(reused.body()).isEmpty();
            JsonNode listed = JSON.readTree(raw("GET", "datastore/store1/jobs", "root", null).body());
            JsonNode entry = null;
            for (JsonNode j : listed) {
                if (j.path("job").path("id").asText().equals("jobsds-verify")) {
                    entry = j;
                }
            }
            assertThat(entry).as(listed.toString()).isNotNull();
            assertThat(entry.path("last-run").isNull()).as(entry.toString()).isTrue();
            assertThat(entry.path("last-status").isNull()).as(entry.toString()).isTrue();
            // its datastore's own history still has the run, under the old datastore
            assertThat(raw("GET", "datastore/jobsds/jobs/history", "root", null).body()).contains("jobsds-verify");
        } finally {
            Cli.run("server", "job", "remove", "jobsds-verify", "--config-dir", cfg);
        }
    }

    static void assertError(HttpResponse<String> r, int status, String code) throws IOException {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode e = JSON.readTree(r.body()).path("error");
        assertThat(e.path("code").asText()).isEqualTo(code);
        assertThat(e.path("message").asText()).isNotBlank();
    }

    @Test
    void errorsNameDatastoresNotTheServersPaths() throws Exception {
        Path dir = tmp.resolve("doomed-store");
        new ServerAdmin(config).createDatastore("doomed", dir, false);
        new ServerAdmin(config).setAcl("/datastore/doomed", "DatastoreBackup", "alice");
        // its marker file is damaged: the error says so, naming the datastore and the file inside it
        Files.writeString(dir.resolve(".coffer-datastore"), "not json");
        HttpResponse<String> r = raw("GET", "datastore/doomed/snapshots", "alice", null);
        String message = JSON.readTree(r.body()).path("error").path("message").asText();
        assertThat(r.statusCode()).as(r.body()).isEqualTo(500);
        assertThat(message).startsWith("<datastore doomed>/.coffer-datastore is corrupt")
                .doesNotContain(tmp.toString()).doesNotContain(dir.toRealPath().toString());
        // only whole paths are replaced, and not in the API's own messages, which echo the request: a guessed
        // path comes back as it was sent, confirming nothing
        String ds1 = tmp.resolve("ds1").toString();
        assertThat(server.api().redact("cannot read " + ds1 + "/host/x: denied")).isEqualTo("cannot read <datastore store1>/host/x: denied");
        assertThat(server.api().redact("cannot read " + ds1 + "-old/host")).isEqualTo("cannot read " + ds1 + "-old/host");
        assertThat(server.api().redact("cannot read /x" + ds1)).isEqualTo("cannot read /x" + ds1);
        assertThat(server.api().redact("no slash at all")).isEqualTo("no slash at all");
        HttpResponse<String> guess = raw("POST", "datastore/store1/backup", "alice",
                "{\"type\":\"host\",\"id\":\"" + ds1 + "\",\"time\":\"2026-01-01T00:00:00Z\",\"crypt-mode\":\"encrypt\"}");
        assertThat(guess.statusCode()).isEqualTo(400);
        assertThat(guess.body()).doesNotContain("<datastore");
        // gone altogether
        Files.delete(dir.resolve(".coffer-datastore"));
        Files.walk(dir).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        r = raw("GET", "datastore/doomed/snapshots", "alice", null);
        assertThat(r.body()).doesNotContain(tmp.toString()).contains("<datastore doomed>");
        assertThat(r.statusCode()).isBetween(400, 599);
    }

    @Test
    void aDamagedConfigurationRefusesEveryRequestWithoutSayingWhereItIs() throws Exception {
        Path acl = config.path().resolve(ConfigDir.ACL);
        byte[] good = Files.readAllBytes(acl);
        // a first backup whose client then goes quiet: its session times out (3 s here) whatever the files say
        HttpResponse<String> begin = raw("POST", "datastore/store1/backup", "alice!nightly",
                "{\"type\":\"host\",\"id\":\"quiet\",\"time\":\"2026-01-01T00:00:00Z\",\"crypt-mode\":\"encrypt\"}");
        assertThat(begin.statusCode()).as(begin.body()).isEqualTo(201);
        Path ownerFile = tmp.resolve("ds1/host/quiet/owner");
        assertThat(ownerFile).exists();
        try {
            // an administrator's hand edit goes wrong
            Files.writeString(acl, "{\"/datastore/store1\": [");
            Thread.sleep(1500); // the session sweep runs meanwhile, once a second
            for (String who : new String[] {null, "alice", "root"}) {
                HttpResponse<String> r = raw("GET", "datastores", who, null);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                JsonNode err = JSON.readTree(r.body()).path("error");
                assertThat(err.path("code").asText()).isEqualTo("unavailable");
                assertThat(err.path("message").asText()).isEqualTo("the server cannot read its configuration and refuses "
                        + "every request until it can; its administrator will find the reason in the server log");
                assertThat(r.headers().firstValue("Retry-After")).hasValue("2");
            }
            // the client says what the server said, once: "unavailable" is not retried
            Cli.Result list = inProcess(env(newHome("cfg"), "alice", "store1"), "snapshots");
            assertThat(list.code()).isEqualTo(1);
            assertThat(list.err()).contains("cannot read its configuration").doesNotContain(config.path().toString())
                    .doesNotContain("Exception");
        } finally {
            Files.write(acl, good);
        }
        // mended: served again
        assertThat(raw("GET", "datastores", "alice", null).statusCode()).isEqualTo(200);
        // and the quiet session timed out, leaving the group unclaimed
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (Files.exists(ownerFile) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(ownerFile).as("the idle session was aborted and its claim dropped").doesNotExist();
    }

    static HttpResponse<String> raw(String method, String path, String authid, String json) throws Exception {
        return send(method, path, authid, json == null ? null : json.getBytes(StandardCharsets.UTF_8), "application/json");
    }

    static HttpResponse<String> rawBytes(String method, String path, String authid, byte[] body) throws Exception {
        return send(method, path, authid, body, "application/octet-stream");
    }

    /** Raw requests reach this test's own loopback server; the client under test pins the certificate properly. */
    static SSLContext trustAll() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String a) { }
            public void checkServerTrusted(X509Certificate[] c, String a) { }
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return ctx;
    }

    static HttpResponse<String> send(String method, String path, String authid, byte[] body, String type) throws Exception {
        SSLContext ctx = trustAll();
        // HTTP/1.1 with 100-continue: a body the server refuses by its length is then never sent
        try (HttpClient c = HttpClient.newBuilder().sslContext(ctx).version(HttpClient.Version.HTTP_1_1).build()) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://" + url + "/api/v1/" + path))
                    .expectContinue(body != null && body.length > 1 << 20)
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
                    .header("Content-Type", type);
            if (authid != null) {
                String pw = authid.equals("alice") ? ALICE_PW : authid.equals("root") ? "root-password-1"
                        : secrets.getOrDefault(authid, "wrong-secret");
                b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((authid + ":" + pw).getBytes(StandardCharsets.UTF_8)));
            }
            return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }
    }
}
