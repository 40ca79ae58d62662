package dev.coffer.core.crypto;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

/** The random 256-bit key of a key file, from which every working key is derived. */
public final class DataKey implements AutoCloseable {
    public static final int LENGTH = 32;
    private final byte[] key;

    private DataKey(byte[] key) {
        this.key = key;
    }

    public static DataKey generate() {
        byte[] k = new byte[LENGTH];
        new SecureRandom().nextBytes(k);
        return new DataKey(k);
    }

    /** Wraps raw key bytes (copied). Dangerous: only for unwrapping stored keys and tests. */
    public static DataKey fromBytesDangerous(byte[] raw) {
        if (raw.length != LENGTH) {
            throw new IllegalArgumentException("a data key has 32 bytes");
        }
        return new DataKey(raw.clone());
    }

    /** A copy of the raw key. Dangerous: only for wrapping it for storage or escrow. */
    public byte[] exposeBytesDangerous() {
        return key.clone();
    }

    byte[] derive(String label) {
        return Hkdf.deriveSha256(key, null, label.getBytes(StandardCharsets.US_ASCII), 32);
    }

    public KeyFingerprint fingerprint() {
        return KeyFingerprint.of(derive(KeySet.LABEL_FINGERPRINT));
    }

    @Override
    public void close() {
        Arrays.fill(key, (byte) 0);
    }

    @Override
    public String toString() {
        return "DataKey[" + fingerprint().shortForm() + "]";
    }
}
