package dev.coffer.server;

import dev.coffer.core.CofferException;
import dev.coffer.server.api.ApiHandler;
import dev.coffer.server.auth.Authenticator;
import dev.coffer.server.config.ConfigDir;
import dev.coffer.server.tls.ServerCertificate;
import dev.coffer.server.jobs.JobHistory;
import dev.coffer.server.jobs.JobStore;
import dev.coffer.server.jobs.JobsApi;
import dev.coffer.server.jobs.Scheduler;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.ZoneId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The backup server: HTTPS (TLS 1.3, or 1.2) with HTTP/2 and HTTP/1.1 on one port, serving {@link ApiHandler}.
 * It holds no backup key. {@link #stop} aborts the backups in flight, so none becomes half-visible.
 */
public final class CofferServer implements AutoCloseable {
    private final ConfigDir config;
    private final ServerCertificate certificate;
    private final Server jetty;
    private final ServerConnector connector;
    private final ApiHandler api;
    private final Scheduler scheduler;

    private CofferServer(ConfigDir config, ServerCertificate certificate, Server jetty, ServerConnector connector, ApiHandler api,
            Scheduler scheduler) {
        this.config = config;
        this.certificate = certificate;
        this.jetty = jetty;
        this.connector = connector;
        this.api = api;
        this.scheduler = scheduler;
    }

    /** Where job runs are recorded. */
    public static JobHistory history(ConfigDir config) {
        return new JobHistory(config.path().resolve("jobs").resolve("history"));
    }

    /** Starts serving; {@code listen} is HOST:PORT (port 0 picks a free one), null for the configured address. */
    public static CofferServer start(ConfigDir config, String listen, String version) {
        String addr = listen != null ? listen : config.current().settings().listen();
        InetSocketAddress where = parseListen(addr);
        ServerCertificate cert = ServerCertificate.ensure(config.tlsDir(), null);

        QueuedThreadPool pool = new QueuedThreadPool(200, 8);
        pool.setName("coffer-http");
        pool.setDaemon(true);
        Server jetty = new Server(pool);
        jetty.setStopTimeout(5000);

        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        SecureRequestCustomizer src = new SecureRequestCustomizer();
        src.setSniHostCheck(false); // clients pin the certificate's fingerprint, not a host name
        http.addCustomizer(src);
        HttpConnectionFactory h1 = new HttpConnectionFactory(http);
        HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(http);
        // chunks are megabytes: small flow-control windows would cap uploads at a window per round trip
        h2.setInitialStreamRecvWindow(16 << 20);
        h2.setInitialSessionRecvWindow(64 << 20);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
        alpn.setDefaultProtocol(h1.getProtocol());

        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStore(cert.keyStore());
        ssl.setKeyStorePassword(new String(cert.storePassword()));
        ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
        ssl.setCipherComparator(HTTP2Cipher.COMPARATOR);
        ssl.setUseCipherSuitesOrder(true);
        SslConnectionFactory tls = new SslConnectionFactory(ssl, alpn.getProtocol());

        ServerConnector connector = new ServerConnector(jetty, tls, alpn, h2, h1);
        connector.setHost(where.getHostString());
        connector.setPort(where.getPort());
        connector.setIdleTimeout(120_000);
        jetty.addConnector(connector);

        ApiHandler api = new ApiHandler(config, new Authenticator(), version);
        jetty.setHandler(api);
        jetty.setErrorHandler(new JsonErrors());
        try {
            jetty.start();
        } catch (Exception e) {
            try {
                jetty.stop();
            } catch (Exception ignored) {
                // already failing
            }
            throw new CofferException("cannot start the server on " + addr + ": " + e.getMessage(),
                    "check that the address is free and yours to use (--listen HOST:PORT)");
        }
        JobStore jobStore = new JobStore(config);
        Scheduler scheduler = new Scheduler(jobStore::valid, api::datastore, history(config), Clock.systemUTC(),
                ZoneId.systemDefault()).start(15);
        api.jobs(new JobsApi(jobStore, scheduler, history(config), api::redactor));
        return new CofferServer(config, cert, jetty, connector, api, scheduler);
    }

    static InetSocketAddress parseListen(String addr) {
        int colon = addr.lastIndexOf(':');
        if (colon < 0) {
            throw new CofferException("invalid listen address \"" + addr + "\"", "use HOST:PORT, like 127.0.0.1:8007");
        }
        String host = addr.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(addr.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535 || host.isEmpty()) {
            throw new CofferException("invalid listen address \"" + addr + "\"", "use HOST:PORT, like 127.0.0.1:8007");
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    public int port() {
        return connector.getLocalPort();
    }

    public String host() {
        return connector.getHost();
    }

    public String fingerprint() {
        return certificate.fingerprint();
    }

    public ApiHandler api() {
        return api;
    }

    public ConfigDir config() {
        return config;
    }

    /** Blocks until the server stops. */
    public void join() throws InterruptedException {
        jetty.join();
    }

    /** Stops accepting, aborts the backups in flight (nothing half-visible), and closes the datastores. */
    public void stop() {
        scheduler.close();
        api.abortAll();
        try {
            jetty.stop();
        } catch (Exception e) {
            throw new CofferException("stopping the server failed: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Errors Jetty produces itself (bad URIs, bad headers) as the API's JSON errors. */
    static final class JsonErrors extends ErrorHandler {
        @Override
        public boolean handle(Request request, org.eclipse.jetty.server.Response response, org.eclipse.jetty.util.Callback callback) {
            int status = response.getStatus() <= 0 ? 500 : response.getStatus();
            Object m = request.getAttribute(ERROR_MESSAGE);
            String msg = m == null ? org.eclipse.jetty.http.HttpStatus.getMessage(status) : m.toString();
            msg = msg.replaceAll("[\\p{Cntrl}\"\\\\]", "?");
            String code = status == 400 ? "bad-request" : status == 404 ? "not-found" : status == 413 ? "too-large"
                    : status >= 500 ? "internal" : "error";
            byte[] body = ("{\"error\":{\"status\":" + status + ",\"code\":\"" + code + "\",\"message\":\"" + msg + "\"}}")
                    .getBytes(StandardCharsets.UTF_8);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.write(true, ByteBuffer.wrap(body), callback);
            return true;
        }
    }
}
