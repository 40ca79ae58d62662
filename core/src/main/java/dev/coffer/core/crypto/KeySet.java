package dev.coffer.core.crypto;

import dev.coffer.core.chunking.CdcChunker;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The working keys derived from one data key with HKDF-SHA256, empty salt, 32 bytes each (design.md 1.1).
 * Thread-safe. The data key itself is not kept. {@link #toString} shows the fingerprint's short form only.
 */
public final class KeySet {
    static {
        Providers.install();
    }

    public static final String LABEL_AEAD = "coffer/v1/aead";
    public static final String LABEL_CHUNK_ID = "coffer/v1/chunk-id";
    public static final String LABEL_CHUNKER = "coffer/v1/chunker";
    public static final String LABEL_MANIFEST = "coffer/v1/manifest";
    public static final String LABEL_FINGERPRINT = "coffer/v1/fingerprint";

    private final SecretKey aeadKey;
    private final SecretKeySpec idKey;
    private final SecretKeySpec manifestKey;
    private final long[] gear;
    private final KeyFingerprint fingerprint;
    private final ThreadLocal<Mac> idMac;
    private final ThreadLocal<Mac> manifestMac;

    private KeySet(DataKey k) {
        this.aeadKey = spec(k.derive(LABEL_AEAD), "AES");
        this.idKey = spec(k.derive(LABEL_CHUNK_ID), "HmacSHA256");
        this.manifestKey = spec(k.derive(LABEL_MANIFEST), "HmacSHA256");
        byte[] seed = k.derive(LABEL_CHUNKER);
        this.gear = CdcChunker.gear(seed);
        Arrays.fill(seed, (byte) 0);
        this.fingerprint = KeyFingerprint.of(k.derive(LABEL_FINGERPRINT));
        this.idMac = ThreadLocal.withInitial(() -> mac(idKey));
        this.manifestMac = ThreadLocal.withInitial(() -> mac(manifestKey));
    }

    /** SecretKeySpec keeps its own copy, so the derived bytes are zeroed at once. */
    private static SecretKeySpec spec(byte[] derived, String algorithm) {
        try {
            return new SecretKeySpec(derived, algorithm);
        } finally {
            Arrays.fill(derived, (byte) 0);
        }
    }

    /** Derives every working key from {@code key}, which stays usable (and is the caller's to close). */
    public static KeySet derive(DataKey key) {
        return new KeySet(key);
    }

    private static Mac mac(SecretKeySpec key) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(key);
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    public KeyFingerprint fingerprint() {
        return fingerprint;
    }

    /** The keyed chunk id: HMAC-SHA256 under the chunk-id key of {@code data[off..off+len)}. */
    public ChunkId chunkId(byte[] data, int off, int len) {
        Objects.checkFromIndexSize(off, len, data.length);
        Mac m = idMac.get();
        m.update(data, off, len);
        return ChunkId.of(m.doFinal());
    }

    /** HMAC-SHA256 under the manifest key of {@code data[off..off+len)}. */
    public byte[] manifestTag(byte[] data, int off, int len) {
        Objects.checkFromIndexSize(off, len, data.length);
        Mac m = manifestMac.get();
        m.update(data, off, len);
        return m.doFinal();
    }

    /** Whether {@code tag} is the manifest tag of {@code data[off..off+len)}; constant-time. */
    public boolean manifestTagMatches(byte[] data, int off, int len, byte[] tag) {
        return MessageDigest.isEqual(manifestTag(data, off, len), tag);
    }

    SecretKey aeadKey() {
        return aeadKey;
    }

    /** The keyed chunker's gear table (a copy): design.md 3.1 seeded with the chunker key. */
    public long[] gearTable() {
        return gear.clone();
    }

    @Override
    public String toString() {
        return "KeySet[" + fingerprint.shortForm() + "]";
    }
}
