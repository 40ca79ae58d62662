package dev.coffer.client.remote;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coffer.client.repo.Repository;
import dev.coffer.core.CofferException;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.store.BackupGroup;
import dev.coffer.store.SnapshotRef;
import dev.coffer.store.maint.Prune;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A datastore on a Coffer server, through its HTTPS API (design.md 14.4). Only ciphertext (or deliberately plain
 * chunks), indexes and manifests cross the wire; the key stays here.
 */
public final class RemoteRepository implements Repository {
    private final ServerClient client;
    private final String ds;
    private final Map<SnapshotRef, Status> statuses = new ConcurrentHashMap<>();
    private volatile Session session;
    private volatile dev.coffer.client.repo.Throttle throttle;

    public RemoteRepository(ServerClient client) {
        this.client = client;
        this.ds = "datastore/" + client.url().datastore() + "/";
    }

    public ServerClient client() {
        return client;
    }

    @Override
    public String location() {
        return client.url().toString();
    }

    private Session session() {
        Session s = session;
        if (s == null) {
            throw new IllegalStateException("no backup session is open");
        }
        return s;
    }

    @Override
    public boolean hasChunk(ChunkId id) {
        return touchChunk(id);
    }

    @Override
    public boolean touchChunk(ChunkId id) {
        return session().known(id);
    }

    @Override
    public boolean insertChunk(ChunkId id, byte[] blob, int off, int len) {
        byte[] body = off == 0 && len == blob.length ? blob : java.util.Arrays.copyOfRange(blob, off, off + len);
        Session s = session();
        dev.coffer.client.repo.Throttle t = throttle;
        if (t != null) {
            t.acquire(len);
        }
        client.send("PUT", s.base + "chunk/" + id.hex(), "application/octet-stream", body);
        return true;
    }

    private static String snapshotQuery(SnapshotRef r, String... more) {
        String[] kv = new String[4 + more.length];
        kv[0] = "ns";
        kv[1] = r.group().ns().isEmpty() ? null : r.group().ns();
        kv[2] = "snapshot";
        kv[3] = r.group().type() + "/" + r.group().id() + "/" + r.timeString();
        System.arraycopy(more, 0, kv, 4, more.length);
        return ServerClient.query(kv);
    }

    @Override
    public byte[] readChunk(SnapshotRef snapshot, ChunkId id) {
        return client.get(ds + "chunk/" + id.hex() + snapshotQuery(snapshot));
    }

    @Override
    public List<SnapshotRef> snapshots(String ns) {
        return list(ServerClient.query("ns", ns.isEmpty() ? null : ns));
    }

    @Override
    public List<SnapshotRef> snapshots(BackupGroup group) {
        return list(ServerClient.query("ns", group.ns().isEmpty() ? null : group.ns(), "group", group.type() + "/" + group.id()));
    }

    private List<SnapshotRef> list(String query) {
        JsonNode arr = client.getJson(ds + "snapshots" + query);
        List<SnapshotRef> out = new ArrayList<>();
        for (JsonNode n : arr) {
            SnapshotRef r = new SnapshotRef(new BackupGroup(n.path("ns").asText(), n.path("type").asText(), n.path("id").asText()),
                    SnapshotRef.parseTime(n.path("time").asText()));
            String vt = n.path("verify-time").isTextual() ? n.path("verify-time").asText() : null;
            statuses.put(r, new Status(n.path("verify").asText("none"), vt == null ? null : Instant.parse(vt),
                    n.path("protected").asBoolean()));
            out.add(r);
        }
        return out;
    }

    @Override
    public byte[] readSnapshotFile(SnapshotRef snapshot, String fileName) {
        return client.get(ds + "file" + snapshotQuery(snapshot, "name", fileName));
    }

    @Override
    public Status status(SnapshotRef snapshot) {
        Status s = statuses.get(snapshot);
        if (s == null) {
            snapshots(snapshot.group());
            s = statuses.get(snapshot);
        }
        if (s == null) {
            throw new CofferException("snapshot " + snapshot.name() + " not found on " + location());
        }
        return s;
    }

    @Override
    public byte[] readSideFile(SnapshotRef snapshot, String name) {
        try {
            return client.get(ds + "side" + snapshotQuery(snapshot, "name", name));
        } catch (CofferException e) {
            if (e.getMessage().startsWith("snapshot " + snapshot.name() + " has no ")) {
                return null;
            }
            throw e;
        }
    }

    @Override
    public void writeSideFile(SnapshotRef snapshot, String name, byte[] data) {
        client.send(data == null ? "DELETE" : "PUT", ds + "side" + snapshotQuery(snapshot, "name", name),
                "application/octet-stream", data);
        statuses.remove(snapshot);
    }

