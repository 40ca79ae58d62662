package dev.coffer.core.crypto;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.CRC32C;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Encodes and decodes blobs (design.md 2): the chunk id, zstd level 1 when it shrinks the payload,
 * AES-256-GCM with a fresh random nonce and the kind, flags and id bound as associated data, and a CRC32C
 * over the stored body. One instance serves any number of threads at once; each thread keeps its own
 * cipher and zstd contexts.
 *
 * <p>Every failure to decode is a {@link CorruptDataException} whose message is
 * {@code "chunk <64 hex>: <reason>"} ({@code "sealed blob: <reason>"} for kind 2, {@code "blob: <reason>"}
 * for {@link #inspect}); the reasons are the public string constants of this class, so callers and tests
 * can match on them.
 */
public final class BlobCodec {
    static {
        Providers.install();
    }

    public static final int HEADER = 12;
    public static final int NONCE = 12;
    public static final int TAG = 16;
    public static final int KIND_CHUNK = 1;
    public static final int KIND_SMALL = 2;
    public static final int FLAG_ENCRYPTED = 1;
    public static final int FLAG_COMPRESSED = 2;
    /** Largest payload (plaintext of a chunk, or decompressed size), 64 MiB. */
    public static final int MAX_PAYLOAD = 64 << 20;
    /** Largest blob a reader accepts, 64 MiB + 64 bytes. */
    public static final int MAX_BLOB = MAX_PAYLOAD + 64;
    /** Smallest encrypted body: nonce and tag. */
    public static final int MIN_ENCRYPTED_BODY = NONCE + TAG;
    /** Length of the context a kind-2 blob binds in place of a chunk id. */
    public static final int CONTEXT_LENGTH = 32;

    // The reasons of decoding failures, stable so that callers and tests can rely on them.
    /** The first bytes are not {@code CFB\x01}. */
    public static final String BAD_MAGIC = "not a Coffer blob (bad magic)";
    /** Shorter than its header, or an encrypted body shorter than nonce and tag. */
    public static final String TRUNCATED = "truncated";
    /** Larger than {@link #MAX_BLOB}; followed by the size. */
    public static final String TOO_LARGE = "larger than any blob";
    /** Kind other than 1 or 2; followed by the kind. */
    public static final String UNKNOWN_KIND = "unknown blob kind";
    /** Unknown flag bits or non-zero reserved bytes. */
    public static final String RESERVED_BITS = "reserved header bits are set";
    /** A kind-2 blob without the encrypted flag. */
    public static final String SEALED_NOT_ENCRYPTED = "sealed blob is not encrypted";
    public static final String CRC_MISMATCH = "CRC32C mismatch (bit rot or tampering)";
    /** A kind-2 blob where a data chunk was expected (followed by the kind), or the other way round. */
    public static final String NOT_A_DATA_CHUNK = "is not a data chunk";
    public static final String NOT_SEALED = "is not a sealed blob";
    public static final String ENCRYPTED_UNEXPECTED = "is encrypted but the snapshot is not";
    public static final String PLAIN_UNEXPECTED = "is not encrypted but the snapshot is";
    public static final String AUTH_FAILED = "authentication failed (tampered, swapped, or encrypted with another key)";
    /** Not exactly one zstd frame with a declared content size within {@link #MAX_PAYLOAD}. */
    public static final String BAD_COMPRESSION = "compressed data is damaged";
    public static final String ID_MISMATCH = "content does not match its id";

    private static final byte[] MAGIC = {'C', 'F', 'B', 1};
    private static final byte[] AAD_PREFIX = "coffer-blob-v1".getBytes(StandardCharsets.US_ASCII);
    private static final int AAD_LENGTH = AAD_PREFIX.length + 2 + CONTEXT_LENGTH;
    private static final byte[] ZEROS = new byte[8192];
    /** The magic number that starts a zstd frame, 0xFD2FB528 little-endian. */
    private static final byte[] ZSTD_MAGIC = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};

    /** What a keyless check of a blob found. {@code bodyLength} counts the bytes after the header. */
    public record BlobInfo(int kind, boolean encrypted, boolean compressed, int bodyLength) {
    }

    /** An encoded chunk: its id, the bytes to store, the plaintext length and whether zstd shrank it. */
    public record Encoded(ChunkId id, byte[] blob, int plainLength, boolean compressed) {
    }


    private static final SecureRandom RANDOM = new SecureRandom();

    /** Per-thread working state: the JCE cipher and zstd contexts are not thread-safe. */
    private static final class Workspace {
        final Cipher cipher = newCipher();
        final ZstdCompressCtx compressor;
        final ZstdDecompressCtx decompressor;
        final byte[] aad = new byte[AAD_LENGTH];

        Workspace() {
            try {
                compressor = new ZstdCompressCtx().setLevel(1).setContentSize(true).setChecksum(false);
                decompressor = new ZstdDecompressCtx();
            } catch (LinkageError e) {
                throw zstdUnavailable(e);
            }
            System.arraycopy(AAD_PREFIX, 0, aad, 0, AAD_PREFIX.length);
        }

        byte[] aad(int kind, int flags, byte[] context) {
            aad[AAD_PREFIX.length] = (byte) kind;
            aad[AAD_PREFIX.length + 1] = (byte) flags;
            System.arraycopy(context, 0, aad, AAD_PREFIX.length + 2, CONTEXT_LENGTH);
            return aad;
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /**
     * The zstd library's native part did not load (the first failure is an UnsatisfiedLinkError inside an
     * initializer error, every later one a NoClassDefFoundError). Run without the launcher, zstd-jni unpacks
     * it into the temporary directory, which fails where that is mounted noexec.
     */
    static CofferException zstdUnavailable(LinkageError e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        String given = System.getProperty("ZstdNativePath");
        if (given != null) { // the launcher's choice, or the user's
            return new CofferException("the zstd compression library " + given + " cannot be loaded ("
                    + root.getClass().getSimpleName() + ": " + root.getMessage()
                    + "); chunks can be neither compressed nor decompressed without it",
                    "rebuild the installation for this machine's architecture (./mvnw package), or check the"
                            + " file; without -DZstdNativePath the library is unpacked into java.io.tmpdir", e);
        }
        return new CofferException("the zstd compression library cannot be loaded (" + root.getClass().getSimpleName()
                + ": " + root.getMessage() + "); chunks can be neither compressed nor decompressed without it",
                "run coffer through its launcher, which loads the library from the installation; otherwise the"
                        + " library is unpacked into java.io.tmpdir (" + System.getProperty("java.io.tmpdir")
                        + "), which must not be mounted noexec: point it elsewhere with"
                        + " COFFER_JAVA_OPTS=-Djava.io.tmpdir=DIR", e);
    }

    private static Cipher newCipher() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    private final CryptMode mode;
    private final KeySet keys;

    /**
     * A codec for one crypt mode. {@code keys} is required for {@link CryptMode#ENCRYPT}; in the other
     * modes chunks are plaintext with SHA-256 ids and the keys (which may be null) are not used.
     */
    public BlobCodec(CryptMode mode, KeySet keys) {
        this.mode = Objects.requireNonNull(mode, "mode");
        if (mode == CryptMode.ENCRYPT && keys == null) {
            throw new IllegalArgumentException("encrypt mode needs a key");
        }
        this.keys = keys;
    }

    public CryptMode mode() {
        return mode;
    }

    /** The id of a chunk: HMAC-SHA256 under the chunk-id key when encrypting, SHA-256 otherwise. */
    public ChunkId idOf(byte[] data, int off, int len) {
        Objects.checkFromIndexSize(off, len, data.length);
        return mode == CryptMode.ENCRYPT ? keys.chunkId(data, off, len) : Digests.sha256Id(data, off, len);
    }

    /** Computes the id and encodes the chunk. */
    public Encoded encodeChunk(byte[] data, int off, int len) {
        return encodeChunk(idOf(data, off, len), data, off, len);
    }

    /**
     * Encodes a chunk whose id the caller already computed with {@link #idOf} (so that it could look the id
     * up first). The id is trusted: a wrong one yields a blob that never decodes.
     */
    public Encoded encodeChunk(ChunkId knownId, byte[] data, int off, int len) {
        Objects.requireNonNull(knownId, "knownId");
        byte[] nonce = mode == CryptMode.ENCRYPT ? freshNonce() : null;
        byte[] blob = encode(WORKSPACE.get(), KIND_CHUNK, knownId.bytes(), data, off, len, nonce);
        return new Encoded(knownId, blob, len, (blob[5] & FLAG_COMPRESSED) != 0);
    }

    /**
     * Like {@link #encodeChunk(ChunkId, byte[], int, int)}, but builds the blob in the caller's array
     * {@code out}, at least {@link #maxBlobLength} long, and returns its length; a backup reuses such arrays
     * instead of allocating a blob-sized one per chunk. Compressed data is encrypted in place there.
     */
    public int encodeChunkInto(ChunkId knownId, byte[] data, int off, int len, byte[] out) {
        Objects.requireNonNull(knownId, "knownId");
        Objects.checkFromIndexSize(off, len, data.length);
        if (out.length < maxBlobLength(len)) {
            throw new IllegalArgumentException("a " + out.length + "-byte array is too small for the blob of "
                    + len + " bytes");
        }
        byte[] nonce = mode == CryptMode.ENCRYPT ? freshNonce() : null;
        return encodeInto(WORKSPACE.get(), KIND_CHUNK, knownId.bytes(), data, off, len, nonce, out);
    }

    /** The largest blob a chunk of {@code len} bytes can become in any mode: header, nonce and tag around it. */
    public static int maxBlobLength(int len) {
        return maxBlobLength(len, true);
    }

    private static int maxBlobLength(int len, boolean encrypt) {
        return HEADER + (encrypt ? NONCE + TAG : 0) + len;
    }

    /**
     * Test-only: encodes with the given nonce so that known-answer vectors are reproducible. Reusing a
     * nonce with the same key destroys GCM's security; nothing but tests may call this.
     */
    Encoded encodeWithNonceForTesting(byte[] data, byte[] nonce) {
        if (mode != CryptMode.ENCRYPT || nonce.length != NONCE) {
            throw new IllegalArgumentException("a fixed nonce needs encrypt mode and 12 bytes");
        }
        ChunkId id = idOf(data, 0, data.length);
        byte[] blob = encode(new Workspace(), KIND_CHUNK, id.bytes(), data, 0, data.length, nonce.clone());
        return new Encoded(id, blob, data.length, (blob[5] & FLAG_COMPRESSED) != 0);
    }

    /** Test-only: {@link #sealSmall} with the given nonce, for known-answer vectors. */
    byte[] sealSmallWithNonceForTesting(byte[] plaintext, byte[] context32, byte[] nonce) {
        checkSealing(context32);
        if (nonce.length != NONCE) {
            throw new IllegalArgumentException("a nonce has 12 bytes");
        }
        return encode(new Workspace(), KIND_SMALL, context32, plaintext, 0, plaintext.length, nonce.clone());
    }

    private static byte[] freshNonce() {
        byte[] nonce = new byte[NONCE];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    /** Builds one blob in a new array of its exact length (see {@link #encodeInto}). */
    private byte[] encode(Workspace ws, int kind, byte[] context, byte[] data, int off, int len, byte[] nonce) {
        Objects.checkFromIndexSize(off, len, data.length);
        if (len > MAX_PAYLOAD) {
            throw new IllegalArgumentException("a blob payload is at most 64 MiB, not " + len + " bytes");
        }
        byte[] out = new byte[maxBlobLength(len, nonce != null)];
        int n = encodeInto(ws, kind, context, data, off, len, nonce, out);
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    /**
     * Builds one blob into {@code out} (at least {@link #maxBlobLength} long) and returns its length. zstd
     * writes into {@code out} after the header and nonce, limited to one byte less than the plaintext, so
     * that "does not shrink" is zstd running out of room; compressed data is then encrypted in place there.
     * Incompressible data is encrypted (or copied) straight from the caller's array. No plaintext is copied
     * before encryption.
     */
    private int encodeInto(Workspace ws, int kind, byte[] context, byte[] data, int off, int len, byte[] nonce,
            byte[] out) {
        if (len > MAX_PAYLOAD) {
            throw new IllegalArgumentException("a blob payload is at most 64 MiB, not " + len + " bytes");
        }
        boolean encrypt = nonce != null;
        int bodyStart = HEADER + (encrypt ? NONCE : 0);
        int compressedLen = compressInto(ws.compressor, data, off, len, out, bodyStart);
        boolean compressed = compressedLen >= 0;
        int flags = (encrypt ? FLAG_ENCRYPTED : 0) | (compressed ? FLAG_COMPRESSED : 0);
        int end;
        if (encrypt) {
            try {
                Cipher c = initCipher(ws, Cipher.ENCRYPT_MODE, nonce, 0, ws.aad(kind, flags, context));
                end = bodyStart + (compressed ? c.doFinal(out, bodyStart, compressedLen, out, bodyStart)
                        : c.doFinal(data, off, len, out, bodyStart));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM encryption failed", e);
            }
        } else if (compressed) {
            end = bodyStart + compressedLen;
        } else {
            System.arraycopy(data, off, out, bodyStart, len);
            end = bodyStart + len;
        }
        System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
        out[4] = (byte) kind;
        out[5] = (byte) flags;
        out[6] = 0;
        out[7] = 0;
        if (encrypt) {
            System.arraycopy(nonce, 0, out, HEADER, NONCE);
        }
        CRC32C crc = new CRC32C();
        crc.update(out, HEADER, end - HEADER);
        putIntLe(out, 8, (int) crc.getValue());
        return end;
    }

    /** zstd level 1 into {@code out[at..]}, accepted only if strictly smaller than {@code len}; else -1. */
    private static int compressInto(ZstdCompressCtx ctx, byte[] data, int off, int len, byte[] out, int at) {
        if (len < 2) {
            return -1;
        }
        try {
            int n = ctx.compressByteArray(out, at, len - 1, data, off, len);
            return n > 0 && n < len ? n : -1;
        } catch (RuntimeException e) {
            // dstSize_tooSmall: the data does not shrink. Any other zstd error: storing it raw is always correct.
            return -1;
        }
    }

    private Cipher initCipher(Workspace ws, int opmode, byte[] nonceSource, int nonceOffset, byte[] aad)
            throws GeneralSecurityException {
        Cipher c = ws.cipher;
        c.init(opmode, keys.aeadKey(), new GCMParameterSpec(TAG * 8, nonceSource, nonceOffset, NONCE));
        c.updateAAD(aad);
        return c;
    }

    /** Keyless checks: magic, size, kind and reserved bits, CRC32C, minimum encrypted body. */
    public static BlobInfo inspect(byte[] blob) {
        return inspect(blob, "blob");
    }

    private static BlobInfo inspect(byte[] blob, String what) {
        return inspect(blob, blob.length, what);
    }

    /** {@link #inspect(byte[], String)} of the blob {@code blob[0..blobLength)}. */
    private static BlobInfo inspect(byte[] blob, int blobLength, String what) {
        if (blobLength < HEADER) {
            throw corrupt(what, prefixOfMagic(blob, blobLength) ? TRUNCATED : BAD_MAGIC);
        }
        if (!prefixOfMagic(blob, blobLength)) {
            throw corrupt(what, BAD_MAGIC);
        }
        if (blobLength > MAX_BLOB) {
            throw corrupt(what, TOO_LARGE + " (" + blobLength + " bytes)");
        }
        int kind = blob[4] & 0xff;
        int flags = blob[5] & 0xff;
        if (kind != KIND_CHUNK && kind != KIND_SMALL) {
            throw corrupt(what, UNKNOWN_KIND + " " + kind);
        }
        if ((flags & ~(FLAG_ENCRYPTED | FLAG_COMPRESSED)) != 0 || blob[6] != 0 || blob[7] != 0) {
            throw corrupt(what, RESERVED_BITS);
        }
        CRC32C crc = new CRC32C();
        crc.update(blob, HEADER, blobLength - HEADER);
        if ((int) crc.getValue() != getIntLe(blob, 8)) {
            throw corrupt(what, CRC_MISMATCH);
        }
        boolean encrypted = (flags & FLAG_ENCRYPTED) != 0;
        if (kind == KIND_SMALL && !encrypted) {
            throw corrupt(what, SEALED_NOT_ENCRYPTED);
        }
        if (encrypted && blobLength - HEADER < MIN_ENCRYPTED_BODY) {
            throw corrupt(what, TRUNCATED);
        }
        return new BlobInfo(kind, encrypted, (flags & FLAG_COMPRESSED) != 0, blobLength - HEADER);
    }

    /** True when the blob's first bytes (up to four) agree with the magic: a short one is then truncated. */
    private static boolean prefixOfMagic(byte[] b, int length) {
        int n = Math.min(length, MAGIC.length);
        return Arrays.equals(b, 0, n, MAGIC, 0, n);
    }

    /**
     * Checks a chunk completely and returns its plaintext: magic, size, header bits, CRC32C, kind, crypt
     * mode, GCM authentication with {@code expectedId} bound in, decompression, and the id recomputed from
     * the plaintext (compared in constant time).
     *
     * @throws CorruptDataException {@code "chunk <hex>: <reason>"}, the reason one of the constants above
     */
    public byte[] decodeChunk(ChunkId expectedId, byte[] blob) {
        return decodeChunk(expectedId, blob, false);
    }

    /**
     * {@link #decodeChunk(ChunkId, byte[])} for a blob the caller no longer needs: it is decrypted in place,
     * so its bytes are overwritten (with plaintext, or garbage when authentication fails). Saves an array
     * the size of the blob per chunk.
     */
    public byte[] decodeChunkConsuming(ChunkId expectedId, byte[] blob) {
        return decodeChunk(expectedId, blob, true);
    }

    /** A decoded chunk: its plaintext is {@code data[0..length)}; {@code data} may be longer. */
    public record Decoded(byte[] data, int length) {
    }

    /**
     * {@link #decodeChunkConsuming} with the plaintext placed in an array taken from {@code pool}, which the
     * caller gives back when done with it (on failure an array taken is simply dropped).
     */
    public Decoded decodeChunkInto(ChunkId expectedId, byte[] blob, dev.coffer.core.util.BufferPool pool) {
        return decode(expectedId, blob, blob.length, true, Objects.requireNonNull(pool, "pool"), true);
    }

    /**
     * {@link #decodeChunkInto(ChunkId, byte[], BufferPool)} of the blob {@code blob[0..blobLength)}, so that a
     * blob read into a pooled (longer) array can be decoded where it lies.
     */
    public Decoded decodeChunkInto(ChunkId expectedId, byte[] blob, int blobLength, dev.coffer.core.util.BufferPool pool) {
        Objects.checkFromIndexSize(0, blobLength, blob.length);
        return decode(expectedId, blob, blobLength, true, Objects.requireNonNull(pool, "pool"), true);
    }

    /**
     * {@link #decodeChunkInto(ChunkId, byte[], int, BufferPool)} for a caller that checks every byte it uses
     * against a SHA-256 recorded at backup (a directory restore checks each file it writes). An encrypted
     * chunk is then not hashed again: AES-GCM has authenticated it with {@code expectedId} bound in, so it is
     * the blob a key holder stored under that id, and the caller's digest checks its plaintext end to end. An
     * unencrypted chunk, which nothing authenticates, is checked against its id as always.
     */
    public Decoded decodeAuthenticatedChunkInto(ChunkId expectedId, byte[] blob, int blobLength,
            dev.coffer.core.util.BufferPool pool) {
        Objects.checkFromIndexSize(0, blobLength, blob.length);
        return decode(expectedId, blob, blobLength, true, Objects.requireNonNull(pool, "pool"), false);
    }

    /** The checks before decryption: header, CRC, kind and crypt mode. */
    private BlobInfo checkChunk(ChunkId expectedId, byte[] blob, int blobLength, String what) {
        BlobInfo info = inspect(blob, blobLength, what);
        if (info.kind() != KIND_CHUNK) {
            throw corrupt(what, NOT_A_DATA_CHUNK + " (kind " + info.kind() + ")");
        }
        boolean wantEncrypted = mode == CryptMode.ENCRYPT;
        if (info.encrypted() != wantEncrypted) {
            throw corrupt(what, info.encrypted() ? ENCRYPTED_UNEXPECTED : PLAIN_UNEXPECTED);
        }
        return info;
    }

    private byte[] decodeChunk(ChunkId expectedId, byte[] blob, boolean inPlace) {
        return decode(expectedId, blob, blob.length, inPlace, null, true).data();
    }

    /**
     * Every check of a chunk and its plaintext, in place and into a pooled array as asked; without
     * {@code checkId}, an encrypted chunk's id is not recomputed (see {@link #decodeAuthenticatedChunkInto}).
     */
    private Decoded decode(ChunkId expectedId, byte[] blob, int blobLength, boolean inPlace,
            dev.coffer.core.util.BufferPool pool, boolean checkId) {
        String what = "chunk " + expectedId.hex();
        BlobInfo info = checkChunk(expectedId, blob, blobLength, what);
        Decoded plain = payload(WORKSPACE.get(), info, blob, blobLength, expectedId.bytes(), what, inPlace, pool);
        if ((checkId || !info.encrypted()) && !expectedId.matches(idOf(plain.data(), 0, plain.length()).bytes())) {
            if (pool != null) {
                pool.give(plain.data());
            }
            throw corrupt(what, ID_MISMATCH);
        }
        return plain;
    }

    /**
     * Authenticates and decrypts (when encrypted) and decompresses (when compressed) the body; with
     * {@code inPlace} the decryption overwrites the blob, with a {@code pool} the plaintext goes into an array
     * taken from it (otherwise into a new array of exactly its length).
     */
    private Decoded payload(Workspace ws, BlobInfo info, byte[] blob, int blobLength, byte[] context, String what,
            boolean inPlace, dev.coffer.core.util.BufferPool pool) {
        byte[] src = blob;
        int body = HEADER;
        int length = blobLength - HEADER;
        if (info.encrypted()) {
            body = HEADER + NONCE;
            try {
                Cipher c = initCipher(ws, Cipher.DECRYPT_MODE, blob, HEADER, ws.aad(blob[4] & 0xff, blob[5] & 0xff, context));
                if (inPlace) {
                    length = c.doFinal(blob, body, blobLength - body, blob, body);
                } else {
                    src = c.doFinal(blob, body, blobLength - body);
                    body = 0;
                    length = src.length;
                }
            } catch (GeneralSecurityException e) {
                // AEADBadTagException, or a provider's other way of refusing the input
                throw corrupt(what, AUTH_FAILED);
            }
        }
        if (info.compressed()) {
            return decompress(ws, src, body, length, what, pool);
        }
        if (pool != null) {
            byte[] out = pool.take(length);
            System.arraycopy(src, body, out, 0, length);
            return new Decoded(out, length);
        }
        return new Decoded(body == 0 && length == src.length ? src : Arrays.copyOfRange(src, body, body + length), length);
    }

    /**
     * Decompresses exactly one zstd frame that declares its content size, at most {@link #MAX_PAYLOAD}, into
     * a new array of that size or one from {@code pool}. The size is checked before anything is allocated.
     */
    private static Decoded decompress(Workspace ws, byte[] src, int off, int len, String what,
            dev.coffer.core.util.BufferPool pool) {
        if (len < ZSTD_MAGIC.length || !Arrays.equals(src, off, off + ZSTD_MAGIC.length, ZSTD_MAGIC, 0, ZSTD_MAGIC.length)) {
            // also refuses skippable frames, which zstd would "decompress" to nothing
            throw corrupt(what, BAD_COMPRESSION + " (no valid frame header)");
        }
        // Frame_Header_Descriptor: the content size is present when FCS_Field_Size or Single_Segment is set
        int descriptor = len > ZSTD_MAGIC.length ? src[off + ZSTD_MAGIC.length] & 0xff : 0;
        if (len > ZSTD_MAGIC.length && (descriptor & 0xe0) == 0) {
            throw corrupt(what, BAD_COMPRESSION + " (no declared content size)");
        }
        long size;
        try {
            size = Zstd.getFrameContentSize(src, off, len);
        } catch (RuntimeException e) { // the library throws for damaged frame headers
            size = -2;
        }
        if (size < 0) {
            throw corrupt(what, BAD_COMPRESSION + " (no valid frame header)");
        }
        if (size > MAX_PAYLOAD) {
            throw corrupt(what, BAD_COMPRESSION + " (declares " + size + " bytes, more than 64 MiB)");
        }
        long frame;
        try {
            frame = Zstd.findFrameCompressedSize(src, off, len);
        } catch (RuntimeException e) {
            frame = -1;
        }
        if (frame != len) {
            throw corrupt(what, BAD_COMPRESSION + " (not exactly one zstd frame)");
        }
        byte[] out = pool == null ? new byte[(int) size] : pool.take((int) size);
        int n;
        try {
            n = ws.decompressor.decompressByteArray(out, 0, (int) size, src, off, len);
        } catch (RuntimeException e) {
            throw corrupt(what, BAD_COMPRESSION);
        }
        if (n != size) {
            throw corrupt(what, BAD_COMPRESSION);
        }
        return new Decoded(out, n);
    }

    /**
     * Seals a small client-only blob (kind 2, design.md 2): always encrypted, compressed when that helps,
     * with {@code context32} bound in place of a chunk id so the blob cannot be moved to another place.
     */
    public byte[] sealSmall(byte[] plaintext, byte[] context32) {
        checkSealing(context32);
        return encode(WORKSPACE.get(), KIND_SMALL, context32, plaintext, 0, plaintext.length, freshNonce());
    }

    /**
     * Opens a kind-2 blob sealed for {@code context32}.
     *
     * @throws CorruptDataException {@code "sealed blob: <reason>"}
     */
    public byte[] openSmall(byte[] blob, byte[] context32) {
        checkSealing(context32);
        String what = "sealed blob";
        BlobInfo info = inspect(blob, what);
        if (info.kind() != KIND_SMALL) {
            throw corrupt(what, NOT_SEALED + " (kind " + info.kind() + ")");
        }
        return payload(WORKSPACE.get(), info, blob, blob.length, context32, what, false, null).data();
    }

    private void checkSealing(byte[] context32) {
        if (mode != CryptMode.ENCRYPT) {
            throw new IllegalStateException("sealed blobs need encrypt mode");
        }
        if (context32 == null || context32.length != CONTEXT_LENGTH) {
            throw new IllegalArgumentException("a sealed blob's context has 32 bytes");
        }
    }

    /** Whether {@code d[off..off+len)} holds only zero bytes (vectorized compare). */
    public static boolean isAllZero(byte[] d, int off, int len) {
        Objects.checkFromIndexSize(off, len, d.length);
        int end = off + len;
        for (int i = off; i < end; i += ZEROS.length) {
            int n = Math.min(ZEROS.length, end - i);
            if (Arrays.mismatch(d, i, i + n, ZEROS, 0, n) >= 0) {
                return false;
            }
        }
        return true;
    }

    private static CorruptDataException corrupt(String what, String reason) {
        return new CorruptDataException(what + ": " + reason);
    }

    private static void putIntLe(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    private static int getIntLe(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
