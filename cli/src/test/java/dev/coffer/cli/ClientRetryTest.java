package dev.coffer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.coffer.client.remote.Fingerprints;
import dev.coffer.client.remote.RemoteUrl;
import dev.coffer.client.remote.ServerClient;
import dev.coffer.client.remote.ServerClientAccess;
import dev.coffer.core.CofferException;
import dev.coffer.server.tls.ServerCertificate;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the client does when a server answers 503 {@code busy}: a scripted HTTPS server on loopback (with a
 * certificate made the way the Coffer server makes its own) answers each request from a list, and records
 * what it was sent.
 */
class ClientRetryTest {
    @TempDir
    static Path tmp;
    static HttpsServer https;
    static ServerCertificate cert;

    record Answer(int status, String retryAfter, String body) {
        static final Answer DROP = new Answer(-1, null, "");

        static Answer busy(String retryAfter) {
            return new Answer(503, retryAfter, error(503, "busy", "the server is holding as many uploads in memory as it may; try again"));
        }
    }

    record Seen(String method, String path, byte[] body) {
    }

    static final Deque<Answer> script = new ArrayDeque<>();
    static final List<Seen> seen = new ArrayList<>();

    static String error(int status, String code, String message) {
        return "{\"error\":{\"status\":" + status + ",\"code\":\"" + code + "\",\"message\":\"" + message + "\"}}";
    }

