package dev.coffer.core.crypto;

import com.github.luben.zstd.Zstd;
import dev.coffer.core.CorruptDataException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.zip.CRC32C;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Encodes and decodes blobs (design.md 2): id, optional zstd-1 compression, AES-256-GCM with a fresh
 * random nonce and the id, kind and flags bound as associated data, CRC32C over the stored body.
 * Thread-safe.
 */
public final class BlobCodec {
    public static final int HEADER = 12;
    public static final int NONCE = 12;
    public static final int TAG = 16;
    public static final int KIND_CHUNK = 1;
    public static final int KIND_SMALL = 2;
    public static final int FLAG_ENCRYPTED = 1;
    public static final int FLAG_COMPRESSED = 2;
    public static final int MAX_PAYLOAD = 64 << 20;
    public static final int MAX_BLOB = MAX_PAYLOAD + 64;
    private static final byte[] MAGIC = {'C', 'F', 'B', 1};
    private static final byte[] AAD_PREFIX = "coffer-blob-v1".getBytes(StandardCharsets.US_ASCII);

    /** Message fragments, stable so that callers and tests can rely on them. */
    public static final String BAD_MAGIC = "not a Coffer blob (bad magic)";
    public static final String TRUNCATED = "truncated";
    public static final String CRC_MISMATCH = "CRC32C mismatch (bit rot or tampering)";
    public static final String AUTH_FAILED = "authentication failed (tampered, swapped, or encrypted with another key)";
    public static final String ID_MISMATCH = "content does not match its id";

    /** What a keyless check of a blob found. */
    public record BlobInfo(int kind, boolean encrypted, boolean compressed, int bodyLength) {
    }

    /** An encoded chunk: its id and the bytes to store. */
    public record Encoded(ChunkId id, byte[] blob, int plainLength, boolean compressed) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(() -> {
        Providers.install();
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    });

    private final CryptMode mode;
    private final KeySet keys;

    public BlobCodec(CryptMode mode, KeySet keys) {
        if (mode == CryptMode.ENCRYPT && keys == null) {
            throw new IllegalArgumentException("encrypt mode needs a key");
        }
        this.mode = mode;
        this.keys = keys;
        Providers.install();
    }

    public CryptMode mode() {
        return mode;
    }

    /** The id of a chunk: HMAC-SHA256 under the id key when encrypting, SHA-256 otherwise. */
    public ChunkId idOf(byte[] data, int off, int len) {
        return mode == CryptMode.ENCRYPT ? keys.chunkId(data, off, len) : Digests.sha256Id(data, off, len);
    }

    public Encoded encodeChunk(byte[] data, int off, int len) {
        return encodeChunk(idOf(data, off, len), data, off, len);
    }

    /** Encodes a chunk whose id the caller computed with {@link #idOf}. */
    public Encoded encodeChunk(ChunkId id, byte[] data, int off, int len) {
        byte[] nonce = null;
        if (mode == CryptMode.ENCRYPT) {
            nonce = new byte[NONCE];
            RANDOM.nextBytes(nonce);
        }
        return encode(KIND_CHUNK, id.bytes(), data, off, len, nonce, id);
    }

    /** Test-only: encodes with a given nonce so known-answer vectors are reproducible. Never reuse a nonce. */
    Encoded encodeWithNonceForTesting(byte[] data, byte[] nonce) {
        CIPHERS.remove(); // a fresh Cipher: the provider rightly refuses a key and nonce pair it has seen
        ChunkId id = idOf(data, 0, data.length);
        return encode(KIND_CHUNK, id.bytes(), data, 0, data.length, nonce, id);
    }

