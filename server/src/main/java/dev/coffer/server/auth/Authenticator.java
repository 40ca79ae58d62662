package dev.coffer.server.auth;

import dev.coffer.core.crypto.Digests;
import dev.coffer.server.config.ServerConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Checks HTTP Basic credentials: {@code AUTHID:SECRET}, where AUTHID is a user (secret = password, checked
 * with Argon2id) or {@code user!token} (secret = token secret, checked by SHA-256 in constant time).
 *
 * <p>A failure answers the same whatever was wrong (unknown user, unknown token, wrong secret), after the same
 * work: an unknown user's password is checked against a dummy hash. Each failure is logged and the answer is
 * held back by the configured delay times the number of recent failures from that address (at most 10). A
 * verified password is remembered for a minute under a keyed hash, so a client's many requests cost one
 * Argon2id computation.
 */
public final class Authenticator {
    private static final Logger LOG = Logger.getLogger("coffer.auth");
    private static final long CACHE_MILLIS = 60_000;
    private static final long FAILURE_WINDOW_MILLIS = 10 * 60_000;

    private final byte[] cacheKey = new byte[32];
    private final Map<String, Long> verified = new ConcurrentHashMap<>();
    private final Map<String, long[]> failures = new ConcurrentHashMap<>();

    public Authenticator() {
        new SecureRandom().nextBytes(cacheKey);
    }

    /** Failures from one address within the window after which it is locked out for a while. */
    static final int LOCKOUT_FAILURES = 10;
    /** At most this many failed requests wait out their delay at once; the others answer at once. */
    private final java.util.concurrent.Semaphore sleepers = new java.util.concurrent.Semaphore(32);

    /** Refusal without checking the credentials: the address has failed too often, too recently. */
    public static final class LockedOut extends RuntimeException {
        private final long retryAfterSeconds;

        LockedOut(String remote, long retryAfterSeconds) {
            super("too many failed logins from " + remote + "; try again in " + retryAfterSeconds + " s");
            this.retryAfterSeconds = retryAfterSeconds;
        }

        public long retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    /**
     * The caller, or null when the credentials are missing or wrong (after the failure delay).
     *
     * @throws LockedOut when the address has failed {@link #LOCKOUT_FAILURES} times in the last 10 minutes, the
     *         last time less than 30 × failed-login-delay-ms ago, and the credentials are not an API token's: no
     *         password is checked meanwhile, so a flood of guesses costs the server neither password hashing nor a
     *         waiting thread, while token clients sharing the address go on working
     */
    public AuthId authenticate(ServerConfig cfg, String authorization, String remote) {
        long start = System.nanoTime();
        long[] recent = failures.get(remote);
        if (recent != null && recent[0] >= LOCKOUT_FAILURES) {
            long lockout = (long) cfg.settings().failedLoginDelayMs() * LOCKOUT_FAILURES * 3;
            long left = recent[1] + lockout - System.currentTimeMillis();
            if (left > 0) {
                // API tokens are still checked (a SHA-256, and their secrets cannot be guessed), so that token
                // clients sharing the address (behind one NAT) keep working; passwords are not, not even ones
                // verified a moment ago: an answer from the cache would let the address guess at full speed
                AuthId who = check(cfg, authorization, true);
                if (who != null) {
                    return who;
                }
                throw new LockedOut(remote, (left + 999) / 1000);
            }
        }
        AuthId who = check(cfg, authorization, false);
        if (who == null) {
            failed(cfg, authorization, remote, start);
        }
        return who;
    }

    /** The caller, or null; with {@code tokensOnly}, only API tokens are checked (a password gives null). */
    private AuthId check(ServerConfig cfg, String authorization, boolean tokensOnly) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0 || decoded.length() > 4096) {
            return null;
        }
        String id = decoded.substring(0, colon);
        char[] secret = decoded.substring(colon + 1).toCharArray();
        try {
            AuthId who;
            try {
                who = AuthId.parse(id);
            } catch (RuntimeException e) {
                if (!tokensOnly) {
                    PasswordHash.verifyDummy(secret);
                }
                return null;
            }
            ServerConfig.UserEntry user = cfg.users().get(who.user());
            if (who.isToken()) {
                ServerConfig.TokenEntry t = cfg.tokens().get(who.toString());
                byte[] have = Digests.sha256(PasswordHash.toUtf8(secret));
                byte[] want = t == null ? new byte[32] : parseHex(t.secretSha256());
                boolean ok = MessageDigest.isEqual(have, want) && t != null && user != null;
                return ok ? who : null;
            }
            if (tokensOnly) {
                return null;
            }
            String cacheEntry = cacheKey(id, secret, user);
            Long until = verified.get(cacheEntry);
            if (until != null && until > System.currentTimeMillis()) {
                return who;
            }
            if (user == null) {
                PasswordHash.verifyDummy(secret);
                return null;
            }
            if (!PasswordHash.verify(secret, user.password())) {
                return null;
            }
            if (verified.size() > 10_000) {
                verified.clear();
            }
            verified.put(cacheEntry, System.currentTimeMillis() + CACHE_MILLIS);
            return who;
        } finally {
            Arrays.fill(secret, '\0');
        }
    }

    private String cacheKey(String id, char[] secret, ServerConfig.UserEntry user) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(cacheKey, "HmacSHA256"));
            mac.update(id.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            byte[] pw = PasswordHash.toUtf8(secret);
            mac.update(pw);
            Arrays.fill(pw, (byte) 0);
            mac.update((byte) 0);
            // a changed password hash invalidates the entry
            mac.update(user == null ? new byte[0] : user.password().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private void failed(ServerConfig cfg, String authorization, String remote, long startNanos) {
        long now = System.currentTimeMillis();
        long[] f = failures.compute(remote, (k, v) -> {
            if (v == null || now - v[1] > FAILURE_WINDOW_MILLIS) {
                return new long[] {1, now};
            }
            return new long[] {Math.min(v[0] + 1, LOCKOUT_FAILURES), now};
        });
        if (failures.size() > 100_000) {
            // expired entries go first; if that is not enough, those with a single failure (clearing all would
            // lift every lockout at once)
            failures.values().removeIf(v -> now - v[1] > FAILURE_WINDOW_MILLIS);
            if (failures.size() > 100_000) {
                failures.values().removeIf(v -> v[0] <= 1);
            }
            if (failures.size() > 100_000) {
                failures.clear(); // addresses beyond counting: the per-request delay still holds
            }
        }
        LOG.warning("authentication failed for " + claimedId(authorization) + " from " + remote
                + " (" + f[0] + " recent failures)");
        long delayMillis = (long) cfg.settings().failedLoginDelayMs() * f[0];
        long spent = (System.nanoTime() - startNanos) / 1_000_000;
        if (delayMillis > spent && sleepers.tryAcquire()) { // a flood does not get every request thread asleep
            try {
                Thread.sleep(delayMillis - spent);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                sleepers.release();
            }
        }
    }

    /** The user name the client claimed, made safe for a log line (never the secret). */
    static String claimedId(String authorization) {
        if (authorization == null) {
            return "(no credentials)";
        }
        try {
            String d = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = d.indexOf(':');
            return AuthId.quote(colon < 0 ? "(malformed)" : d.substring(0, colon));
        } catch (RuntimeException e) {
            return "(malformed credentials)";
        }
    }

    private static byte[] parseHex(String hex) {
        try {
            byte[] b = HexFormat.of().parseHex(hex);
            return b.length == 32 ? b : new byte[32];
        } catch (RuntimeException e) {
            return new byte[32];
        }
    }
}
