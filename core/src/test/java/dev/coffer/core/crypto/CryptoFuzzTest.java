package dev.coffer.core.crypto;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import dev.coffer.core.keys.KeyFile;

/** Garbage given to the parsers of stored bytes yields the project's own error, nothing else. */
public class CryptoFuzzTest {
    static final KeySet KEYS = KeySet.derive(DataKey.fromBytesDangerous(new byte[32]));
    static final BlobCodec ENCRYPT = new BlobCodec(CryptMode.ENCRYPT, KEYS);
    static final BlobCodec PLAIN = new BlobCodec(CryptMode.NONE, null);
    static final ChunkId ID = ChunkId.of(new byte[32]);

    @FuzzTest(maxDuration = "10s")
    void blobDecode(byte[] data) {
        try {
            BlobCodec.inspect(data);
        } catch (CorruptDataException expected) {
            // fine
        }
        for (BlobCodec c : new BlobCodec[] {ENCRYPT, PLAIN}) {
            try {
                byte[] plain = c.decodeChunk(ID, data);
                throw new AssertionError("garbage decoded to " + plain.length + " bytes under a fixed id");
            } catch (CorruptDataException expected) {
                // fine
            }
        }
    }

    @FuzzTest(maxDuration = "10s")
    void keyFileParse(byte[] data) {
        try {
            KeyFile kf = KeyFile.parse(data);
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
