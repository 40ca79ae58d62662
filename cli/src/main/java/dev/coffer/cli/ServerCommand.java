package dev.coffer.cli;

import dev.coffer.core.Version;
import dev.coffer.server.CofferServer;
import dev.coffer.server.config.ConfigDir;
import dev.coffer.server.config.ServerAdmin;
import dev.coffer.server.config.ServerConfig;
import dev.coffer.server.tls.ServerCertificate;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code coffer server ...}: run the backup server and administer its config directory. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run the backup server, and manage its datastores, users, tokens and ACLs. Admin commands edit "
                + "the config directory; a running server picks the changes up without a restart.",
        subcommands = {ServerCommand.Init.class, ServerCommand.Start.class, ServerCommand.Fingerprint.class,
                ServerCommand.DatastoreCmd.class, ServerCommand.UserCmd.class, ServerCommand.TokenCmd.class,
                ServerCommand.AclCmd.class, ServerJobCommand.class})
final class ServerCommand extends CommandGroup {

    /** The {@code --config-dir} every server command takes. */
    static final class ConfigOption {
        @Option(names = "--config-dir", paramLabel = "DIR", required = true, description = "The server's configuration directory")
        Path configDir;

        ConfigDir open() {
            return ConfigDir.open(configDir);
        }
    }

