package dev.coffer.server.config;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.coffer.core.CofferException;
import dev.coffer.core.crypto.Digests;
import dev.coffer.server.auth.AclPath;
import dev.coffer.server.auth.AuthId;
import dev.coffer.server.auth.PasswordHash;
import dev.coffer.server.auth.Role;
import dev.coffer.store.Datastore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** The admin commands' changes to a config directory, each one read-modify-write under the directory lock. */
public final class ServerAdmin {
    private static final Pattern DATASTORE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");
    private static final TypeReference<TreeMap<String, ServerConfig.DatastoreEntry>> DATASTORES = new TypeReference<>() { };
    private static final TypeReference<TreeMap<String, ServerConfig.UserEntry>> USERS = new TypeReference<>() { };
    private static final TypeReference<TreeMap<String, ServerConfig.TokenEntry>> TOKENS = new TypeReference<>() { };
    private static final TypeReference<ArrayList<ServerConfig.AclEntry>> ACL = new TypeReference<>() { };

    private final ConfigDir dir;

    public ServerAdmin(ConfigDir dir) {
        this.dir = dir;
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    public static void checkDatastoreName(String name) {
        if (name == null || !DATASTORE_NAME.matcher(name).matches()) {
            throw new CofferException("invalid datastore name " + quote(name),
                    "use 1 to 64 letters, digits, '_', '.' or '-', not starting with '.' or '-'");
        }
    }

    /** Creates (or adopts an existing Coffer datastore at) {@code path} and serves it as {@code name}. */
    public void createDatastore(String name, Path path, boolean requireEncryption) {
        checkDatastoreName(name);
        Path abs = path.toAbsolutePath().normalize();
        try (ConfigDir.Lock l = dir.lock()) {
            TreeMap<String, ServerConfig.DatastoreEntry> m = dir.readJson(ConfigDir.DATASTORES, DATASTORES);
            if (m.containsKey(name)) {
                throw new CofferException("datastore " + name + " already exists (at " + m.get(name).path() + ")",
                        "choose another name, or remove it first");
            }
            for (var e : m.entrySet()) {
                if (Path.of(e.getValue().path()).equals(abs)) {
                    throw new CofferException("datastore " + e.getKey() + " already uses " + abs, "choose another path");
                }
            }
            if (abs.startsWith(dir.path())) {
                throw new CofferException("a datastore cannot live inside the config directory", "choose a path outside " + dir.path());
            }
            try (Datastore ds = Datastore.create(abs)) {
                ds.root();
            }
            m.put(name, new ServerConfig.DatastoreEntry(abs.toString(), requireEncryption, now()));
            dir.writeJson(ConfigDir.DATASTORES, m);
        }
    }

    /**
     * Stops serving a datastore. Its files stay where they are. A datastore that holds snapshots is kept unless
     * {@code force}.
     */
    public void removeDatastore(String name, boolean force) {
        try (ConfigDir.Lock l = dir.lock()) {
            TreeMap<String, ServerConfig.DatastoreEntry> m = dir.readJson(ConfigDir.DATASTORES, DATASTORES);
            ServerConfig.DatastoreEntry e = m.get(name);
            if (e == null) {
                throw new CofferException("no datastore named " + quote(name), "list them with 'coffer server datastore list'");
            }
            if (!force && Files.isDirectory(Path.of(e.path()))) {
                int n;
                try (Datastore ds = Datastore.open(Path.of(e.path()))) {
                    n = ds.allSnapshots().size();
                } catch (CofferException ex) {
                    n = 0;
                }
                if (n > 0) {
                    throw new CofferException("datastore " + name + " is not empty (" + n + " snapshots)",
                            "forget its snapshots first, or pass --force (the files under " + e.path() + " are kept either way)");
                }
            }
            m.remove(name);
            dir.writeJson(ConfigDir.DATASTORES, m);
        }
    }

    public void addUser(String name, char[] password) {
        AuthId.checkName("user", name);
        PasswordHash.checkNew(password);
        String hash = PasswordHash.hash(password);
        try (ConfigDir.Lock l = dir.lock()) {
            TreeMap<String, ServerConfig.UserEntry> m = dir.readJson(ConfigDir.USERS, USERS);
            if (m.containsKey(name)) {
                throw new CofferException("user " + name + " already exists", "use 'coffer server user passwd " + name + "' to change the password");
            }
            m.put(name, new ServerConfig.UserEntry(hash, now()));
            dir.writeJson(ConfigDir.USERS, m);
        }
    }

    public void setPassword(String name, char[] password) {
        PasswordHash.checkNew(password);
        String hash = PasswordHash.hash(password);
        try (ConfigDir.Lock l = dir.lock()) {
            TreeMap<String, ServerConfig.UserEntry> m = dir.readJson(ConfigDir.USERS, USERS);
            ServerConfig.UserEntry old = m.get(name);
            if (old == null) {
                throw new CofferException("no user named " + quote(name));
            }
            m.put(name, new ServerConfig.UserEntry(hash, old.created()));
            dir.writeJson(ConfigDir.USERS, m);
        }
    }

    /** Removes a user with its tokens and ACL entries. */
    public void removeUser(String name) {
        try (ConfigDir.Lock l = dir.lock()) {
            TreeMap<String, ServerConfig.UserEntry> m = dir.readJson(ConfigDir.USERS, USERS);
            if (m.remove(name) == null) {
                throw new CofferException("no user named " + quote(name));
            }
            TreeMap<String, ServerConfig.TokenEntry> t = dir.readJson(ConfigDir.TOKENS, TOKENS);
            t.keySet().removeIf(k -> k.startsWith(name + "!"));
            ArrayList<ServerConfig.AclEntry> acl = dir.readJson(ConfigDir.ACL, ACL);
            acl.removeIf(e -> e.authid().equals(name) || e.authid().startsWith(name + "!"));
            dir.writeJson(ConfigDir.ACL, acl);
            dir.writeJson(ConfigDir.TOKENS, t);
            dir.writeJson(ConfigDir.USERS, m);
        }
    }

    /** Creates an API token and returns its secret, which is stored only as a SHA-256 and never shown again. */
    public String addToken(String user, String tokenName) {
        AuthId id = new AuthId(user, tokenName);
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        try (ConfigDir.Lock l = dir.lock()) {
            TreeMap<String, ServerConfig.UserEntry> users = dir.readJson(ConfigDir.USERS, USERS);
            if (!users.containsKey(user)) {
                throw new CofferException("no user named " + quote(user), "add it with 'coffer server user add " + user + "'");
            }
            TreeMap<String, ServerConfig.TokenEntry> t = dir.readJson(ConfigDir.TOKENS, TOKENS);
            if (t.containsKey(id.toString())) {
                throw new CofferException("token " + id + " already exists", "remove it first, or choose another name");
            }
            t.put(id.toString(), new ServerConfig.TokenEntry(
                    HexFormat.of().formatHex(Digests.sha256(secret.getBytes(StandardCharsets.US_ASCII))), now()));
            dir.writeJson(ConfigDir.TOKENS, t);
        }
        return secret;
    }

    public void removeToken(String tokenId) {
        try (ConfigDir.Lock l = dir.lock()) {
            TreeMap<String, ServerConfig.TokenEntry> t = dir.readJson(ConfigDir.TOKENS, TOKENS);
            if (t.remove(tokenId) == null) {
                throw new CofferException("no token named " + quote(tokenId));
            }
            ArrayList<ServerConfig.AclEntry> acl = dir.readJson(ConfigDir.ACL, ACL);
            acl.removeIf(e -> e.authid().equals(tokenId));
            dir.writeJson(ConfigDir.ACL, acl);
            dir.writeJson(ConfigDir.TOKENS, t);
        }
    }

    /** Grants {@code role} on {@code path} to {@code authid} (a user or a token that exists). */
    public void setAcl(String path, String role, String authid) {
        AclPath p = AclPath.parse(path);
        Role r = Role.parse(role);
        AuthId who = AuthId.parse(authid);
        try (ConfigDir.Lock l = dir.lock()) {
            TreeMap<String, ServerConfig.UserEntry> users = dir.readJson(ConfigDir.USERS, USERS);
            TreeMap<String, ServerConfig.TokenEntry> tokens = dir.readJson(ConfigDir.TOKENS, TOKENS);
            if (who.isToken() ? !tokens.containsKey(who.toString()) : !users.containsKey(who.user())) {
                throw new CofferException("no " + (who.isToken() ? "token" : "user") + " named " + who,
                        who.isToken() ? "create it with 'coffer server token add " + who.user() + " " + who.token() + "'"
                                : "create it with 'coffer server user add " + who.user() + "'");
            }
            ArrayList<ServerConfig.AclEntry> acl = dir.readJson(ConfigDir.ACL, ACL);
            var e = new ServerConfig.AclEntry(p.toString(), r.name(), who.toString());
            if (!acl.contains(e)) {
                acl.add(e);
            }
            dir.writeJson(ConfigDir.ACL, acl);
        }
    }

    /** Removes matching entries ({@code role} null = any role); returns how many. */
    public int removeAcl(String path, String role, String authid) {
        AclPath p = AclPath.parse(path);
        try (ConfigDir.Lock l = dir.lock()) {
            ArrayList<ServerConfig.AclEntry> acl = dir.readJson(ConfigDir.ACL, ACL);
            int before = acl.size();
            acl.removeIf(e -> e.path().equals(p.toString()) && e.authid().equals(authid) && (role == null || e.role().equals(role)));
            if (acl.size() == before) {
                throw new CofferException("no ACL entry for " + quote(authid) + " on " + p);
            }
            dir.writeJson(ConfigDir.ACL, acl);
            return before - acl.size();
        }
    }

    public List<ServerConfig.AclEntry> acl() {
        return dir.current().acl();
    }

    private static String quote(String s) {
        if (s == null) {
            return "(none)";
        }
        String t = s.length() > 64 ? s.substring(0, 64) + "…" : s;
        return "\"" + t.replaceAll("[\\p{Cntrl}\"\\\\]", "?") + "\"";
    }
}