    @Override
    public Prune.Result prune(BackupGroup group, Prune.Rules rules, ZoneId zone, boolean dryRun) {
        JsonNode arr = client.postJson(ds + "prune", ServerClient.map("ns", group.ns(), "group", group.type() + "/" + group.id(),
                "keep-last", rules.last(), "keep-hourly", rules.hourly(), "keep-daily", rules.daily(),
                "keep-weekly", rules.weekly(), "keep-monthly", rules.monthly(), "keep-yearly", rules.yearly(),
                "zone", zone.getId(), "dry-run", dryRun));
        List<Prune.Decision> out = new ArrayList<>();
        Map<SnapshotRef, String> failures = new java.util.LinkedHashMap<>();
        int removed = 0;
        for (JsonNode n : arr) {
            Prune.Decision d = new Prune.Decision(SnapshotRef.parse(group.ns(), n.path("snapshot").asText()),
                    n.path("keep").asBoolean(), n.path("reason").asText());
            out.add(d);
            if (n.path("error").isTextual()) {
                failures.put(d.snapshot(), n.path("error").asText());
            } else if (!d.keep() && !dryRun) {
                removed++;
            }
        }
        return new Prune.Result(out, removed, failures);
    }

    /** Runs garbage collection on the server and returns its report as JSON. */
    public JsonNode gc() {
        return client.postJson(ds + "gc", Map.of());
    }

    /** Runs a keyless verify on the server (all snapshots of {@code ns}, or one). */
    public JsonNode verify(String ns, SnapshotRef one, Integer outdatedAfterDays) {
        return client.postJson(ds + "verify", ServerClient.map("ns", ns, "snapshot",
                one == null ? null : one.group().type() + "/" + one.group().id() + "/" + one.timeString(),
                "outdated-after-days", outdatedAfterDays));
    }

    @Override
    public SnapshotSession beginSnapshot(BackupGroup group, Instant time, CryptMode mode) {
        if (session != null) {
            throw new IllegalStateException("a backup session is already open");
        }
        JsonNode r = client.postJson(ds + "backup", ServerClient.map("ns", group.ns(), "type", group.type(), "id", group.id(),
                "time", SnapshotRef.formatTime(time), "crypt-mode", mode.cliName()));
        // the server may move the time on by a second or more, past the group's newest snapshot
        Session s = new Session(SnapshotRef.parse(group.ns(), r.path("snapshot").asText()), ds + "backup/" + r.path("session").asText() + "/",
                Math.max(1, r.path("keepalive-seconds").asInt(30)));
        session = s;
        return s;
    }

    @Override
    public void forget(SnapshotRef snapshot) {
        client.send("DELETE", ds + "snapshot" + snapshotQuery(snapshot), null, null);
        statuses.remove(snapshot);
    }

    @Override
    public void limitRate(long bytesPerSecond) {
        throttle = bytesPerSecond > 0 ? new dev.coffer.client.repo.Throttle(bytesPerSecond) : null;
    }

    @Override
    public void close() {
        Session s = session;
        if (s != null) {
            s.close();
        }
        client.close();
    }

    private final class Session implements SnapshotSession {
        private final SnapshotRef ref;
        private final String base;
        private final ScheduledExecutorService keepalive;
        private boolean done;

        Session(SnapshotRef ref, String base, int keepaliveSeconds) {
            this.ref = ref;
            this.base = base;
            this.keepalive = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "coffer-keepalive");
                t.setDaemon(true);
                return t;
            });
            keepalive.scheduleWithFixedDelay(() -> {
                try {
                    client.send("POST", base + "keepalive", null, null);
                } catch (RuntimeException ignored) {
                    // the next real request reports the problem
                }
            }, keepaliveSeconds, keepaliveSeconds, TimeUnit.SECONDS);
        }

        boolean known(ChunkId id) {
            byte[] r = client.send("POST", base + "known", "application/octet-stream", id.bytes());
            if (r.length != 1) {
                throw new CofferException("the server sent a malformed answer to a chunk query");
            }
            return r[0] == 1;
        }

        @Override
        public SnapshotRef ref() {
            return ref;
        }

        @Override
        public void writeFile(String name, byte[] data) {
            JsonNode r = ServerClient.parse(client.send("PUT", base + "file/" + name, "application/octet-stream", data));
            byte[] sha;
            try {
                sha = MessageDigest.getInstance("SHA-256").digest(data);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            if (!HexFormat.of().formatHex(sha).equals(r.path("sha256").asText()) || r.path("bytes").asLong() != data.length) {
                throw new CofferException("the server stored " + name + " differently from what was sent (checksum mismatch)");
            }
        }

        @Override
        public SnapshotRef commit() {
            client.send("POST", base + "finish", null, null);
            done = true;
            return ref;
        }

        @Override
        public void close() {
            keepalive.shutdownNow();
            if (!done) {
                done = true;
                try {
                    client.send("DELETE", base, null, null);
                } catch (RuntimeException ignored) {
                    // the server drops the session by itself once it hears nothing
                }
            }
            session = null;
        }
    }
}
