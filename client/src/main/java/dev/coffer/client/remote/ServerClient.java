package dev.coffer.client.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coffer.core.CofferException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;

/**
 * HTTPS to one Coffer server with a pinned certificate (design.md 14.4): HTTP/1.1 over pooled TLS connections,
 * Basic credentials on every request, and every error answer turned into one clear message.
 */
public final class ServerClient implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Asks the user whether to trust a server seen for the first time. */
    @FunctionalInterface
    public interface TrustPrompt {
        boolean trust(String endpoint, String fingerprint);
    }

    private final RemoteUrl url;
    private final HttpClient http;
    private final PinningTrustManager trust;
    private final String fingerprint;
    private final String authorization;
    private final String fingerprintSource;

    private ServerClient(RemoteUrl url, HttpClient http, PinningTrustManager trust, String fingerprint,
            String fingerprintSource, String authorization) {
        this.url = url;
        this.http = http;
        this.trust = trust;
        this.fingerprint = fingerprint;
        this.fingerprintSource = fingerprintSource;
        this.authorization = authorization;
    }

    /**
     * Connects: the certificate must match {@code fingerprint} (when given), else the one remembered for the
     * endpoint, else (trust on first use) the user must accept it through {@code prompt}, and it is remembered.
     * No credential is sent before the certificate has been checked.
     */
    public static ServerClient connect(RemoteUrl url, char[] secret, String fingerprint, Fingerprints known, TrustPrompt prompt) {
        String source;
        String expected;
        if (fingerprint != null) {
            expected = Fingerprints.normalize(fingerprint);
            source = "--fingerprint / COFFER_FINGERPRINT";
        } else {
            expected = known.get(url.endpoint());
            source = "remembered for " + url.endpoint() + " in the fingerprints file";
            if (expected == null) {
                String seen = probe(url);
                if (prompt == null || !prompt.trust(url.endpoint(), seen)) {
                    throw new CofferException("the server at " + url.endpoint() + " is not trusted yet; its certificate fingerprint is "
                            + seen, "check it with the server's administrator ('coffer server fingerprint'), then pass it with "
                            + "--fingerprint or COFFER_FINGERPRINT, or answer yes at the prompt on a terminal");
                }
                known.put(url.endpoint(), seen);
                expected = seen;
                source = "accepted on first use";
            }
        }
        if (url.authId() == null) {
            throw new CofferException("no user in the repository URL " + url,
                    "write it as https://USER@HOST:PORT/DATASTORE or https://USER!TOKEN@HOST:PORT/DATASTORE");
        }
        PinningTrustManager tm = new PinningTrustManager(expected);
        String auth = "Basic " + Base64.getEncoder().encodeToString(
                (url.authId() + ":" + new String(secret)).getBytes(StandardCharsets.UTF_8));
        return new ServerClient(url, build(tm), tm, expected, source, auth);
    }

    private static HttpClient build(PinningTrustManager tm) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {tm}, new SecureRandom());
            SSLParameters params = new SSLParameters();
            params.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
            // HTTP/1.1, a pooled connection per request in flight: the JDK's HTTP/2 client moved megabyte chunk
            // uploads at about a third of the speed on loopback (docs/performance.md); the server speaks both
            return HttpClient.newBuilder().sslContext(ctx).sslParameters(params).version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(15)).followRedirects(HttpClient.Redirect.NEVER).build();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Connects without credentials and returns the fingerprint the server shows. */
    private static String probe(RemoteUrl url) {
        PinningTrustManager tm = new PinningTrustManager(null);
        try (HttpClient c = build(tm)) {
            c.send(HttpRequest.newBuilder(URI.create("https://" + url.endpoint() + "/api/v1/ping")).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            if (tm.seen() != null) {
                return tm.seen();
            }
            throw unreachable(url, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CofferException("interrupted");
        }
        throw new CofferException("the server at " + url.endpoint() + " was trusted without a fingerprint (this is a bug)");
    }

    /** What went wrong with a connection, in a few words. */
    private static String reason(IOException e) {
        if (e instanceof java.net.ConnectException) {
            return "connection refused";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static CofferException unreachable(RemoteUrl url, IOException e) {
        return new CofferException("cannot reach the server at " + url.endpoint() + ": " + reason(e),
                "check the host and port, and that 'coffer server start' runs there");
    }

    /** The same pinned connection, now with credentials (sent only once the pinned certificate is seen). */
    public ServerClient withSecret(char[] secret) {
        if (url.authId() == null) {
            throw new CofferException("no user in the repository URL " + url,
                    "write it as https://USER@HOST:PORT/DATASTORE or https://USER!TOKEN@HOST:PORT/DATASTORE");
        }
        String auth = "Basic " + Base64.getEncoder().encodeToString(
                (url.authId() + ":" + new String(secret)).getBytes(StandardCharsets.UTF_8));
        PinningTrustManager tm = new PinningTrustManager(fingerprint);
        return new ServerClient(url, build(tm), tm, fingerprint, fingerprintSource, auth);
    }

    public RemoteUrl url() {
        return url;
    }

    public String fingerprint() {
        return fingerprint;
    }

    static String q(String v) {
        return URLEncoder.encode(v, StandardCharsets.UTF_8);
    }

    /** The query string for {@code key, value, ...} pairs (null values left out). */
    static String query(String... kv) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] == null) {
                continue;
            }
            b.append(b.isEmpty() ? '?' : '&').append(kv[i]).append('=').append(q(kv[i + 1]));
        }
        return b.toString();
    }

    public byte[] get(String path) {
        return send("GET", path, null, null);
    }

    public JsonNode getJson(String path) {
        return parse(get(path));
    }

    public JsonNode postJson(String path, Map<String, ?> body) {
        return parse(send("POST", path, "application/json", json(body)));
    }

    static byte[] json(Object o) {
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode parse(byte[] b) {
        try {
            return JSON.readTree(b);
        } catch (IOException e) {
            throw new CofferException("the server sent a malformed answer: " + e.getMessage());
        }
    }

    /** Tries of one request that the server answers 503 {@code busy}, the first included. */
    static final int BUSY_TRIES = 8;
    /** The longest wait before a retry, whatever the server's {@code Retry-After} says. */
    static final long MAX_RETRY_DELAY_MS = 30_000;

    /**
     * One request; a non-2xx answer becomes a CofferException with the server's message. A 503 {@code busy}
     * answer (the server is holding as many uploads as it may, or a chunk changed under it) means the server
     * did nothing with the request, so it is sent again, up to {@link #BUSY_TRIES} times in all, after the
     * delay the server's {@code Retry-After} names or else 1, 2, 4 … seconds (at most 30 s each). A
     * {@link #repeatable} request whose connection fails is sent again too, up to {@link #NET_TRIES} times, after
     * 1, 2, 4 s.
     */
    public byte[] send(String method, String path, String contentType, byte[] body) {
        long t0 = System.nanoTime();
        int netFailures = 0;
        int busy = 0;
        while (true) {
            HttpResponse<byte[]> r;
            try {
                r = sendOnce(method, path, contentType, body);
            } catch (Lost lost) {
                netFailures++;
                // a request that timed out is not sent again: it would wait as long once more
                if (repeatable(method, path) && netFailures < NET_TRIES
                        && !(lost.io instanceof java.net.http.HttpTimeoutException && !(lost.io instanceof java.net.http.HttpConnectTimeoutException))) {
                    sleep(retryDelayMs(null, netFailures));
                    continue;
                }
                throw lostConnection(method, path, lost.io, netFailures, (System.nanoTime() - t0) / 1_000_000);
            }
            int status = r.statusCode();
            if (status / 100 == 2) {
                return r.body();
            }
            Error e = Error.of(r);
            boolean isBusy = status == 503 && "busy".equals(e.code());
            if (isBusy && ++busy < BUSY_TRIES) {
                sleep(retryDelayMs(r.headers().firstValue("Retry-After").orElse(null), busy));
                continue;
            }
            throw failure(status, e.message(), isBusy ? busy : 0, (System.nanoTime() - t0) / 1_000_000);
        }
    }

    /** Tries of a repeatable request whose connection fails (reset, closed, timed out, refused), the first included. */
    static final int NET_TRIES = 4;

    /** A request that failed on the way, not at the server's word: the connection broke, or none was made. */
    private static final class Lost extends RuntimeException {
        final IOException io;

        Lost(IOException io) {
            super(io.getMessage(), io, false, false);
            this.io = io;
        }
    }

    /**
     * Whether sending a request again is harmless when its answer was lost: reads, uploads under a name (a chunk,
     * a session's file), and the session's queries. Not starting or finishing a session, forgetting, pruning or
     * maintenance: the first try may have done it.
     */
    static boolean repeatable(String method, String path) {
        return method.equals("GET") || method.equals("PUT")
                || method.equals("POST") && (path.endsWith("/known") || path.endsWith("/keepalive"));
    }

    private CofferException lostConnection(String method, String path, IOException e, int tries, long elapsedMs) {
        String m = reason(e);
        String after = tries > 1 ? " (" + tries + " tries over " + (elapsedMs + 999) / 1000 + " s)" : "";
        boolean neverSent = e instanceof java.net.ConnectException || e instanceof java.net.http.HttpConnectTimeoutException;
        if (method.equals("POST") && path.endsWith("/finish") && !neverSent) {
            return new CofferException("the connection to " + url.endpoint() + " broke while the server was committing the "
                    + "snapshot: " + m, "the snapshot may exist now or not: look with 'coffer snapshots' before you back up again");
        }
        return new CofferException("cannot reach the server at " + url.endpoint() + ": " + m + after,
                "check the host and port, the network, and that 'coffer server start' runs there");
    }

    /** The server's JSON error, or the status line when the body is not one. */
    private record Error(String code, String message) {
        static Error of(HttpResponse<byte[]> r) {
            try {
                JsonNode n = JSON.readTree(r.body());
                if (n != null && n.path("error").path("message").isTextual()) {
                    return new Error(n.path("error").path("code").asText(""), n.path("error").path("message").asText());
                }
            } catch (IOException | RuntimeException ignored) {
                // keep the status line
            }
            return new Error("", "HTTP " + r.statusCode());
        }
    }

    /**
     * Milliseconds to wait before try {@code attempt + 1}: {@code Retry-After} in seconds when the server sent a
     * usable one (an HTTP date is not used), else 2^(attempt-1) seconds; never more than {@link #MAX_RETRY_DELAY_MS}.
     */
    static long retryDelayMs(String retryAfter, int attempt) {
        if (retryAfter != null) {
            try {
                long s = Long.parseLong(retryAfter.strip());
                if (s >= 0) {
                    return Math.min(MAX_RETRY_DELAY_MS, s * 1000);
                }
            } catch (NumberFormatException ignored) {
                // fall back to the backoff
            }
        }
        return Math.min(MAX_RETRY_DELAY_MS, 1000L << Math.min(attempt - 1, 15));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CofferException("interrupted");
        }
    }

    private HttpResponse<byte[]> sendOnce(String method, String path, String contentType, byte[] body) {
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create("https://" + url.endpoint() + "/api/v1/" + path))
                .timeout(Duration.ofMinutes(10)).header("Authorization", authorization)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            rb.header("Content-Type", contentType);
        }
        try {
            return http.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            String seen = trust.seen();
            if (seen != null && !seen.equals(fingerprint)) {
                throw new CofferException("the server at " + url.endpoint() + " presented certificate fingerprint " + seen
                        + ", but " + fingerprint + " was expected (" + fingerprintSource + "): refusing to connect; nothing was sent",
                        "this is what a man-in-the-middle looks like; if the server's certificate was replaced on purpose, "
                        + "verify the new fingerprint with its administrator and pass it with --fingerprint, or remove the line "
                        + "for " + url.endpoint() + " from ~/.config/coffer/fingerprints");
            }
            if (e instanceof SSLHandshakeException) {
                throw new CofferException("TLS handshake with " + url.endpoint() + " failed: " + e.getMessage());
            }
            throw new Lost(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CofferException("interrupted");
        }
    }

    private CofferException failure(int status, String message, int busyTries, long elapsedMs) {
        return switch (status) {
            case 401 -> new CofferException("the server refused the credentials of " + url.authId() + ": " + message,
                    "check COFFER_PASSWORD (the user's password, or the token's secret for USER!TOKEN)");
            case 403 -> new CofferException("permission denied: " + message,
                    "ask the server's administrator for a role that allows this ('coffer server acl set')");
            case 404 -> new CofferException(message);
            case 413 -> new CofferException("the server refused an oversized request: " + message);
            case 429 -> new CofferException("the server refused the request (429): " + message,
                    "wait before trying again: after failed logins, a few minutes (and check COFFER_PASSWORD); "
                    + "with too many backups open, until some finish");
            default -> busyTries > 0
                    ? new CofferException("the server stayed busy through " + busyTries + " tries over " + (elapsedMs + 999) / 1000
                            + " s: " + message, "try again later, or when fewer backups run against this server at once")
                    : new CofferException("the server refused the request (" + status + "): " + message);
        };
    }

    @Override
    public void close() {
        http.close();
    }

    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] != null) {
                m.put((String) kv[i], kv[i + 1]);
            }
        }
        return m;
    }
}