    abstract static class Base implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        ConfigOption config;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        /** A listing: JSON rows, or one text line per row. */
        void list(Output.Format format, List<Map<String, Object>> rows, java.util.function.Function<Map<String, Object>, Object> text) {
            if (format == Output.Format.json) {
                Output.json(out(), rows);
            } else {
                rows.forEach(m -> out().println(text.apply(m)));
            }
        }
    }

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = "Create a config directory (0700) with a self-signed TLS certificate, and print its fingerprint.")
    static final class Init extends Base {
        @Override
        public Integer call() {
            ConfigDir dir = ConfigDir.init(config.configDir);
            ServerCertificate cert = ServerCertificate.ensure(dir.tlsDir(), hostName());
            out().println("initialised " + dir.path());
            out().println("certificate fingerprint: " + cert.fingerprint());
            return Main.OK;
        }
    }

    static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    @Command(name = "fingerprint", mixinStandardHelpOptions = true,
            description = "Print the SHA-256 fingerprint of the server's certificate, for clients to pin.")
    static final class Fingerprint extends Base {
        @Override
        public Integer call() {
            ConfigDir dir = config.open();
            out().println(ServerCertificate.ensure(dir.tlsDir(), hostName()).fingerprint());
            return Main.OK;
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Serve the API over HTTPS until stopped (SIGTERM or Ctrl-C stop it cleanly: backups in flight "
                    + "are aborted and never become visible).")
    static final class Start extends Base {
        @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Address to listen on (default 0.0.0.0:8007)")
        String listen;

        @Override
        public Integer call() throws InterruptedException {
            ServerLog.configure();
            ConfigDir dir = config.open();
            CofferServer server = CofferServer.start(dir, listen, Version.VERSION);
            CountDownLatch stopped = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                server.stop();
                stopped.countDown();
            }, "coffer-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            out().println("coffer server " + Version.VERSION + " listening on https://" + server.host() + ":" + server.port());
            out().println("certificate fingerprint: " + server.fingerprint());
            out().flush();
            server.join();
            stopped.await();
            return Main.OK;
        }
    }

    @Command(name = "datastore", mixinStandardHelpOptions = true, description = "Create, list and remove datastores.",
            subcommands = {DatastoreCreate.class, DatastoreList.class, DatastoreRemove.class})
    static final class DatastoreCmd extends CommandGroup {
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a datastore at PATH (or adopt an existing Coffer datastore there) and serve it as NAME.")
    static final class DatastoreCreate extends Base {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1", paramLabel = "PATH")
        Path path;

        @Option(names = "--require-encryption",
                description = "Refuse every unencrypted chunk, index and manifest: only encrypted backups are accepted")
        boolean requireEncryption;

        @Override
        public Integer call() {
            new ServerAdmin(config.open()).createDatastore(name, path, requireEncryption);
            out().println("created datastore " + name + " at " + path.toAbsolutePath().normalize()
                    + (requireEncryption ? " (encryption required)" : ""));
            return Main.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the datastores.")
    static final class DatastoreList extends Base {
        @Option(names = "--output-format", paramLabel = "FORMAT", defaultValue = "text", description = "text or json")
        Output.Format format;

        @Override
        public Integer call() {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (var e : config.open().current().datastores().entrySet()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", e.getKey());
                m.put("path", e.getValue().path());
                m.put("require-encryption", e.getValue().requireEncryption());
                m.put("created", e.getValue().created());
                rows.add(m);
            }
            if (format == Output.Format.json) {
                Output.json(out(), rows);
            } else {
                rows.forEach(m -> out().println(m.get("name") + "  " + m.get("path")
                        + (Boolean.TRUE.equals(m.get("require-encryption")) ? "  (encryption required)" : "")));
            }
            return Main.OK;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Stop serving a datastore. Its files are kept. One that holds snapshots needs --force.")
    static final class DatastoreRemove extends Base {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--force", description = "Remove it from the configuration even though it holds snapshots")
        boolean force;

        @Override
        public Integer call() {
            new ServerAdmin(config.open()).removeDatastore(name, force);
            out().println("removed datastore " + name + " from the configuration (its files are kept)");
            return Main.OK;
        }
    }

    @Command(name = "user", mixinStandardHelpOptions = true, description = "Add, list and remove users, change passwords.",
            subcommands = {UserAdd.class, UserPasswd.class, UserList.class, UserRemove.class})
    static final class UserCmd extends CommandGroup {
    }

    static char[] newPassword(String name) {
        String env = Env.get(Env.NEW_PASSWORD);
        if (env != null) {
            return env.toCharArray();
        }
        return Terminal.promptNew("New password for " + name + ": ", "no password for " + name + " and no terminal to ask on",
                "set COFFER_NEW_PASSWORD");
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a user; the password comes from COFFER_NEW_PASSWORD or a prompt and is stored as an Argon2id hash.")
    static final class UserAdd extends Base {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            Usage.check(spec, () -> dev.coffer.server.auth.AuthId.checkName("user", name));
            ConfigDir dir = config.open();
            char[] pw = newPassword(name);
            try {
                new ServerAdmin(dir).addUser(name, pw);
            } finally {
                java.util.Arrays.fill(pw, '\0');
            }
            out().println("added user " + name);
            return Main.OK;
        }
    }

    @Command(name = "passwd", mixinStandardHelpOptions = true, description = "Change a user's password (COFFER_NEW_PASSWORD or a prompt).")
    static final class UserPasswd extends Base {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            ConfigDir dir = config.open();
            char[] pw = newPassword(name);
            try {
                new ServerAdmin(dir).setPassword(name, pw);
            } finally {
                java.util.Arrays.fill(pw, '\0');
            }
            out().println("changed the password of " + name);
            return Main.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the users.")
    static final class UserList extends Base {
        @Option(names = "--output-format", paramLabel = "FORMAT", defaultValue = "text", description = "text or json")
        Output.Format format;

        @Override
        public Integer call() {
            ServerConfig c = config.open().current();
            List<Map<String, Object>> rows = new ArrayList<>();
            c.users().forEach((n, u) -> rows.add(Output.ordered("name", n, "created", String.valueOf(u.created()))));
            list(format, rows, m -> m.get("name"));
            return Main.OK;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a user, its tokens and its ACL entries.")
    static final class UserRemove extends Base {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            new ServerAdmin(config.open()).removeUser(name);
            out().println("removed user " + name);
            return Main.OK;
        }
    }

    @Command(name = "token", mixinStandardHelpOptions = true, description = "Add, list and remove API tokens.",
            subcommands = {TokenAdd.class, TokenList.class, TokenRemove.class})
    static final class TokenCmd extends CommandGroup {
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Create the API token USER!TOKENNAME. Prints {\"tokenid\",\"secret\"}: the secret is shown this once "
                    + "and stored only hashed. A token's rights are its own ACL entries intersected with its user's.")
    static final class TokenAdd extends Base {
        @Parameters(index = "0", paramLabel = "USER")
        String user;

        @Parameters(index = "1", paramLabel = "TOKENNAME")
        String token;

        @Override
        public Integer call() {
            String secret = new ServerAdmin(config.open()).addToken(user, token);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tokenid", user + "!" + token);
            m.put("secret", secret);
            Output.json(out(), m);
            return Main.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the API tokens (never their secrets).")
    static final class TokenList extends Base {
        @Option(names = "--output-format", paramLabel = "FORMAT", defaultValue = "text", description = "text or json")
        Output.Format format;

        @Override
        public Integer call() {
            List<Map<String, Object>> rows = new ArrayList<>();
            config.open().current().tokens().forEach((n, t) -> rows.add(Output.ordered("tokenid", n, "created", String.valueOf(t.created()))));
            list(format, rows, m -> m.get("tokenid"));
            return Main.OK;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove an API token (USER!TOKENNAME) and its ACL entries.")
    static final class TokenRemove extends Base {
        @Parameters(paramLabel = "TOKENID")
        String tokenId;

        @Override
        public Integer call() {
            new ServerAdmin(config.open()).removeToken(tokenId);
            out().println("removed token " + tokenId);
            return Main.OK;
        }
    }

    @Command(name = "acl", mixinStandardHelpOptions = true, description = "Grant, list and revoke roles.",
            subcommands = {AclSet.class, AclList.class, AclRemove.class})
    static final class AclCmd extends CommandGroup {
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Grant ROLE on PATH (/, /datastore, /datastore/NAME or /datastore/NAME/ns/NS) and below to AUTHID "
                    + "(a user or USER!TOKEN). Roles: Admin, DatastoreAdmin, DatastoreBackup, DatastoreReader, DatastoreAudit.")
    static final class AclSet extends Base {
        @Parameters(index = "0", paramLabel = "PATH")
        String path;

        @Parameters(index = "1", paramLabel = "ROLE")
        String role;

        @Parameters(index = "2", paramLabel = "AUTHID")
        String authid;

        @Override
        public Integer call() {
            Usage.check(spec, () -> {
                dev.coffer.server.auth.AclPath.parse(path);
                dev.coffer.server.auth.Role.parse(role);
                dev.coffer.server.auth.AuthId.parse(authid);
            });
            new ServerAdmin(config.open()).setAcl(path, role, authid);
            out().println("granted " + role + " on " + path + " to " + authid);
            return Main.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the ACL entries.")
    static final class AclList extends Base {
        @Option(names = "--output-format", paramLabel = "FORMAT", defaultValue = "text", description = "text or json")
        Output.Format format;

        @Override
        public Integer call() {
            List<Map<String, Object>> rows = new ArrayList<>();
            config.open().current().acl().forEach(e -> rows.add(Output.ordered("path", e.path(), "role", e.role(), "authid", e.authid())));
            list(format, rows, m -> m.get("path") + "  " + m.get("role") + "  " + m.get("authid"));
            return Main.OK;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Revoke AUTHID's roles (or only ROLE) on PATH.")
    static final class AclRemove extends Base {
        @Parameters(index = "0", paramLabel = "PATH")
        String path;

        @Parameters(index = "1", paramLabel = "AUTHID")
        String authid;

        @Option(names = "--role", paramLabel = "ROLE", description = "Only this role")
        String role;

        @Override
        public Integer call() {
            int n = new ServerAdmin(config.open()).removeAcl(path, role, authid);
            out().println("removed " + n + " ACL entr" + (n == 1 ? "y" : "ies"));
            return Main.OK;
        }
    }

    /** One-line log records on stderr for the server process. */
    static final class ServerLog {
        private ServerLog() {
        }

        static void configure() {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT%1$tz %4$s %3$s: %5$s%6$s%n");
            java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
            for (var h : root.getHandlers()) {
                h.setFormatter(new java.util.logging.SimpleFormatter());
            }
            java.util.logging.Logger.getLogger("org.eclipse.jetty").setLevel(java.util.logging.Level.WARNING);
        }
    }
}
