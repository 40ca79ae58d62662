package dev.coffer.core.crypto;

import dev.coffer.core.chunking.CdcChunker;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/** The working keys derived from one data key (design.md 1.1). Thread-safe. */
public final class KeySet {
    static final String LABEL_AEAD = "coffer/v1/aead";
    static final String LABEL_CHUNK_ID = "coffer/v1/chunk-id";
    static final String LABEL_CHUNKER = "coffer/v1/chunker";
    static final String LABEL_MANIFEST = "coffer/v1/manifest";
    static final String LABEL_FINGERPRINT = "coffer/v1/fingerprint";

    private final SecretKey aeadKey;
    private final SecretKeySpec idKey;
    private final SecretKeySpec manifestKey;
    private final long[] gear;
    private final KeyFingerprint fingerprint;
    private final ThreadLocal<Mac> idMac;

    private KeySet(DataKey k) {
        Providers.install();
        this.aeadKey = new SecretKeySpec(k.derive(LABEL_AEAD), "AES");
        this.idKey = new SecretKeySpec(k.derive(LABEL_CHUNK_ID), "HmacSHA256");
        this.manifestKey = new SecretKeySpec(k.derive(LABEL_MANIFEST), "HmacSHA256");
        this.gear = CdcChunker.gear(k.derive(LABEL_CHUNKER));
        this.fingerprint = KeyFingerprint.of(k.derive(LABEL_FINGERPRINT));
        this.idMac = ThreadLocal.withInitial(() -> mac(idKey));
    }

    public static KeySet derive(DataKey key) {
        return new KeySet(key);
    }

    private static Mac mac(SecretKeySpec key) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(key);
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    public KeyFingerprint fingerprint() {
        return fingerprint;
    }

    /** HMAC-SHA256 under the chunk-id key. */
    public ChunkId chunkId(byte[] data, int off, int len) {
        Mac m = idMac.get();
        m.update(data, off, len);
        return ChunkId.of(m.doFinal());
    }

    /** HMAC-SHA256 under the manifest key. */
    public byte[] manifestTag(byte[] data, int off, int len) {
        Mac m = mac(manifestKey);
        m.update(data, off, len);
        return m.doFinal();
    }

    SecretKey aeadKey() {
        return aeadKey;
    }

    /** The keyed chunker's gear table (a copy). */
    public long[] gearTable() {
        return gear.clone();
    }

    @Override
    public String toString() {
        return "KeySet[" + fingerprint.shortForm() + "]";
    }
}
