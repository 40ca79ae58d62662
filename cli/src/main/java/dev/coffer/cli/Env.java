package dev.coffer.cli;

import java.nio.file.Path;

/** Environment variables and default locations of the command-line contract. */
final class Env {
    static final String REPOSITORY = "COFFER_REPOSITORY";
    static final String KEYFILE = "COFFER_KEYFILE";
    static final String KEY_PASSPHRASE = "COFFER_KEY_PASSPHRASE";
    static final String NEW_KEY_PASSPHRASE = "COFFER_NEW_KEY_PASSPHRASE";
    static final String MASTER_KEY_PASSPHRASE = "COFFER_MASTER_KEY_PASSPHRASE";
    static final String PASSWORD = "COFFER_PASSWORD";
    static final String NEW_PASSWORD = "COFFER_NEW_PASSWORD";
    static final String FINGERPRINT = "COFFER_FINGERPRINT";

    private Env() {
    }

    /** Values that take the place of the process environment, for commands run in-process by tests. */
    static final java.util.Map<String, String> OVERRIDES = new java.util.concurrent.ConcurrentHashMap<>();

    static String get(String name) {
        String v = OVERRIDES.containsKey(name) ? OVERRIDES.get(name) : System.getenv(name);
        return v == null || v.isEmpty() ? null : v;
    }

    static Path home() {
        String h = System.getProperty("user.home");
        String env = get("HOME");
        return Path.of(env != null && !env.isEmpty() ? env : h);
    }

    static Path configDir() {
        String xdg = get("XDG_CONFIG_HOME");
        return xdg != null ? Path.of(xdg, "coffer") : home().resolve(".config/coffer");
    }

    static Path dataDir() {
        String xdg = get("XDG_DATA_HOME");
        return xdg != null ? Path.of(xdg, "coffer") : home().resolve(".local/share/coffer");
    }

    static Path defaultKeyFile() {
        return configDir().resolve("encryption-key.json");
    }

    /** The master public key every encrypted backup escrows its data key to, once imported. */
    static Path masterPublicKey() {
        return configDir().resolve("master-public.pem");
    }

    static Path defaultRepository() {
        return dataDir().resolve("datastore");
    }
}