    @BeforeAll
    static void start() throws Exception {
        cert = ServerCertificate.ensure(tmp.resolve("tls"), "localhost");
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(cert.keyStore(), cert.storePassword());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(ctx));
        https.createContext("/", ex -> {
            try (ex) {
                byte[] body = ex.getRequestBody().readAllBytes();
                Answer a;
                synchronized (script) {
                    seen.add(new Seen(ex.getRequestMethod(), ex.getRequestURI().getPath(), body));
                    a = script.isEmpty() ? new Answer(200, null, "{\"ok\":true}") : script.poll();
                }
                if (a.status() < 0) {
                    // the connection breaks before any answer: nothing is sent back
                    ex.getResponseBody().close();
                    return;
                }
                if (a.retryAfter() != null) {
                    ex.getResponseHeaders().add("Retry-After", a.retryAfter());
                }
                byte[] out = a.body().getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(a.status(), out.length);
                ex.getResponseBody().write(out);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        https.start();
    }

    @AfterAll
    static void stop() {
        if (https != null) {
            https.stop(0);
        }
    }

    @BeforeEach
    void reset() {
        synchronized (script) {
            script.clear();
            seen.clear();
        }
    }

    static ServerClient client() {
        RemoteUrl url = RemoteUrl.parse("https://alice@127.0.0.1:" + https.getAddress().getPort() + "/store1");
        return ServerClient.connect(url, "pw".toCharArray(), cert.fingerprint(), new Fingerprints(tmp.resolve("fingerprints")), null);
    }

    static void answer(Answer... answers) {
        synchronized (script) {
            script.addAll(List.of(answers));
        }
    }

    @Test
    void aBusyAnswerIsRetriedWithTheSameBodyAfterTheDelayTheServerNames() {
        answer(Answer.busy("0"), Answer.busy("1"), new Answer(200, null, "{\"stored\":1}"));
        byte[] blob = "chunk bytes".getBytes(StandardCharsets.UTF_8);
        long t0 = System.nanoTime();
        byte[] reply;
        try (ServerClient c = client()) {
            reply = c.send("PUT", "datastore/store1/backup/s1/chunk/ab", "application/octet-stream", blob);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(new String(reply, StandardCharsets.UTF_8)).isEqualTo("{\"stored\":1}");
        assertThat(seen).hasSize(3);
        for (Seen s : seen) {
            assertThat(s.method()).isEqualTo("PUT");
            assertThat(s.path()).isEqualTo("/api/v1/datastore/store1/backup/s1/chunk/ab");
            assertThat(s.body()).isEqualTo(blob);
        }
        assertThat(ms).as("waited the second answer's Retry-After of 1 s").isGreaterThanOrEqualTo(1000);
    }

    @Test
    void aServerThatStaysBusyFailsTheRequestAfterAllTriesWithAClearMessage() {
        for (int i = 0; i < ServerClientAccess.busyTries() + 2; i++) {
            answer(Answer.busy("0"));
        }
        try (ServerClient c = client()) {
            assertThatThrownBy(() -> c.send("POST", "datastore/store1/backup/s1/known", "application/octet-stream", new byte[32]))
                    .isInstanceOf(CofferException.class)
                    .hasMessageMatching("the server stayed busy through " + ServerClientAccess.busyTries()
                            + " tries over [0-9] s: the server is holding as many uploads in memory as it may; try again");
        }
        assertThat(seen).hasSize(ServerClientAccess.busyTries());
    }

    @Test
    void otherErrorsAreNotRetried() {
        refusedAtOnce(new Answer(503, "2", error(503, "unavailable", "the job scheduler is not running")), c -> c.get("jobs"),
                "the server refused the request (503): the job scheduler is not running");
        refusedAtOnce(new Answer(429, null, error(429, "too-many-requests", "too many failed logins from this address; wait")),
                c -> c.get("whoami"), "the server refused the request (429): too many failed logins from this address; wait");
        refusedAtOnce(new Answer(409, null, error(409, "busy", "datastore is busy: garbage collection is running")),
                c -> c.postJson("datastore/store1/gc", java.util.Map.of()),
                "the server refused the request (409): datastore is busy: garbage collection is running");
    }

    /** The request is sent once, answered {@code a}, and fails with {@code message}. */
    private void refusedAtOnce(Answer a, java.util.function.Consumer<ServerClient> request, String message) {
        reset();
        answer(a);
        try (ServerClient c = client()) {
            assertThatThrownBy(() -> request.accept(c)).isInstanceOf(CofferException.class).hasMessage(message);
        }
        assertThat(seen).hasSize(1);
    }

    @Test
    void theDelayFollowsRetryAfterInSecondsElseDoublesAndIsCapped() {
        assertThat(ServerClientAccess.delay("3", 1)).isEqualTo(3000);
        assertThat(ServerClientAccess.delay(" 0 ", 5)).isZero();
        assertThat(ServerClientAccess.delay("3600", 1)).as("capped").isEqualTo(30_000);
        assertThat(ServerClientAccess.delay(null, 1)).isEqualTo(1000);
        assertThat(ServerClientAccess.delay(null, 3)).isEqualTo(4000);
        assertThat(ServerClientAccess.delay(null, 7)).isEqualTo(30_000);
        assertThat(ServerClientAccess.delay("Wed, 21 Oct 2026 07:28:00 GMT", 2)).as("a date is not used").isEqualTo(2000);
        assertThat(ServerClientAccess.delay("-5", 1)).isEqualTo(1000);
    }

    @Test
    void aRepeatableRequestIsSentAgainWhenItsConnectionBreaks() {
        answer(Answer.DROP, Answer.DROP, new Answer(200, null, "{\"stored\":1}"));
        byte[] blob = "another chunk".getBytes(StandardCharsets.UTF_8);
        try (ServerClient c = client()) {
            assertThat(c.send("PUT", "datastore/store1/backup/s1/chunk/cd", "application/octet-stream", blob)).isNotEmpty();
        }
        assertThat(seen).hasSize(3);
        assertThat(seen).allSatisfy(s -> assertThat(s.body()).isEqualTo(blob));
    }

    @Test
    void finishingASessionIsNotSentTwiceAndTheErrorSaysTheSnapshotMayExist() {
        answer(Answer.DROP, new Answer(200, null, "{}"));
        try (ServerClient c = client()) {
            assertThatThrownBy(() -> c.send("POST", "datastore/store1/backup/s1/finish", null, null))
                    .isInstanceOf(CofferException.class)
                    .hasMessageStartingWith("the connection to 127.0.0.1:" + https.getAddress().getPort()
                            + " broke while the server was committing the snapshot: ")
                    .satisfies(e -> assertThat(((CofferException) e).hint()).contains("coffer snapshots"));
        }
        assertThat(seen).as("sent once").hasSize(1);
        // nor is starting one: a second session would find the first one running
        reset();
        answer(Answer.DROP, new Answer(201, null, "{}"));
        try (ServerClient c = client()) {
            assertThatThrownBy(() -> c.postJson("datastore/store1/backup", java.util.Map.of("type", "host")))
                    .isInstanceOf(CofferException.class).hasMessageStartingWith("cannot reach the server at ");
        }
        assertThat(seen).hasSize(1);
    }

    @Test
    void aConnectionThatKeepsBreakingFailsAfterAllTries() {
        for (int i = 0; i < 3 * ServerClientAccess.netTries(); i++) {
            answer(Answer.DROP);
        }
        try (ServerClient c = client()) {
            assertThatThrownBy(() -> c.get("datastore/store1/snapshots")).isInstanceOf(CofferException.class)
                    .hasMessageMatching("cannot reach the server at 127\\.0\\.0\\.1:[0-9]+: .* \\(" + ServerClientAccess.netTries()
                            + " tries over [0-9]+ s\\)");
        }
        // (the HTTP client may itself send a GET again once on a connection that closed under it)
        assertThat(seen.size()).isBetween(ServerClientAccess.netTries(), 2 * ServerClientAccess.netTries());
    }
}
