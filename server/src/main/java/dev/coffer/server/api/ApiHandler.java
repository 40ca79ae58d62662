package dev.coffer.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.format.Manifest;
import dev.coffer.server.auth.AclPath;
import dev.coffer.server.auth.Access;
import dev.coffer.server.auth.AuthId;
import dev.coffer.server.auth.Authenticator;
import dev.coffer.server.auth.Privilege;
import dev.coffer.server.config.ConfigDir;
import dev.coffer.server.config.ServerConfig;
import dev.coffer.store.BackupGroup;
import dev.coffer.store.ChunkMissingException;
import dev.coffer.store.Datastore;
import dev.coffer.store.DatastoreBusyException;
import dev.coffer.store.SnapshotNotFoundException;
import dev.coffer.store.SnapshotRef;
import dev.coffer.store.maint.GarbageCollector;
import dev.coffer.store.maint.Prune;
import dev.coffer.store.maint.Verifier;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The HTTP API under {@code /api/v1} (design.md 14.4). Every request but {@code ping} is authenticated; every
 * body is size-limited before it is read; every client mistake is a 4xx with a JSON error naming it.
 */
public final class ApiHandler extends Handler.Abstract {
    private static final Logger LOG = Logger.getLogger("coffer.api");
    private static final String PREFIX = "/api/v1/";
    static final int MAX_JSON = 64 << 10;
    static final int MAX_KNOWN_IDS = 1 << 16;
    private static final java.util.regex.Pattern HEX_ID = java.util.regex.Pattern.compile("[0-9a-f]{64}");
    private static final java.util.regex.Pattern FILE = java.util.regex.Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]{0,254}");
    private static final Set<String> SIDE_FILES = Set.of(Datastore.PROTECTED, Verifier.STATE_FILE, "drill.json",
            "notes.txt", "notes.blob");

    private final ConfigDir config;
    private final Authenticator auth;
    private final Datastores datastores = new Datastores();
    private final SnapshotChunks chunkSets = new SnapshotChunks();
    private final BackupSessions sessions;
    private final String version;
    private volatile JobsApi jobs;
    private final java.util.concurrent.atomic.AtomicLong requests = new java.util.concurrent.atomic.AtomicLong();

    public ApiHandler(ConfigDir config, Authenticator auth, String version) {
        this.config = config;
        this.auth = auth;
        this.version = version;
        this.sessions = new BackupSessions(() -> sessionSettings().sessionIdleTimeoutSeconds(),
                () -> sessionSettings().sessionStallTimeoutSeconds());
    }

    /** The settings the session sweep goes by: sessions still time out while a damaged file waits to be mended. */
    private ServerConfig.Settings sessionSettings() {
        ServerConfig c;
        try {
            c = config.current();
        } catch (RuntimeException e) {
            c = config.lastGood();
        }
        return c == null ? ServerConfig.Settings.defaults() : c.settings();
    }

    /** Hooks for the job endpoints, set by the server once its scheduler runs. */
    public void jobs(JobsApi jobs) {
        this.jobs = jobs;
    }

    /** The job endpoints' implementation. */
    public interface JobsApi {
        Object list(String datastore);

        Object history(String datastore, String jobId, int limit);

        Object run(String datastore, String jobId);
    }

    /** How many HTTP requests reached the API (after TLS): for monitoring, and for tests that prove none did. */
    public long requestCount() {
        return requests.get();
    }

    /** Aborts every backup in progress: none becomes visible. */
    public void abortAll() {
        sessions.abortAll();
    }

    public Datastore datastore(String name) {
        ServerConfig.DatastoreEntry e = config.current().datastores().get(name);
        if (e == null) {
            throw ApiException.notFound("no datastore named " + Json.quote(name));
        }
        return datastores.get(name, e);
    }

    @Override
    protected void doStop() throws Exception {
        sessions.close();
        datastores.close();
        super.doStop();
    }

    private record Reply(int status, String type, byte[] body) {
        static Reply json(int status, Object value) {
            return new Reply(status, "application/json", Json.write(value));
        }

        static Reply bytes(byte[] body) {
            return new Reply(200, "application/octet-stream", body);
        }

        static Reply empty() {
            return new Reply(204, null, null);
        }
    }

    /** The {@code Retry-After} of a 503 answer, in seconds. */
    static final String RETRY_AFTER_SECONDS = "2";
    /**
     * Request bodies are read whole into the heap (chunks up to max-chunk-bytes, indexes up to 256 MiB): all
     * requests together reserve at most a quarter of the heap (at least 64 MiB) for them, as their bytes arrive
     * ({@link #body}). Counted in KiB; released when the request has been handled.
     */
    private static final int BODY_BUDGET_KIB = (int) Math.min(Integer.MAX_VALUE,
            Math.max(64L << 10, Runtime.getRuntime().maxMemory() / 4 / 1024));
    /** Fair: a request waiting for much is not passed over for ever by requests taking a little at a time. */
    private static final java.util.concurrent.Semaphore BODY_BUDGET = new java.util.concurrent.Semaphore(BODY_BUDGET_KIB, true);
    private static final ThreadLocal<int[]> BODY_HELD = ThreadLocal.withInitial(() -> new int[1]);

    /**
     * Reserves {@code bytes} more for the calling request. A request never waits while it holds some of the
     * budget: two requests each holding part and waiting for more could wait on each other. When there is
     * no room at once, it gives back what it holds and waits, up to 60 s (then 503), for all of it together;
     * its bytes already read are not counted meanwhile. One request reserves at most half the budget (a
     * longer body goes on with that), so the one at the head of the queue never waits for the whole budget
     * to drain while everyone else queues behind it.
     */
    private static void reserveBodyMemory(long bytes) {
        int[] held = BODY_HELD.get();
        int kib = (int) Math.min(BODY_BUDGET_KIB / 2 - (long) held[0], bytes / 1024 + 1);
        if (kib <= 0) {
            return;
        }
        try {
            if (BODY_BUDGET.tryAcquire(kib, 0, java.util.concurrent.TimeUnit.SECONDS)) {
                held[0] += kib;
                return;
            }
            int want = held[0] + kib;
            releaseBodyMemory();
            if (!BODY_BUDGET.tryAcquire(want, 60, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new ApiException(503, "busy", "the server is holding as many uploads in memory as it may; try again");
            }
            held[0] = want;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "busy", "the server is stopping");
        }
    }

    private static void releaseBodyMemory() {
        int[] held = BODY_HELD.get();
        if (held[0] > 0) {
            BODY_BUDGET.release(held[0]);
            held[0] = 0;
        }
    }

    /** Reads and drops a body of at most {@code limit} bytes; returns its length. */
    static long discardBody(Request req, int limit) {
        if (req.getLength() > limit) {
            throw new ApiException(413, "too-large", "request body of " + req.getLength() + " bytes exceeds the limit of " + limit);
        }
        try (InputStream in = Content.Source.asInputStream(req)) {
            byte[] buf = new byte[64 << 10];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > limit) {
                    throw new ApiException(413, "too-large", "request body exceeds the limit of " + limit + " bytes");
                }
            }
            return total;
        } catch (IOException e) {
            throw new ApiException(400, "bad-body", "could not read the request body: " + e.getMessage());
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        requests.incrementAndGet();
        Reply reply;
        try {
            reply = dispatchHoldingBodies(request);
        } catch (ApiException e) {
            reply = error(e.status(), e.code(), e.getMessage()); // the API's own words, which may echo the request
            if (e.status() == 401) {
                response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Basic realm=\"coffer\", charset=\"UTF-8\"");
            }
        } catch (SnapshotNotFoundException e) {
            reply = error(404, "not-found", redact(e.getMessage()));
        } catch (ChunkMissingException e) {
            reply = error(404, "not-found", redact(e.getMessage()));
        } catch (DatastoreBusyException e) {
            reply = error(409, "busy", redact(e.getMessage()));
        } catch (CorruptDataException e) {
            reply = error(500, "corrupt", redact(e.getMessage()));
        } catch (CofferException e) {
            reply = error(409, "refused", redact(e.getMessage()));
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "internal error on " + request.getMethod() + " " + request.getHttpURI().getPath(), e);
            reply = error(500, "internal", "internal server error; the server log has the details");
        }
        response.setStatus(reply.status());
        if (reply.status() == 503) {
            // nothing was done with the request: the client may send it again (design.md 14.4)
            response.getHeaders().put(HttpHeader.RETRY_AFTER, RETRY_AFTER_SECONDS);
        }
        if (reply.body() == null) {
            callback.succeeded();
            return true;
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.type());
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, reply.body().length);
        response.write(true, ByteBuffer.wrap(reply.body()), callback);
        return true;
    }

    /**
     * The message with the server's own paths replaced: a datastore's directory by {@code <datastore NAME>}, the
     * config directory by {@code <config>}, each only where it stands as a whole path (not inside a longer name).
     * Callers learn what went wrong, not where the server keeps its files. Applied to what the datastore layer
     * says, not to the API's own messages, which may echo the request: a caller could otherwise learn whether a
     * path it guessed is a datastore's.
     */
    public String redact(String message) {
        return redactor().apply(message);
    }

    /**
     * {@link #redact} for many messages: reads the configuration and prepares the replacements once. Replaces
     * every datastore's directory (as configured, absolute, and real) with {@code <datastore NAME>} and the
     * configuration directory with {@code <config>}, whole paths only, longest first.
     */
    public java.util.function.UnaryOperator<String> redactor() {
        List<java.util.regex.Pattern> patterns = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        try {
            List<String[]> paths = new ArrayList<>();
            ServerConfig cfg = config.lastGood();
            if (cfg != null) {
                for (Map.Entry<String, ServerConfig.DatastoreEntry> e : cfg.datastores().entrySet()) {
                    String p = e.getValue() == null ? null : e.getValue().path();
                    if (p == null || p.isEmpty()) {
                        continue;
                    }
                    String label = "<datastore " + e.getKey() + ">";
                    paths.add(new String[] {p, label});
                    java.nio.file.Path abs = java.nio.file.Path.of(p).toAbsolutePath().normalize();
                    paths.add(new String[] {abs.toString(), label});
                    try {
                        paths.add(new String[] {abs.toRealPath().toString(), label});
                    } catch (java.io.IOException | RuntimeException ignored) {
                        // gone or unreadable: its configured name is all a message can hold
                    }
                }
            }
            paths.add(new String[] {config.path().toAbsolutePath().normalize().toString(), "<config>"});
            // longest first, so that a path inside another one is replaced whole
            paths.sort((a, b) -> Integer.compare(b[0].length(), a[0].length()));
            for (String[] p : paths) {
                if (p[0].length() > 1) {
                    patterns.add(java.util.regex.Pattern.compile("(?<![A-Za-z0-9._~-])" + java.util.regex.Pattern.quote(p[0])
                            + "(?![A-Za-z0-9._~-])"));
                    labels.add(java.util.regex.Matcher.quoteReplacement(p[1]));
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not prepare the redaction of messages; general ones are sent instead", e);
            return message -> message == null || message.indexOf('/') < 0 ? message
                    : "the datastore reported an error; the server log has the details";
        }
        return message -> {
            if (message == null || message.indexOf('/') < 0) {
                return message;
            }
            try {
                String out = message;
                for (int i = 0; i < patterns.size(); i++) {
                    out = patterns.get(i).matcher(out).replaceAll(labels.get(i));
                }
                return out;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "could not redact an error message; sent a general one instead: " + message, e);
                return "the datastore reported an error; the server log has the details";
            }
        };
    }

    /** The last configuration error logged, so that a damaged file is logged once, not on every request. */
    private volatile String loggedConfigError;

    /**
     * The configuration for one request. While its files cannot be read (an administrator's edit went wrong) the
     * server refuses every request, signed in or not, rather than go on with rules that may no longer hold; the
     * reason goes to the log, not to callers.
     */
    private ServerConfig configOrRefuse() {
        try {
            ServerConfig cfg = config.current();
            loggedConfigError = null;
            return cfg;
        } catch (CofferException e) {
            String m = e.getMessage();
            if (!m.equals(loggedConfigError)) {
                loggedConfigError = m;
                LOG.severe("refusing every request until the configuration can be read: " + m
                        + (e.hint() == null ? "" : " (" + e.hint() + ")"));
            }
            throw new ApiException(503, "unavailable", "the server cannot read its configuration and refuses every "
                    + "request until it can; its administrator will find the reason in the server log");
        }
    }

    static Reply error(int status, String code, String message) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("status", status);
        e.put("code", code);
        e.put("message", message);
        return Reply.json(status, Map.of("error", e));
    }

    private Reply dispatchHoldingBodies(Request req) {
        try {
            return dispatch(req);
        } finally {
            releaseBodyMemory();
        }
    }

    private Reply dispatch(Request req) {
        String path = req.getHttpURI().getDecodedPath();
        if (path == null || !path.startsWith(PREFIX)) {
            throw ApiException.notFound("no such API path; the API lives under " + PREFIX);
        }
        String rest = path.substring(PREFIX.length());
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        List<String> seg = List.of(rest.split("/", -1));
        String method = req.getMethod();
        if (seg.equals(List.of("ping"))) {
            return Reply.json(200, Map.of("server", "coffer", "version", version));
        }
        ServerConfig cfg = configOrRefuse();
        String remote = Request.getRemoteAddr(req);
        AuthId who;
        try {
            who = auth.authenticate(cfg, req.getHeaders().get(HttpHeader.AUTHORIZATION), remote);
        } catch (dev.coffer.server.auth.Authenticator.LockedOut e) {
            throw new ApiException(429, "too-many-requests", e.getMessage());
        }
        if (who == null) {
            throw new ApiException(401, "unauthorized", "authentication failed: unknown user or token, or wrong password or secret");
        }
        Fields q = Request.extractQueryParameters(req);
        if (seg.equals(List.of("whoami"))) {
            return Reply.json(200, Map.of("authid", who.toString()));
        }
        if (seg.equals(List.of("benchmark", "upload")) && method.equals("POST")) {
            // TLS upload speed for 'coffer benchmark': the body is read and thrown away as it comes
            return Reply.json(200, Map.of("bytes", discardBody(req, BackupSession.MAX_INDEX)));
        }
        if (seg.equals(List.of("datastores")) && method.equals("GET")) {
            return listDatastores(cfg, who);
        }
        if (seg.size() < 3 || !seg.get(0).equals("datastore")) {
            throw ApiException.notFound("no such API path " + Json.quote(path));
        }
        String dsName = seg.get(1);
        ServerConfig.DatastoreEntry entry = cfg.datastores().get(dsName);
        if (entry == null) {
            throw ApiException.notFound("no datastore named " + Json.quote(dsName));
        }
        Datastore ds = datastores.get(dsName, entry);
        Ctx c = new Ctx(cfg, who, dsName, entry, ds, q, req);
        String op = seg.get(2);
        return switch (method + " " + op + "/" + seg.size()) {
            case "GET snapshots/3" -> snapshots(c);
            case "GET file/3" -> readFile(c);
            case "GET chunk/4" -> readChunk(c, seg.get(3));
            case "GET side/3" -> readSide(c);
            case "PUT side/3" -> writeSide(c, false);
            case "DELETE side/3" -> writeSide(c, true);
            case "DELETE snapshot/3" -> forget(c);
            case "POST prune/3" -> prune(c);
            case "POST gc/3" -> gc(c);
            case "POST verify/3" -> verify(c);
            case "POST backup/3" -> beginBackup(c);
            case "GET jobs/3" -> jobsList(c);
            case "GET jobs/4" -> jobsHistory(c, seg.get(3));
            case "POST jobs/5" -> jobsRun(c, seg.get(3), seg.get(4));
            default -> {
                if (op.equals("backup") && seg.size() >= 4) {
                    yield session(c, seg, method);
                }
                throw new ApiException(seg.size() >= 3 && knownOp(op) ? 405 : 404,
                        knownOp(op) ? "method-not-allowed" : "not-found",
                        "no API endpoint " + method + " " + Json.quote(path));
            }
        };
    }

    private static boolean knownOp(String op) {
        return Set.of("snapshots", "file", "chunk", "side", "snapshot", "prune", "gc", "verify", "backup", "jobs").contains(op);
    }

    private record Ctx(ServerConfig cfg, AuthId who, String dsName, ServerConfig.DatastoreEntry entry, Datastore ds,
            Fields q, Request req) {
        String param(String name, boolean required) {
            Fields.Field f = q.get(name);
            if (f == null) {
                if (required) {
                    throw ApiException.badRequest("missing query parameter \"" + name + "\"");
                }
                return null;
            }
            if (f.getValues().size() != 1) {
                throw ApiException.badRequest("query parameter \"" + name + "\" given more than once");
            }
            return f.getValue();
        }

        String ns() {
            String ns = param("ns", false);
            ns = ns == null ? "" : ns;
            try {
                BackupGroup.validateNamespace(ns);
            } catch (CofferException e) {
                throw ApiException.badRequest(e.getMessage());
            }
            return ns;
        }

        Set<Privilege> privs(String ns) {
            return Access.privileges(cfg, who, AclPath.of(dsName, ns));
        }

        SnapshotRef snapshot() {
            String ns = ns();
            try {
                return SnapshotRef.parse(ns, param("snapshot", true));
            } catch (CofferException e) {
                throw ApiException.badRequest(e.getMessage());
            }
        }
    }

    // ---------------------------------------------------------------- access

    private static boolean owns(Ctx c, BackupGroup g) {
        String owner = c.ds().groupOwner(g);
        return owner != null && AuthId.isValid(owner) && Access.ownsGroup(c.who(), AuthId.parse(owner));
    }

    /** The caller may read the group's files and chunks: READ, or BACKUP on a group it owns. */
    private static void checkRead(Ctx c, BackupGroup g) {
        Set<Privilege> p = c.privs(g.ns());
        if (p.contains(Privilege.READ) || (p.contains(Privilege.BACKUP) && owns(c, g))) {
            return;
        }
        throw ApiException.forbidden(c.who() + " may not read group " + g + " in datastore " + c.dsName()
                + (p.contains(Privilege.BACKUP) ? " (it belongs to another owner)" : ""));
    }

    private static void require(Ctx c, String ns, Privilege priv, String what) {
        if (!c.privs(ns).contains(priv)) {
            throw ApiException.forbidden(c.who() + " may not " + what + " in datastore " + c.dsName()
                    + (ns.isEmpty() ? "" : " namespace " + ns) + " (needs a role with " + priv + " on "
                    + AclPath.of(c.dsName(), ns) + ")");
        }
    }

    // ---------------------------------------------------------------- listing and reading

    private Reply listDatastores(ServerConfig cfg, AuthId who) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (var e : cfg.datastores().entrySet()) {
            if (!Access.privileges(cfg, who, AclPath.of(e.getKey(), "")).isEmpty()) {
                out.add(Map.of("name", e.getKey(), "require-encryption", e.getValue().requireEncryption()));
            }
        }
        return Reply.json(200, out);
    }

    private Reply snapshots(Ctx c) {
        String ns = c.ns();
        Set<Privilege> p = c.privs(ns);
        boolean all = p.contains(Privilege.AUDIT) || p.contains(Privilege.READ);
        if (!all && !p.contains(Privilege.BACKUP)) {
            require(c, ns, Privilege.AUDIT, "list snapshots");
        }
        String groupText = c.param("group", false);
        List<SnapshotRef> refs;
        if (groupText != null) {
            BackupGroup g;
            try {
                g = BackupGroup.parse(ns, groupText);
            } catch (CofferException e) {
                throw ApiException.badRequest(e.getMessage());
            }
            if (!all && c.ds().groupOwner(g) != null && !owns(c, g)) {
                checkRead(c, g); // a group of another owner: say so, rather than pretend it is empty
            }
            refs = c.ds().snapshots(g);
        } else {
            refs = c.ds().snapshots(ns);
        }
        Map<BackupGroup, Boolean> visible = new java.util.HashMap<>();
        List<Map<String, Object>> out = new ArrayList<>();
        for (SnapshotRef r : refs) {
            if (!all && !visible.computeIfAbsent(r.group(), g -> owns(c, g))) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ns", r.group().ns());
            m.put("type", r.group().type());
            m.put("id", r.group().id());
            m.put("time", r.timeString());
            m.put("owner", c.ds().groupOwner(r.group()));
            m.put("protected", c.ds().isProtected(r));
            Verifier.State st = Verifier.state(c.ds(), r);
            m.put("verify", st == null ? "none" : st.state());
            m.put("verify-time", st == null ? null : st.time().toString());
            out.add(m);
        }
        return Reply.json(200, out);
    }

    private Reply readFile(Ctx c) {
        SnapshotRef r = c.snapshot();
        String name = fileName(c.param("name", true));
        if (name.equals(BackupSession.MANIFEST) && (c.privs(r.group().ns()).contains(Privilege.AUDIT))) {
            return Reply.bytes(c.ds().readSnapshotFile(r, name));
        }
        checkRead(c, r.group());
        return Reply.bytes(c.ds().readSnapshotFile(r, name));
    }

    private Reply readChunk(Ctx c, String hex) {
        ChunkId id = chunkId(hex);
        SnapshotRef r = c.snapshot();
        checkRead(c, r.group());
        if (!chunkSets.of(c.dsName(), c.ds(), r).contains(id)) {
            throw ApiException.notFound("chunk " + id.hex() + " is not part of snapshot " + r.name());
        }
        return Reply.bytes(c.ds().readChunk(id));
    }

    private Reply readSide(Ctx c) {
        SnapshotRef r = c.snapshot();
        String name = sideName(c.param("name", true));
        if (name.startsWith("notes")) {
            checkRead(c, r.group());
        } else if (!c.privs(r.group().ns()).contains(Privilege.AUDIT)) {
            checkRead(c, r.group());
        }
        byte[] b = c.ds().readSnapshotSideFile(r, name);
        if (b == null) {
            if (!c.ds().snapshots(r.group()).contains(r)) {
                throw new SnapshotNotFoundException(r);
            }
            throw ApiException.notFound("snapshot " + r.name() + " has no " + name);
        }
        return Reply.bytes(b);
    }

    private Reply writeSide(Ctx c, boolean delete) {
        SnapshotRef r = c.snapshot();
        String name = sideName(c.param("name", true));
        if (name.equals(Verifier.STATE_FILE)) {
            throw ApiException.forbidden("verify.json is written by the server's verify only");
        }
        if (name.equals("drill.json")) {
            checkRead(c, r.group()); // whoever can restore it can record a drill of it
        } else {
            require(c, r.group().ns(), Privilege.MODIFY, (delete ? "remove " : "change ") + name + " of snapshots");
        }
        byte[] body = delete ? null : body(c.req(), 1 << 20);
        c.ds().writeSnapshotSideFile(r, name, body);
        return Reply.empty();
    }

    private Reply forget(Ctx c) {
        SnapshotRef r = c.snapshot();
        require(c, r.group().ns(), Privilege.MODIFY, "forget snapshots");
        c.ds().forgetSnapshot(r);
        chunkSets.forget(c.dsName(), r);
        return Reply.empty();
    }

    // ---------------------------------------------------------------- maintenance

    private Reply prune(Ctx c) {
        JsonNode o = Json.parseObject(body(c.req(), MAX_JSON));
        String ns = Json.text(o, "ns", false);
        ns = ns == null ? "" : ns;
        BackupGroup g;
        try {
            BackupGroup.validateNamespace(ns);
            g = BackupGroup.parse(ns, Json.text(o, "group", true));
        } catch (CofferException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        require(c, ns, Privilege.MODIFY, "prune");
        int max = 1_000_000;
        Prune.Rules rules = new Prune.Rules(Json.integer(o, "keep-last", 0, max, 0), Json.integer(o, "keep-hourly", 0, max, 0),
                Json.integer(o, "keep-daily", 0, max, 0), Json.integer(o, "keep-weekly", 0, max, 0),
                Json.integer(o, "keep-monthly", 0, max, 0), Json.integer(o, "keep-yearly", 0, max, 0));
        if (rules.keepsNothing()) {
            throw ApiException.badRequest("no keep rule given: pruning would remove every unprotected snapshot; give at least one keep-* value");
        }
        ZoneId zone;
        try {
            String z = Json.text(o, "zone", false);
            zone = z == null ? ZoneId.systemDefault() : ZoneId.of(z); // absent: the server's, as its prune jobs
        } catch (java.time.DateTimeException e) {
            throw ApiException.badRequest("unknown time zone: " + e.getMessage());
        }
        boolean dryRun = Json.bool(o, "dry-run");
        Prune.Result result = Prune.run(c.ds(), g, rules, zone, dryRun, s -> chunkSets.forget(c.dsName(), s));
        List<Map<String, Object>> out = new ArrayList<>();
        for (Prune.Decision d : result.plan()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("snapshot", d.snapshot().name());
            m.put("keep", d.keep());
            m.put("reason", d.reason());
            String error = result.failures().get(d.snapshot());
            if (error != null) {
                m.put("error", redact(error));
            }
            out.add(m);
        }
        return Reply.json(200, out);
    }

    private Reply gc(Ctx c) {
        require(c, "", Privilege.MAINTAIN, "run garbage collection");
        GarbageCollector.Report r = GarbageCollector.run(c.ds());
        return Reply.json(200, gcJson(r));
    }

    public static Map<String, Object> gcJson(GarbageCollector.Report r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("snapshots", r.snapshots());
        m.put("removed-chunks", r.removedChunks());
        m.put("removed-bytes", r.removedBytes());
        m.put("kept-chunks", r.keptChunks());
        m.put("kept-bytes", r.keptBytes());
        m.put("dedup-factor", r.dedupFactor());
        m.put("cutoff", r.cutoff().toString());
        if (r.heldBackBy() != null) {
            m.put("held-back-by-backup-since", r.heldBackBy().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        }
        return m;
    }

    private Reply verify(Ctx c) {
        JsonNode o = Json.parseObject(body(c.req(), MAX_JSON));
        String ns = Json.text(o, "ns", false);
        ns = ns == null ? "" : ns;
        require(c, ns, Privilege.MAINTAIN, "verify");
        String snap = Json.text(o, "snapshot", false);
        int days = Json.integer(o, "outdated-after-days", 0, 100_000, -1);
        SnapshotRef one;
        try {
            BackupGroup.validateNamespace(ns);
            one = snap == null ? null : SnapshotRef.parse(ns, snap);
        } catch (CofferException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        // the datastore's own errors (a directory it cannot list) are the server's, reported as such
        List<SnapshotRef> targets = one == null ? c.ds().snapshots(ns) : List.of(one);
        Verifier v = new Verifier(c.ds(), Verifier.KEYLESS);
        List<Map<String, Object>> out = new ArrayList<>();
        for (SnapshotRef r : targets) {
            Verifier.Outcome res = v.verify(r, days < 0 ? null : Duration.ofDays(days));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("snapshot", r.name());
            m.put("result", res.skipped() ? "skipped" : res.ok() ? "ok" : "failed");
            m.put("chunks", res.chunks());
            m.put("errors", res.errors().stream().map(this::redact).toList());
            out.add(m);
        }
        return Reply.json(200, out);
    }

    // ---------------------------------------------------------------- jobs

    private JobsApi jobsOrFail() {
        JobsApi j = jobs;
        if (j == null) {
            throw new ApiException(503, "unavailable", "the job scheduler is not running");
        }
        return j;
    }

    private Reply jobsList(Ctx c) {
        require(c, "", Privilege.AUDIT, "list jobs");
        return Reply.json(200, jobsOrFail().list(c.dsName()));
    }

    private Reply jobsHistory(Ctx c, String which) {
        require(c, "", Privilege.AUDIT, "read the job history");
        String limit = c.param("limit", false);
        int n;
        try {
            n = limit == null ? 50 : Integer.parseInt(limit);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("limit must be a number");
        }
        if (n < 1 || n > 1000) {
            throw ApiException.badRequest("limit must be from 1 to 1000");
        }
        return Reply.json(200, jobsOrFail().history(c.dsName(), which.equals("history") ? null : which, n));
    }

    private Reply jobsRun(Ctx c, String jobId, String action) {
        if (!action.equals("run")) {
            throw ApiException.notFound("no job action " + Json.quote(action) + "; use run");
        }
        require(c, "", Privilege.MAINTAIN, "run jobs");
        return Reply.json(200, jobsOrFail().run(c.dsName(), jobId));
    }

    // ---------------------------------------------------------------- backup sessions

    /** How far ahead of the server's clock a client may date its snapshot. */
    static final java.time.Duration MAX_CLOCK_AHEAD = java.time.Duration.ofMinutes(10);

    private Reply beginBackup(Ctx c) {
        JsonNode o = Json.parseObject(body(c.req(), MAX_JSON));
        String ns = Json.text(o, "ns", false);
        ns = ns == null ? "" : ns;
        BackupGroup g;
        java.time.Instant time;
        CryptMode mode;
        try {
            BackupGroup.validateNamespace(ns);
            g = new BackupGroup(ns, Json.text(o, "type", true), Json.text(o, "id", true));
            time = SnapshotRef.parseTime(Json.text(o, "time", true));
            mode = CryptMode.fromCliName(Json.text(o, "crypt-mode", true));
        } catch (CofferException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        require(c, ns, Privilege.BACKUP, "create backups");
        java.time.Instant latest = java.time.Instant.now().plus(MAX_CLOCK_AHEAD);
        if (time.isAfter(latest)) {
            // a snapshot dated in the future would outrank every real one in the keep rules of the next prune
            throw ApiException.badRequest("snapshot time " + SnapshotRef.formatTime(time) + " is more than "
                    + MAX_CLOCK_AHEAD.toMinutes() + " minutes ahead of the server's clock ("
                    + SnapshotRef.formatTime(java.time.Instant.now()) + "); check the client's clock");
        }
        if (c.entry().requireEncryption() && mode != CryptMode.ENCRYPT) {
            throw new ApiException(400, "encryption-required", "datastore " + c.dsName()
                    + " requires encryption and refuses a backup with crypt mode " + mode
                    + "; back up with --crypt-mode encrypt and a key file");
        }
        AuthId who = c.who();
        String dsName = c.dsName();
        Datastore ds = c.ds();
        ServerConfig cfg = c.cfg();
        BackupSession s = sessions.begin(dsName, ds, who, g, time, mode, c.entry().requireEncryption(),
                () -> readableChunks(cfg, who, dsName, ds, g), () -> {
                    String owner = ds.claimGroupOwner(g, who.toString());
                    if (!AuthId.isValid(owner) || !Access.ownsGroup(who, AuthId.parse(owner))) {
                        // the owner is named only to a caller who may see it in the snapshot list anyway
                        Set<Privilege> p = Access.privileges(cfg, who, AclPath.of(dsName, g.ns()));
                        boolean mayKnow = p.contains(Privilege.AUDIT) || p.contains(Privilege.READ);
                        throw ApiException.forbidden("group " + g + " in datastore " + dsName + " belongs to "
                                + (mayKnow ? owner : "another owner") + ", not to " + who);
                    }
                });
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session", s.id);
        m.put("snapshot", s.ref().name());
        m.put("keepalive-seconds", Math.max(1, cfg.settings().sessionIdleTimeoutSeconds() / 4));
        m.put("max-chunk-bytes", cfg.settings().maxChunkBytes());
        return Reply.json(201, m);
    }

    /**
     * What a backup session may reuse by reference: the chunks of the group's newest three snapshots that did
     * not fail verification, and of the newest such snapshot of every other group the caller may read in the
     * same namespace.
     */
    private Set<ChunkId> readableChunks(ServerConfig cfg, AuthId who, String dsName, Datastore ds, BackupGroup own) {
        Set<ChunkId> out = new HashSet<>();
        Set<Privilege> p = Access.privileges(cfg, who, AclPath.of(dsName, own.ns()));
        for (BackupGroup g : ds.groups(own.ns())) {
            boolean mine = g.equals(own);
            if (!mine && !p.contains(Privilege.READ)) {
                String o = ds.groupOwner(g);
                if (!(p.contains(Privilege.BACKUP) && o != null && AuthId.isValid(o) && Access.ownsGroup(who, AuthId.parse(o)))) {
                    continue;
                }
            }
            List<SnapshotRef> list = new ArrayList<>(ds.snapshots(g));
            java.util.Collections.reverse(list);
            int taken = 0;
            for (SnapshotRef r : list) {
                if (taken == (mine ? 3 : 1)) {
                    break;
                }
                Verifier.State st = Verifier.state(ds, r);
                if (st != null && !st.state().equals("ok")) {
                    continue;
                }
                try {
                    out.addAll(chunkSets.of(dsName, ds, r));
                    taken++;
                } catch (CofferException e) {
                    LOG.warning("not offering the chunks of " + r.name() + " for reuse: " + e.getMessage());
                }
            }
        }
        return out;
    }

    private Reply session(Ctx c, List<String> seg, String method) {
        BackupSession s = sessions.get(seg.get(3), c.who(), c.dsName());
        if (!(method.equals("DELETE") && seg.size() == 4)) {
            // the right to back up is checked at every step: taking it away stops a session under way
            require(c, s.group.ns(), Privilege.BACKUP, "continue backups");
        }
        String action = seg.size() >= 5 ? seg.get(4) : "";
        boolean work = !action.equals("keepalive"); // what the stall timeout counts (BackupSessions)
        synchronized (s) {
            if (s.isClosed()) {
                throw ApiException.notFound("backup session " + s.id + " has ended");
            }
            s.touch();
            if (work) {
                s.workBegins(); // under the session's lock, where the sweeper decides
            }
        }
        try {
            return sessionStep(c, s, method, action, seg);
        } finally {
            if (work) {
                s.workEnded();
            }
        }
    }

    private Reply sessionStep(Ctx c, BackupSession s, String method, String action, List<String> seg) {
        switch (method + " " + action + "/" + seg.size()) {
            case "DELETE /4" -> {
                sessions.abort(s);
                return Reply.empty();
            }
            case "POST keepalive/5" -> {
                return Reply.empty();
            }
            case "POST known/5" -> {
                byte[] body = body(c.req(), MAX_KNOWN_IDS * ChunkId.LENGTH);
                if (body.length % ChunkId.LENGTH != 0) {
                    throw ApiException.badRequest("known: the body must be a sequence of 32-byte chunk ids (got "
                            + body.length + " bytes)");
                }
                ChunkId[] ids = new ChunkId[body.length / ChunkId.LENGTH];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = ChunkId.of(body, i * ChunkId.LENGTH);
                }
                return Reply.bytes(s.known(ids));
            }
            case "PUT chunk/6" -> {
                ChunkId id = chunkId(seg.get(5));
                byte[] blob = body(c.req(), c.cfg().settings().maxChunkBytes());
                s.putChunk(id, blob);
                return Reply.empty();
            }
            case "PUT file/6" -> {
                String name = fileName(seg.get(5));
                int limit = name.endsWith(BackupSession.INDEX_SUFFIX) ? BackupSession.MAX_INDEX
                        : name.equals(BackupSession.MANIFEST) ? Manifest.MAX_BODY + 64 : BackupSession.MAX_OTHER;
                byte[] data = body(c.req(), limit);
                BackupSession.FileInfo fi = s.putFile(name, data);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", name);
                m.put("bytes", fi.size());
                m.put("sha256", java.util.HexFormat.of().formatHex(fi.sha256()));
                m.put("chunks", fi.chunks());
                m.put("size", fi.dataSize());
                return Reply.json(200, m);
            }
            case "POST finish/5" -> {
                SnapshotRef done = sessions.finish(s);
                return Reply.json(200, Map.of("snapshot", done.name()));
            }
            default -> throw ApiException.notFound("no backup session endpoint " + method + " " + Json.quote(action));
        }
    }

    // ---------------------------------------------------------------- input

    private static ChunkId chunkId(String hex) {
        if (!HEX_ID.matcher(hex).matches()) {
            throw ApiException.badRequest("invalid chunk id " + Json.quote(hex) + ": expected 64 lower-case hex digits");
        }
        return ChunkId.parse(hex);
    }

    private static String fileName(String name) {
        if (name == null || !FILE.matcher(name).matches()) {
            throw ApiException.badRequest("invalid snapshot file name " + Json.quote(name));
        }
        return name;
    }

    private static String sideName(String name) {
        if (!SIDE_FILES.contains(name)) {
            throw ApiException.badRequest("unknown side file " + Json.quote(name) + "; one of " + new java.util.TreeSet<>(SIDE_FILES));
        }
        return name;
    }

    /** Reads the whole body, refusing (413) one longer than {@code limit} before reading it when its length is announced. */
    static byte[] body(Request req, int limit) {
        long announced = req.getLength();
        if (announced > limit) {
            throw new ApiException(413, "too-large", "request body of " + announced + " bytes exceeds the limit of " + limit);
        }
        try (InputStream in = Content.Source.asInputStream(req)) {
            if (announced >= 0 && announced <= BODY_PIECE) {
                reserveBodyMemory(announced);
                byte[] b = in.readNBytes((int) announced + 1);
                if (b.length > announced) {
                    throw new ApiException(400, "bad-body", "the request body is longer than its Content-Length");
                }
                return b;
            }
            return bodyInPieces(in, announced >= 0 ? (int) announced : limit, announced >= 0);
        } catch (IOException e) {
            throw new ApiException(400, "bad-body", "could not read the request body: " + e.getMessage());
        }
    }

    /** The pieces a body longer than this is read in: each is reserved from the budget before it is read. */
    static final int BODY_PIECE = 1 << 20;

    /**
     * Reads a body of at most {@code limit} bytes ({@code announced}: its length, which it has) in pieces,
     * reserving memory for each as it arrives: a body that trickles in holds only the pieces that have begun
     * to arrive, not what it announced or its limit. Before, a slow upload of an index could hold the whole
     * budget while it arrived, and every other upload waited. The pieces and their joined copy exist together
     * only for the moment of the copy; the pieces are garbage after it.
     */
    private static byte[] bodyInPieces(InputStream in, int limit, boolean announced) throws IOException {
        List<byte[]> pieces = new ArrayList<>();
        long total = 0;
        while (true) {
            int want = (int) Math.min(BODY_PIECE, (long) limit + 1 - total);
            reserveBodyMemory(want);
            byte[] piece = in.readNBytes(want);
            total += piece.length;
            if (total > limit) {
                throw announced ? new ApiException(400, "bad-body", "the request body is longer than its Content-Length")
                        : new ApiException(413, "too-large", "request body exceeds the limit of " + limit + " bytes");
            }
            pieces.add(piece);
            if (piece.length < want) {
                break;
            }
        }
        if (pieces.size() == 1) {
            return pieces.get(0);
        }
        byte[] b = new byte[(int) total];
        int at = 0;
        for (byte[] p : pieces) {
            System.arraycopy(p, 0, b, at, p.length);
            at += p.length;
        }
        return b;
    }

    /** The request-body memory budget, in KiB. */
    public static int bodyBudgetKiB() {
        return BODY_BUDGET_KIB;
    }

    /** KiB of the request-body memory budget free now: for monitoring, and for tests. */
    public static int bodyBudgetFreeKiB() {
        return BODY_BUDGET.availablePermits();
    }
}
