package dev.coffer.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.crypto.Digests;
import dev.coffer.server.config.ServerConfig;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {
    static final String SECRET = "s3cr3t-token-value";

    static ServerConfig config() {
        TreeMap<String, ServerConfig.UserEntry> users = new TreeMap<>();
        users.put("alice", new ServerConfig.UserEntry(PasswordHash.hash("correct horse".toCharArray()), "now"));
        TreeMap<String, ServerConfig.TokenEntry> tokens = new TreeMap<>();
        tokens.put("alice!ci", new ServerConfig.TokenEntry(
                HexFormat.of().formatHex(Digests.sha256(SECRET.getBytes(StandardCharsets.UTF_8))), "now"));
        return new ServerConfig(new ServerConfig.Settings("127.0.0.1:0", 60, 0, 1 << 20, 0), new TreeMap<>(), users, tokens, List.of());
    }

    static String basic(String id, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void passwordsAndTokensAreChecked() {
        Authenticator a = new Authenticator();
        ServerConfig c = config();
        assertThat(a.authenticate(c, basic("alice", "correct horse"), "t")).isEqualTo(AuthId.parse("alice"));
        assertThat(a.authenticate(c, basic("alice", "correct horse"), "t")).as("cached").isEqualTo(AuthId.parse("alice"));
        assertThat(a.authenticate(c, basic("alice!ci", SECRET), "t")).isEqualTo(AuthId.parse("alice!ci"));
        assertThat(a.authenticate(c, basic("alice", "wrong"), "t")).isNull();
        assertThat(a.authenticate(c, basic("alice!ci", SECRET + "x"), "t")).isNull();
        assertThat(a.authenticate(c, basic("alice!other", SECRET), "t")).isNull();
        assertThat(a.authenticate(c, basic("nobody", "correct horse"), "t")).isNull();
        assertThat(a.authenticate(c, null, "t")).isNull();
        assertThat(a.authenticate(c, "Bearer xyz", "t")).isNull();
        assertThat(a.authenticate(c, "Basic !!!notbase64", "t")).isNull();
        assertThat(a.authenticate(c, basic("../x", "y"), "t")).isNull();
    }

    @Test
    void anAddressThatFailsTooOftenIsLockedOutForAWhileOthersAreNot() throws Exception {
        ServerConfig c = config();
        ServerConfig slow = new ServerConfig(new ServerConfig.Settings("127.0.0.1:0", 60, 30, 1 << 20, 0), c.datastores(),
                c.users(), c.tokens(), c.acl());
        Authenticator a = new Authenticator();
        TreeMap<String, ServerConfig.UserEntry> users = new TreeMap<>(c.users());
        users.put("bob", new ServerConfig.UserEntry(PasswordHash.hash("battery staple".toCharArray()), "now"));
        ServerConfig two = new ServerConfig(slow.settings(), c.datastores(), users, c.tokens(), c.acl());
        // alice signed in from this address a moment ago (her password is remembered for a minute)
        assertThat(a.authenticate(two, basic("alice", "correct horse"), "192.0.2.7")).isEqualTo(AuthId.parse("alice"));
        for (int i = 0; i < Authenticator.LOCKOUT_FAILURES; i++) {
            assertThat(a.authenticate(two, basic("bob", "guess " + i), "192.0.2.7")).isNull();
        }
        // locked out: no password is hashed, not even the right one, and the refusal says for how long
        assertThatThrownBy(() -> a.authenticate(two, basic("bob", "battery staple"), "192.0.2.7"))
                .isInstanceOf(Authenticator.LockedOut.class)
                .hasMessage("too many failed logins from 192.0.2.7; try again in 1 s");
        assertThatThrownBy(() -> a.authenticate(two, basic("alice!ci", SECRET + "x"), "192.0.2.7"))
                .isInstanceOf(Authenticator.LockedOut.class);
        assertThatThrownBy(() -> a.authenticate(two, basic("nobody", "x"), "192.0.2.7"))
                .isInstanceOf(Authenticator.LockedOut.class);
        // a token still works from there (its secret cannot be guessed); a password does not, not even one verified
        // a moment ago, or the address could test guesses against the cache at full speed
        assertThat(a.authenticate(two, basic("alice!ci", SECRET), "192.0.2.7")).isEqualTo(AuthId.parse("alice!ci"));
        assertThatThrownBy(() -> a.authenticate(two, basic("alice", "correct horse"), "192.0.2.7"))
                .isInstanceOf(Authenticator.LockedOut.class);
        assertThat(a.authenticate(two, basic("alice", "correct horse"), "192.0.2.8")).isEqualTo(AuthId.parse("alice"));
        // another address is not locked out
        assertThat(a.authenticate(two, basic("bob", "battery staple"), "192.0.2.8")).isEqualTo(AuthId.parse("bob"));
        // 30 x 30 ms after the last failure the address may try passwords again
        Thread.sleep(1000);
        assertThat(a.authenticate(two, basic("bob", "battery staple"), "192.0.2.7")).isEqualTo(AuthId.parse("bob"));
    }

    @Test
    void aTokenOfARemovedUserNoLongerWorks() {
        ServerConfig c = config();
        ServerConfig noUser = new ServerConfig(c.settings(), c.datastores(), new TreeMap<>(), c.tokens(), c.acl());
        assertThat(new Authenticator().authenticate(noUser, basic("alice!ci", SECRET), "t")).isNull();
    }

    @Test
    void aChangedPasswordInvalidatesTheCache() {
        Authenticator a = new Authenticator();
        ServerConfig c = config();
        assertThat(a.authenticate(c, basic("alice", "correct horse"), "t")).isNotNull();
        TreeMap<String, ServerConfig.UserEntry> users = new TreeMap<>();
        users.put("alice", new ServerConfig.UserEntry(PasswordHash.hash("new password".toCharArray()), "now"));
        ServerConfig changed = new ServerConfig(c.settings(), c.datastores(), users, c.tokens(), c.acl());
        assertThat(a.authenticate(changed, basic("alice", "correct horse"), "t")).isNull();
        assertThat(a.authenticate(changed, basic("alice", "new password"), "t")).isNotNull();
    }

    @Test
    void failuresAreLoggedWithoutTheSecretAndLookAlike() {
        List<String> lines = new java.util.ArrayList<>();
        Logger log = Logger.getLogger("coffer.auth");
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                lines.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(h);
        try {
            Authenticator a = new Authenticator();
            a.authenticate(config(), basic("alice", "hunter2-wrong"), "192.0.2.1");
            a.authenticate(config(), basic("ghost", "hunter2-wrong"), "192.0.2.1");
        } finally {
            log.removeHandler(h);
        }
        assertThat(lines).containsExactly(
                "authentication failed for \"alice\" from 192.0.2.1 (1 recent failures)",
                "authentication failed for \"ghost\" from 192.0.2.1 (2 recent failures)");
        assertThat(String.join("\n", lines)).doesNotContain("hunter2");
    }

    @Test
    void malformedHashesNeverMatch() {
        for (String bad : List.of("", "$argon2id$v=19$m=1,t=1,p=1$AAAA$AAAA", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
                "plain", "$argon2id$v=19$m=999999999,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")) {
            assertThat(PasswordHash.verify("x".toCharArray(), bad)).as(bad).isFalse();
        }
        String h = PasswordHash.hash("pw".toCharArray());
        assertThat(h).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
        assertThat(PasswordHash.hash("pw".toCharArray())).as("salted").isNotEqualTo(h);
    }
}
