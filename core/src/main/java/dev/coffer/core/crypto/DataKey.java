package dev.coffer.core.crypto;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The random 256-bit key of a key file, from which every working key is derived (design.md 1.1). Closing
 * it zeroes the bytes; a closed key can no longer be used. Neither {@link #toString} nor any exception
 * reveals the key.
 */
public final class DataKey implements AutoCloseable {
    static {
        Providers.install();
    }

    public static final int LENGTH = 32;
    private final byte[] key;
    private volatile boolean closed;

    private DataKey(byte[] key) {
        this.key = key;
    }

    /** A new key from the platform's strong random source. */
    public static DataKey generate() {
        byte[] k = new byte[LENGTH];
        new SecureRandom().nextBytes(k);
        return new DataKey(k);
    }

    /** Wraps raw key bytes (copied). Dangerous: only for unwrapping stored keys and tests. */
    public static DataKey fromBytesDangerous(byte[] raw) {
        if (raw == null || raw.length != LENGTH) {
            throw new IllegalArgumentException("a data key has 32 bytes");
        }
        return new DataKey(raw.clone());
    }

    /** A copy of the raw key, which the caller should zero after use. Dangerous: only for wrapping or escrow. */
    public byte[] exposeBytesDangerous() {
        checkOpen();
        return key.clone();
    }

    /** HKDF-SHA256 of the key with an empty salt and the given label, 32 bytes. */
    byte[] derive(String label) {
        checkOpen();
        return Hkdf.deriveSha256(key, null, label.getBytes(StandardCharsets.US_ASCII), 32);
    }

    public KeyFingerprint fingerprint() {
        return KeyFingerprint.of(derive(KeySet.LABEL_FINGERPRINT));
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the data key has been closed");
        }
    }

    /** Zeroes the key. Idempotent. */
    @Override
    public void close() {
        closed = true;
        Arrays.fill(key, (byte) 0);
    }

    /** Names the key by the short form of its fingerprint, never by its bytes. */
    @Override
    public String toString() {
        return closed ? "DataKey[closed]" : "DataKey[" + fingerprint().shortForm() + "]";
    }
}
