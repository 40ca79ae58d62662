package dev.coffer.core.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 helpers. */
public final class Digests {
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(Digests::newSha256);

    private Digests() {
    }

    public static MessageDigest newSha256() {
        Providers.install();
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ChunkId sha256Id(byte[] d, int off, int len) {
        MessageDigest md = SHA256.get();
        md.update(d, off, len);
        return ChunkId.of(md.digest());
    }

    public static byte[] sha256(byte[]... parts) {
        MessageDigest md = SHA256.get();
        for (byte[] p : parts) {
            md.update(p);
        }
        return md.digest();
    }
}
