package dev.coffer.core.crypto;

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
        if (text.length() != 3 * LENGTH - 1) {
            throw new IllegalArgumentException("a key fingerprint is 32 colon-separated hex pairs");
        }
        byte[] b = new byte[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            int hi = hexDigit(text.charAt(3 * i));
            int lo = hexDigit(text.charAt(3 * i + 1));
            if (hi < 0 || lo < 0 || (i < LENGTH - 1 && text.charAt(3 * i + 2) != ':')) {
                throw new IllegalArgumentException("a key fingerprint is 32 colon-separated hex pairs");
            }
            b[i] = (byte) (hi << 4 | lo);
        }
        return new KeyFingerprint(b);
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
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