    private Encoded encode(int kind, byte[] context, byte[] data, int off, int len, byte[] nonce, ChunkId id) {
        if (len > MAX_PAYLOAD) {
            throw new IllegalArgumentException("payload larger than 64 MiB");
        }
        boolean encrypt = nonce != null;
        int bodyStart = HEADER + (encrypt ? NONCE : 0);
        int extra = encrypt ? TAG : 0;
        // try compression straight into its final place
        int bound = (int) Zstd.compressBound(len);
        byte[] out = new byte[bodyStart + Math.max(bound, len) + extra];
        long c = Zstd.compressByteArray(out, bodyStart, bound, data, off, len, 1);
        boolean compressed = !Zstd.isError(c) && c < len;
        int payloadLen = compressed ? (int) c : len;
        if (!compressed) {
            System.arraycopy(data, off, out, bodyStart, len);
        }
        int flags = (encrypt ? FLAG_ENCRYPTED : 0) | (compressed ? FLAG_COMPRESSED : 0);
        int total;
        if (encrypt) {
            System.arraycopy(nonce, 0, out, HEADER, NONCE);
            try {
                Cipher cipher = CIPHERS.get();
                cipher.init(Cipher.ENCRYPT_MODE, keys.aeadKey(), new GCMParameterSpec(128, nonce));
                cipher.updateAAD(aad(kind, flags, context));
                int n = cipher.doFinal(out, bodyStart, payloadLen, out, bodyStart);
                total = bodyStart + n;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM encryption failed", e);
            }
        } else {
            total = bodyStart + payloadLen;
        }
        System.arraycopy(MAGIC, 0, out, 0, 4);
        out[4] = (byte) kind;
        out[5] = (byte) flags;
        out[6] = 0;
        out[7] = 0;
        CRC32C crc = new CRC32C();
        crc.update(out, HEADER, total - HEADER);
        putInt(out, 8, (int) crc.getValue());
        byte[] blob = total == out.length ? out : java.util.Arrays.copyOf(out, total);
        return new Encoded(id, blob, len, compressed);
    }

    private static byte[] aad(int kind, int flags, byte[] context) {
        byte[] aad = new byte[AAD_PREFIX.length + 2 + 32];
        System.arraycopy(AAD_PREFIX, 0, aad, 0, AAD_PREFIX.length);
        aad[AAD_PREFIX.length] = (byte) kind;
        aad[AAD_PREFIX.length + 1] = (byte) flags;
        System.arraycopy(context, 0, aad, AAD_PREFIX.length + 2, 32);
        return aad;
    }

    /** Keyless checks: magic, reserved bits, size limits, CRC32C. */
    public static BlobInfo inspect(byte[] blob) {
        return inspect(blob, "blob");
    }

    private static BlobInfo inspect(byte[] blob, String what) {
        if (blob.length < HEADER) {
            throw new CorruptDataException(what + ": " + (startsWithMagic(blob) ? TRUNCATED : BAD_MAGIC));
        }
        if (!startsWithMagic(blob)) {
            throw new CorruptDataException(what + ": " + BAD_MAGIC);
        }
        if (blob.length > MAX_BLOB) {
            throw new CorruptDataException(what + ": larger than any blob (" + blob.length + " bytes)");
        }
        int kind = blob[4] & 0xff;
        int flags = blob[5] & 0xff;
        if (kind != KIND_CHUNK && kind != KIND_SMALL) {
            throw new CorruptDataException(what + ": unknown blob kind " + kind);
        }
        if ((flags & ~(FLAG_ENCRYPTED | FLAG_COMPRESSED)) != 0 || blob[6] != 0 || blob[7] != 0) {
            throw new CorruptDataException(what + ": reserved header bits are set");
        }
        CRC32C crc = new CRC32C();
        crc.update(blob, HEADER, blob.length - HEADER);
        if ((int) crc.getValue() != getInt(blob, 8)) {
            throw new CorruptDataException(what + ": " + CRC_MISMATCH);
        }
        boolean encrypted = (flags & FLAG_ENCRYPTED) != 0;
        if (encrypted && blob.length < HEADER + NONCE + TAG) {
            throw new CorruptDataException(what + ": " + TRUNCATED);
        }
        return new BlobInfo(kind, encrypted, (flags & FLAG_COMPRESSED) != 0, blob.length - HEADER);
    }

