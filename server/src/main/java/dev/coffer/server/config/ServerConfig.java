package dev.coffer.server.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.coffer.core.CofferException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/** One consistent reading of the config directory. Immutable. */
public record ServerConfig(Settings settings, SortedMap<String, DatastoreEntry> datastores,
        SortedMap<String, UserEntry> users, SortedMap<String, TokenEntry> tokens, List<AclEntry> acl) {

    /** {@code server.json}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Settings(
            @JsonProperty("listen") String listen,
            @JsonProperty("session-idle-timeout-seconds") int sessionIdleTimeoutSeconds,
            @JsonProperty("failed-login-delay-ms") int failedLoginDelayMs,
            @JsonProperty("max-chunk-bytes") int maxChunkBytes,
            @JsonProperty("session-stall-timeout-seconds") int sessionStallTimeoutSeconds) {
        /** How long a session may go with keepalives and nothing else before it is aborted, when not configured. */
        public static final int DEFAULT_STALL_TIMEOUT_SECONDS = 6 * 3600;

        public static Settings defaults() {
            return new Settings("0.0.0.0:8007", 120, 1000, dev.coffer.core.crypto.BlobCodec.MAX_BLOB,
                    DEFAULT_STALL_TIMEOUT_SECONDS);
        }

        public Settings {
            if (listen == null) {
                listen = "0.0.0.0:8007";
            }
            if (sessionIdleTimeoutSeconds <= 0) {
                sessionIdleTimeoutSeconds = 120;
            }
            if (failedLoginDelayMs < 0) {
                failedLoginDelayMs = 1000;
            }
            if (maxChunkBytes <= 0 || maxChunkBytes > dev.coffer.core.crypto.BlobCodec.MAX_BLOB) {
                maxChunkBytes = dev.coffer.core.crypto.BlobCodec.MAX_BLOB;
            }
            if (sessionStallTimeoutSeconds <= 0) {
                sessionStallTimeoutSeconds = DEFAULT_STALL_TIMEOUT_SECONDS;
            }
        }
    }

    /** A datastore served under a name. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record DatastoreEntry(@JsonProperty("path") String path,
            @JsonProperty("require-encryption") boolean requireEncryption,
            @JsonProperty("created") String created) {
    }

    /** A user; {@code password} is a password hash string ({@link dev.coffer.server.auth.PasswordHash}). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record UserEntry(@JsonProperty("password") String password, @JsonProperty("created") String created) {
    }

    /** An API token {@code user!name}; only the SHA-256 of its secret is kept. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record TokenEntry(@JsonProperty("secret-sha256") String secretSha256, @JsonProperty("created") String created) {
    }

    /** One access rule: {@code authid} has {@code role} on {@code path} and everything below it. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record AclEntry(@JsonProperty("path") String path, @JsonProperty("role") String role,
            @JsonProperty("authid") String authid) {
    }

    static ServerConfig read(ConfigDir dir) {
        Settings s = dir.readJson(ConfigDir.SERVER, Settings.class);
        SortedMap<String, DatastoreEntry> ds = readMap(dir, ConfigDir.DATASTORES, new TypeReference<>() { });
        SortedMap<String, UserEntry> users = readMap(dir, ConfigDir.USERS, new TypeReference<>() { });
        SortedMap<String, TokenEntry> tokens = readMap(dir, ConfigDir.TOKENS, new TypeReference<>() { });
        List<AclEntry> acl = readList(dir.path().resolve(ConfigDir.ACL));
        return new ServerConfig(s, ds, users, tokens, acl);
    }

    private static <V> SortedMap<String, V> readMap(ConfigDir dir, String file, TypeReference<TreeMap<String, V>> type) {
        Path p = dir.path().resolve(file);
        try {
            TreeMap<String, V> m = ConfigDir.JSON.readValue(Files.readAllBytes(p), type);
            return java.util.Collections.unmodifiableSortedMap(m == null ? new TreeMap<>() : m);
        } catch (java.nio.file.NoSuchFileException e) {
            return java.util.Collections.emptySortedMap();
        } catch (Exception e) {
            throw damaged(p, e);
        }
    }

    private static List<AclEntry> readList(Path p) {
        try {
            List<AclEntry> l = ConfigDir.JSON.readValue(Files.readAllBytes(p), new TypeReference<List<AclEntry>>() { });
            return l == null ? List.of() : List.copyOf(l);
        } catch (java.nio.file.NoSuchFileException e) {
            return List.of();
        } catch (Exception e) {
            throw damaged(p, e);
        }
    }

    private static CofferException damaged(Path p, Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return new CofferException("server configuration file " + p + " is damaged: " + (nl < 0 ? m : m.substring(0, nl)),
                "fix the JSON by hand or restore the file from a backup of the config directory");
    }
}
