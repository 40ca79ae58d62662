package dev.coffer.server.auth;

import dev.coffer.core.CofferException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Password hashes in the PHC string format {@code $argon2id$v=19$m=KIB,t=PASSES,p=LANES$SALT$HASH} (unpadded
 * base64), Argon2id with a 16-byte random salt and a 32-byte output. Verification takes the same time for a
 * wrong password as for a right one, and {@link #verifyDummy} spends that time for an unknown user.
 */
public final class PasswordHash {
    /** OWASP's Argon2id minimum: 19 MiB, 2 passes, 1 lane. */
    public static final int MEMORY_KIB = 19 * 1024;
    public static final int PASSES = 2;
    public static final int LANES = 1;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();
    private static final String DUMMY = hash("not a password".toCharArray());

    private PasswordHash() {
    }

    public static String hash(char[] password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        byte[] h = derive(password, salt, MEMORY_KIB, PASSES, LANES, 32);
        return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + PASSES + ",p=" + LANES + "$" + B64.encodeToString(salt) + "$"
                + B64.encodeToString(h);
    }

    /** Whether {@code password} matches {@code encoded}; a malformed hash string never matches. */
    public static boolean verify(char[] password, String encoded) {
        String[] p = encoded == null ? new String[0] : encoded.split("\\$", -1);
        if (p.length != 6 || !p[0].isEmpty() || !p[1].equals("argon2id") || !p[2].equals("v=19")) {
            verifyDummy(password);
            return false;
        }
        try {
            int m = 0;
            int t = 0;
            int l = 0;
            for (String kv : p[3].split(",")) {
                String[] e = kv.split("=", 2);
                int v = Integer.parseInt(e[1]);
                switch (e[0]) {
                    case "m" -> m = v;
                    case "t" -> t = v;
                    case "p" -> l = v;
                    default -> throw new IllegalArgumentException(e[0]);
                }
            }
            if (m < 8 || m > 4 * 1024 * 1024 || t < 1 || t > 100 || l < 1 || l > 64) {
                throw new IllegalArgumentException("parameters");
            }
            byte[] salt = B64D.decode(p[4]);
            byte[] expected = B64D.decode(p[5]);
            if (salt.length < 8 || expected.length < 16 || expected.length > 64) {
                throw new IllegalArgumentException("lengths");
            }
            return MessageDigest.isEqual(derive(password, salt, m, t, l, expected.length), expected);
        } catch (RuntimeException e) {
            verifyDummy(password);
            return false;
        }
    }

    /** Spends the time of one verification, for a user that does not exist. */
    public static void verifyDummy(char[] password) {
        String[] p = DUMMY.split("\\$", -1);
        derive(password, B64D.decode(p[4]), MEMORY_KIB, PASSES, LANES, 32);
    }

    private static byte[] derive(char[] password, byte[] salt, int memKib, int passes, int lanes, int len) {
        byte[] pw = toUtf8(password);
        try {
            Argon2BytesGenerator g = new Argon2BytesGenerator();
            g.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id).withVersion(Argon2Parameters.ARGON2_VERSION_13)
                    .withSalt(salt).withMemoryAsKB(memKib).withIterations(passes).withParallelism(lanes).build());
            byte[] out = new byte[len];
            g.generateBytes(pw, out);
            return out;
        } finally {
            Arrays.fill(pw, (byte) 0);
        }
    }

    static byte[] toUtf8(char[] chars) {
        var bb = StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(chars));
        byte[] out = new byte[bb.remaining()];
        bb.get(out);
        if (bb.hasArray()) {
            Arrays.fill(bb.array(), (byte) 0);
        }
        return out;
    }

    /** Rejects passwords too short to be worth hashing. */
    public static void checkNew(char[] password) {
        if (password.length < 8) {
            throw new CofferException("the password is too short (" + password.length + " characters)",
                    "use at least 8 characters");
        }
    }
}
