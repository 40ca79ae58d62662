package dev.coffer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coffer.server.config.ConfigDir;
import dev.coffer.server.config.ServerAdmin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code coffer server start} as its own process: SIGTERM stops it cleanly, with no half-visible snapshot. */
class ServerProcessTest {
    private static final Pattern LISTENING = Pattern.compile("listening on https://127\\.0\\.0\\.1:(\\d+)\\s");

    @TempDir
    Path tmp;

    @Test
    void sigtermAbortsBackupsInFlightAndExits() throws Exception {
        ConfigDir config = ConfigDir.init(tmp.resolve("cfg"));
        ServerAdmin admin = new ServerAdmin(config);
        admin.createDatastore("s", tmp.resolve("ds"), false);
        admin.addUser("alice", "alice-password-1".toCharArray());
        admin.setAcl("/datastore/s", "DatastoreBackup", "alice");
        // the server takes a free port itself and names it: a port probed here and closed again could be taken by
        // another process before the server binds it
        Path out = tmp.resolve("server.out");
        Process server = Cli.start(Map.of(), tmp, out, "server", "start", "--config-dir", config.path().toString(),
                "--listen", "127.0.0.1:0");
        try {
            int port = -1;
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (port < 0 && server.isAlive() && System.nanoTime() < deadline) {
                Matcher m = LISTENING.matcher(Files.exists(out) ? Files.readString(out) : "");
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                } else {
                    Thread.sleep(50);
                }
            }
            assertThat(port).as("the server came up and named its port").isPositive();
            String saved = ServerTest.url;
            ServerTest.url = "127.0.0.1:" + port;
            try {
                int status = -1;
                while (System.nanoTime() < deadline) {
                    try {
                        status = ServerTest.raw("GET", "ping", null, null).statusCode();
                        break;
                    } catch (java.io.IOException notYet) {
                        Thread.sleep(100);
                    }
                }
                assertThat(status).as("the server came up").isEqualTo(200);
                var begin = ServerTest.raw("POST", "datastore/s/backup", "alice",
                        "{\"type\":\"host\",\"id\":\"inflight\",\"time\":\"2026-01-01T00:00:00Z\",\"crypt-mode\":\"none\"}");
                assertThat(begin.statusCode()).as(begin.body()).isEqualTo(201);
            } finally {
                ServerTest.url = saved;
            }
            Path group = tmp.resolve("ds/host/inflight");
            assertThat(ServerTest.hasTempSnapshot(group)).isTrue();
            server.destroy(); // SIGTERM
            assertThat(server.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("stopped").isTrue();
            assertThat(server.exitValue()).isEqualTo(143); // terminated by SIGTERM, after the shutdown hook ran
            assertThat(ServerTest.hasTempSnapshot(group)).as("the session in flight was aborted").isFalse();
            assertThat(ServerTest.visibleSnapshots(group)).isEmpty();
            try (Stream<Path> s = Files.list(tmp.resolve("ds"))) {
                assertThat(s.map(p -> p.getFileName().toString())).doesNotContain("inflight");
            }
        } finally {
            server.destroyForcibly();
        }
    }
}
