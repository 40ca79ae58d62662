package dev.coffer.core.keys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.DataKey;
import dev.coffer.core.crypto.KeyFingerprint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;
import javax.crypto.spec.PSource;

/**
 * The RSA master key for escrow (design.md 12): RSA-4096, PEM files (public: SubjectPublicKeyInfo; private:
 * PKCS#8 encrypted with PBES2, PBKDF2-HMAC-SHA256 and AES-256-CBC), and the escrow blob each encrypted
 * snapshot carries: the data key under RSA-OAEP with SHA-256 and MGF1-SHA-256.
 */
public final class MasterKey {
    private static final String PBE = "PBEWithHmacSHA256AndAES_256";
    private static final int PBE_ITERATIONS = 600_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String ESCROW_FILE = "escrow.json";

    private MasterKey() {
    }

    public static KeyPair generate(int bits) {
        if (bits < 3072 || bits > 16384) {
            throw new CofferException("a master key has 3072 to 16384 bits; 4096 is the default");
        }
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(bits, new SecureRandom());
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA-256 of the SubjectPublicKeyInfo, as colon-separated hex. */
    public static String fingerprint(PublicKey k) {
        try {
            return KeyFingerprint.of(MessageDigest.getInstance("SHA-256").digest(k.getEncoded())).toString();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String publicPem(PublicKey k) {
        return pem("PUBLIC KEY", k.getEncoded());
    }

    public static String privatePem(PrivateKey k, char[] passphrase) {
        try {
            byte[] salt = new byte[16];
            byte[] iv = new byte[16];
            SecureRandom r = new SecureRandom();
            r.nextBytes(salt);
            r.nextBytes(iv);
            SecretKey pbeKey = SecretKeyFactory.getInstance(PBE).generateSecret(new PBEKeySpec(passphrase));
            Cipher c = Cipher.getInstance(PBE);
            c.init(Cipher.ENCRYPT_MODE, pbeKey, new PBEParameterSpec(salt, PBE_ITERATIONS, new IvParameterSpec(iv)));
            byte[] der = k.getEncoded();
            byte[] enc = c.doFinal(der);
            Arrays.fill(der, (byte) 0);
            // the same parameters under their standard name, which EncryptedPrivateKeyInfo can encode
            java.security.AlgorithmParameters pbes2 = java.security.AlgorithmParameters.getInstance("PBES2");
            pbes2.init(c.getParameters().getEncoded());
            return pem("ENCRYPTED PRIVATE KEY", new EncryptedPrivateKeyInfo(pbes2, enc).getEncoded());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot encrypt the master private key", e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static byte[] unpem(String text, String type, String what) {
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int a = text.indexOf(begin);
        int b = text.indexOf(end);
        if (a < 0 || b < a) {
            throw new CofferException(what + " is not a PEM " + type.toLowerCase(java.util.Locale.ROOT));
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(a + begin.length(), b));
        } catch (IllegalArgumentException e) {
            throw new CofferException(what + ": the PEM data is damaged");
        }
    }

    public static PublicKey readPublic(String pem, String what) {
        try {
            PublicKey k = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(unpem(pem, "PUBLIC KEY", what)));
            if (((RSAPublicKey) k).getModulus().bitLength() < 3072) {
                throw new CofferException(what + ": an RSA key of fewer than 3072 bits is too weak for escrow");
            }
            return k;
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new CofferException(what + " does not hold an RSA public key");
        }
    }

    public static PrivateKey readPrivate(String pem, char[] passphrase, String what) {
        byte[] der = unpem(pem, "ENCRYPTED PRIVATE KEY", what);
        try {
            EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            SecretKey pbeKey = SecretKeyFactory.getInstance(info.getAlgName()).generateSecret(new PBEKeySpec(passphrase));
            Cipher c = Cipher.getInstance(info.getAlgName());
            c.init(Cipher.DECRYPT_MODE, pbeKey, info.getAlgParameters());
            PKCS8EncodedKeySpec spec = info.getKeySpec(c);
            return KeyFactory.getInstance("RSA").generatePrivate(spec);
        } catch (IOException e) {
            throw new CofferException(what + " is not an encrypted PKCS#8 private key");
        } catch (GeneralSecurityException e) {
            throw new WrongPassphraseException("wrong passphrase for the master private key " + what);
        }
    }

    private static Cipher oaep(int mode, java.security.Key key) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
        c.init(mode, key, new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
        return c;
    }

    /** The escrow blob: the data key wrapped for the holder of the master private key. */
    public static byte[] escrow(DataKey key, PublicKey master) {
        byte[] raw = key.exposeBytesDangerous();
        try {
            ObjectNode o = JSON.createObjectNode();
            o.put("format", "coffer-escrow");
            o.put("version", 1);
            o.put("master-key-fingerprint", fingerprint(master));
            o.put("key-fingerprint", key.fingerprint().toString());
            o.put("algorithm", "RSA-OAEP-SHA256");
            o.put("wrapped-key", Base64.getEncoder().encodeToString(oaep(Cipher.ENCRYPT_MODE, master).doFinal(raw)));
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(o);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("RSA-OAEP unavailable", e);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    /** Unwraps an escrow blob; the result's fingerprint is checked against the one recorded. */
    public static DataKey recover(byte[] escrow, PrivateKey master, PublicKey masterPublicOrNull) {
        JsonNode o;
        try {
            o = JSON.readTree(escrow);
        } catch (IOException e) {
            throw new CorruptDataException("escrow: not valid JSON");
        }
        if (o == null || !"coffer-escrow".equals(o.path("format").asText()) || o.path("version").asInt() != 1) {
            throw new CorruptDataException("escrow: not a Coffer escrow blob");
        }
        String mfp = o.path("master-key-fingerprint").asText();
        if (masterPublicOrNull != null && !fingerprint(masterPublicOrNull).equals(mfp)) {
            throw new CofferException("the snapshot's key was escrowed for master key " + mfp
                    + ", not for this one (" + fingerprint(masterPublicOrNull) + ")");
        }
        byte[] raw = null;
        try {
            raw = oaep(Cipher.DECRYPT_MODE, master).doFinal(Base64.getDecoder().decode(o.path("wrapped-key").asText()));
            if (raw.length != DataKey.LENGTH) {
                throw new CorruptDataException("escrow: the wrapped key has a wrong length");
            }
            DataKey k = DataKey.fromBytesDangerous(raw);
            String expected = o.path("key-fingerprint").asText();
            if (!k.fingerprint().toString().equals(expected)) {
                KeyFingerprint got = k.fingerprint();
                k.close();
                throw new CorruptDataException("escrow: the unwrapped key is key " + got + ", but the escrow names key "
                        + expected);
            }
            return k;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new CofferException("this master key cannot open the escrowed key (escrowed for " + mfp + ")",
                    "use the master private key whose public key was configured when the snapshot was made");
        } finally {
            if (raw != null) {
                Arrays.fill(raw, (byte) 0);
            }
        }
    }

    public static String escrowMasterFingerprint(byte[] escrow) {
        try {
            return JSON.readTree(escrow).path("master-key-fingerprint").asText();
        } catch (IOException e) {
            throw new CorruptDataException("escrow: not valid JSON");
        }
    }
}
