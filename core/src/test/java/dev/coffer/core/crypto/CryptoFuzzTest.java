package dev.coffer.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import dev.coffer.core.keys.KeyFile;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Coverage-guided fuzzing of the parsers of stored bytes: whatever the input, the result is either a valid
 * value or the project's own error, never another exception, a hang or an out-of-memory error.
 *
 * <p>A plain {@code mvn test} replays the seeds in {@code src/test/resources/dev/coffer/core/crypto/
 * CryptoFuzzTestInputs/<method>/}. With {@code JAZZER_FUZZ=1} Jazzer fuzzes one target for
 * {@code maxDuration}; see the README for a longer run.
 */
public class CryptoFuzzTest {
    /** The fixed key the seeds were made with: 32 zero bytes. */
    static final KeySet KEYS = KeySet.derive(DataKey.fromBytesDangerous(new byte[32]));
    static final BlobCodec ENCRYPT = new BlobCodec(CryptMode.ENCRYPT, KEYS);
    static final BlobCodec SIGN_ONLY = new BlobCodec(CryptMode.SIGN_ONLY, KEYS);
    static final BlobCodec PLAIN = new BlobCodec(CryptMode.NONE, null);

    /**
     * Input: u8 options || expected id (32 bytes) || blob. Option bit 0 recomputes the blob's CRC32C, so that
     * mutations reach the checks behind it (GCM, zstd frame rules, the id).
     */
    @FuzzTest(maxDuration = "10s")
    void blobDecode(byte[] data) {
        if (data.length < 33) {
            return;
        }
        ChunkId id = ChunkId.of(data, 1);
        byte[] blob = Arrays.copyOfRange(data, 33, data.length);
        if ((data[0] & 1) != 0 && blob.length >= 12) {
            CRC32C crc = new CRC32C();
            crc.update(blob, 12, blob.length - 12);
            int v = (int) crc.getValue();
            for (int i = 0; i < 4; i++) {
                blob[8 + i] = (byte) (v >>> (8 * i));
            }
        }
        try {
            BlobCodec.BlobInfo info = BlobCodec.inspect(blob);
            assertThat(info.bodyLength()).isEqualTo(blob.length - 12);
        } catch (CorruptDataException expected) {
            // fine
        }
        for (BlobCodec c : new BlobCodec[] {ENCRYPT, SIGN_ONLY, PLAIN}) {
            try {
                byte[] plain = c.decodeChunk(id, blob);
                // whatever decodes is exactly what the id names
                assertThat(c.idOf(plain, 0, plain.length)).isEqualTo(id);
                assertThat(plain.length).isLessThanOrEqualTo(BlobCodec.MAX_PAYLOAD);
            } catch (CorruptDataException expected) {
                // fine
            }
        }
        try {
            ENCRYPT.openSmall(blob, id.bytes());
        } catch (CorruptDataException expected) {
            // fine
        }
    }

    /** Anything encodes and decodes back to itself, in every mode, and a sealed blob opens again. */
    @FuzzTest(maxDuration = "10s")
    void blobRoundTrip(byte[] data) {
        for (BlobCodec c : new BlobCodec[] {ENCRYPT, SIGN_ONLY, PLAIN}) {
            BlobCodec.Encoded e = c.encodeChunk(data, 0, data.length);
            assertThat(c.decodeChunk(e.id(), e.blob())).isEqualTo(data);
            assertThat(e.blob().length).isLessThanOrEqualTo(data.length + 40);
        }
        byte[] context = Digests.sha256(data);
        assertThat(ENCRYPT.openSmall(ENCRYPT.sealSmall(data, context), context)).isEqualTo(data);
    }

    @FuzzTest(maxDuration = "10s")
    void keyFileParse(byte[] data) {
        try {
            KeyFile kf = KeyFile.parse(data);
            assertThat(KeyFile.parse(kf.toJson()).fingerprint()).isEqualTo(kf.fingerprint());
            if (cheap(kf.kdf())) {
                kf.unwrap("passphrase".toCharArray()).close();
            }
        } catch (CofferException expected) {
            // CorruptDataException or WrongPassphraseException
        }
    }

    /** KDF settings cheap enough to try in a fuzz loop. */
    public static boolean cheap(KeyFile.Kdf kdf) {
        return switch (kdf) {
            case KeyFile.ScryptParams p -> (long) p.n() * p.r() * p.p() <= 4096;
            case KeyFile.Argon2Params a -> (long) a.memoryKib() * a.iterations() <= 4096;
            case KeyFile.NoKdf n -> true;
        };
    }
}
