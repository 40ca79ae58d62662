package dev.coffer.core.crypto;

import dev.coffer.core.util.Hex;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Identifies a data key without revealing anything about it: 32 bytes of HKDF output under the label
 * "coffer/v1/fingerprint". Written as colon-separated lower-case hex pairs.
 */
public final class KeyFingerprint {
    public static final int LENGTH = 32;
    private final byte[] bytes;

    private KeyFingerprint(byte[] bytes) {
        this.bytes = bytes;
    }

    public static KeyFingerprint of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a key fingerprint has 32 bytes");
        }
        return new KeyFingerprint(bytes.clone());
    }

    /** Parses "aa:bb:…" (32 pairs); IllegalArgumentException otherwise. */
    public static KeyFingerprint parse(String text) {
        String hex = text.replace(":", "");
        if (hex.length() != 2 * LENGTH || text.length() != 3 * LENGTH - 1) {
            throw new IllegalArgumentException("a key fingerprint is 32 colon-separated hex pairs");
        }
        return new KeyFingerprint(Hex.decode(hex.toLowerCase(java.util.Locale.ROOT)));
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    /** The first eight pairs: enough for a person to tell keys apart. */
    public String shortForm() {
        return toString().substring(0, 8 * 3 - 1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyFingerprint f && MessageDigest.isEqual(bytes, f.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(3 * LENGTH);
        for (int i = 0; i < bytes.length; i++) {
            if (i > 0) {
                sb.append(':');
            }
            sb.append(Character.forDigit((bytes[i] >> 4) & 0xf, 16)).append(Character.forDigit(bytes[i] & 0xf, 16));
        }
        return sb.toString();
    }
}
