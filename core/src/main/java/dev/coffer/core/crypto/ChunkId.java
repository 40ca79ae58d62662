package dev.coffer.core.crypto;

import dev.coffer.core.util.Hex;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The 32-byte id of a chunk: HMAC-SHA256(id key, plaintext) when encrypting, SHA-256(plaintext) otherwise.
 * Immutable: the array is copied in and out.
 */
public final class ChunkId implements Comparable<ChunkId> {
    public static final int LENGTH = 32;
    private final byte[] bytes;
    private final int hash;

    private ChunkId(byte[] bytes) {
        this.bytes = bytes;
        this.hash = (bytes[0] & 0xff) | (bytes[1] & 0xff) << 8 | (bytes[2] & 0xff) << 16 | (bytes[3] & 0xff) << 24;
    }

    public static ChunkId of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a chunk id has 32 bytes, not " + bytes.length);
        }
        return new ChunkId(bytes.clone());
    }

    public static ChunkId of(byte[] bytes, int offset) {
        return new ChunkId(Arrays.copyOfRange(bytes, offset, offset + LENGTH));
    }

    /** Parses 64 lower-case hex digits; anything else is an IllegalArgumentException. */
    public static ChunkId parse(String hex) {
        if (hex.length() != 2 * LENGTH) {
            throw new IllegalArgumentException("a chunk id has 64 hex digits: " + hex);
        }
        for (int i = 0; i < hex.length(); i++) {
            char c = hex.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                throw new IllegalArgumentException("a chunk id has 64 lower-case hex digits: " + hex);
            }
        }
        return new ChunkId(Hex.decode(hex));
    }

    public static boolean isValidHex(String hex) {
        try {
            parse(hex);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public void copyTo(byte[] dest, int offset) {
        System.arraycopy(bytes, 0, dest, offset, LENGTH);
    }

    public String hex() {
        return Hex.encode(bytes);
    }

    /** Constant-time comparison, for checking a recomputed id against an expected one. */
    public boolean matches(byte[] other) {
        return MessageDigest.isEqual(bytes, other);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChunkId c && Arrays.equals(bytes, c.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public int compareTo(ChunkId o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
