package dev.coffer.core.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/** SHA-256 helpers. Thread-safe: each thread has its own digest. */
public final class Digests {
    static {
        Providers.install();
    }

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(Digests::newSha256);

    private Digests() {
    }

    /** A new SHA-256 digest from the preferred provider, for callers that hash incrementally. */
    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** The unkeyed chunk id: SHA-256 of {@code d[off..off+len)}. */
    public static ChunkId sha256Id(byte[] d, int off, int len) {
        Objects.checkFromIndexSize(off, len, d.length);
        MessageDigest md = SHA256.get();
        md.reset();
        md.update(d, off, len);
        return ChunkId.of(md.digest());
    }

    /** SHA-256 of the concatenation of {@code parts}. */
    public static byte[] sha256(byte[]... parts) {
        MessageDigest md = SHA256.get();
        md.reset();
        for (byte[] p : parts) {
            md.update(p);
        }
        return md.digest();
    }
}