    private static boolean startsWithMagic(byte[] b) {
        if (b.length < 4) {
            return false;
        }
        for (int i = 0; i < 4; i++) {
            if (b[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** Checks everything and returns the chunk's plaintext. */
    public byte[] decodeChunk(ChunkId expectedId, byte[] blob) {
        String what = "chunk " + expectedId.hex();
        BlobInfo info = inspect(blob, what);
        if (info.kind() != KIND_CHUNK) {
            throw new CorruptDataException(what + ": is not a data chunk (kind " + info.kind() + ")");
        }
        byte[] payload = open(info, blob, expectedId.bytes(), what);
        byte[] plain = decompress(info, payload, what);
        if (!expectedId.matches(idOf(plain, 0, plain.length).bytes())) {
            throw new CorruptDataException(what + ": " + ID_MISMATCH);
        }
        return plain;
    }

    private byte[] open(BlobInfo info, byte[] blob, byte[] context, String what) {
        boolean wantEncrypted = mode == CryptMode.ENCRYPT;
        if (info.encrypted() != wantEncrypted) {
            throw new CorruptDataException(what + (info.encrypted() ? ": is encrypted but the snapshot is not"
                    : ": is not encrypted but the snapshot is"));
        }
        if (!info.encrypted()) {
            return java.util.Arrays.copyOfRange(blob, HEADER, blob.length);
        }
        try {
            Cipher cipher = CIPHERS.get();
            cipher.init(Cipher.DECRYPT_MODE, keys.aeadKey(), new GCMParameterSpec(128, blob, HEADER, NONCE));
            cipher.updateAAD(aad(blob[4] & 0xff, blob[5] & 0xff, context));
            return cipher.doFinal(blob, HEADER + NONCE, blob.length - HEADER - NONCE);
        } catch (AEADBadTagException e) {
            throw new CorruptDataException(what + ": " + AUTH_FAILED);
        } catch (GeneralSecurityException e) {
            throw new CorruptDataException(what + ": " + AUTH_FAILED);
        }
    }

    private static byte[] decompress(BlobInfo info, byte[] payload, String what) {
        if (!info.compressed()) {
            return payload;
        }
        long size;
        try {
            size = payload.length == 0 ? -2 : Zstd.getFrameContentSize(payload, 0, payload.length);
        } catch (RuntimeException e) { // the library throws for some damaged frame headers
            size = -2;
        }
        if (size < 0 || Zstd.isError(size) || size > MAX_PAYLOAD) {
            throw new CorruptDataException(what + ": compressed data is damaged (no valid frame size)");
        }
        byte[] out = new byte[(int) size];
        long n;
        try {
            n = Zstd.decompressByteArray(out, 0, out.length, payload, 0, payload.length);
        } catch (RuntimeException e) {
            throw new CorruptDataException(what + ": compressed data is damaged");
        }
        if (Zstd.isError(n) || n != size) {
            throw new CorruptDataException(what + ": compressed data is damaged");
        }
        return out;
    }

    /** Seals a small client-only blob (kind 2), binding a 32-byte context in place of a chunk id. */
    public byte[] sealSmall(byte[] plaintext, byte[] context32) {
        if (mode != CryptMode.ENCRYPT) {
            throw new IllegalStateException("sealing needs encrypt mode");
        }
        byte[] nonce = new byte[NONCE];
        RANDOM.nextBytes(nonce);
        return encode(KIND_SMALL, context32, plaintext, 0, plaintext.length, nonce, null).blob();
    }

    public byte[] openSmall(byte[] blob, byte[] context32) {
        BlobInfo info = inspect(blob, "sealed blob");
        if (info.kind() != KIND_SMALL) {
            throw new CorruptDataException("sealed blob: wrong kind " + info.kind());
        }
        return decompress(info, open(info, blob, context32, "sealed blob"), "sealed blob");
    }

    public static boolean isAllZero(byte[] d, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (d[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    private static int getInt(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
