package dev.coffer.core.keys;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.DataKey;
import dev.coffer.core.crypto.KeyFingerprint;
import dev.coffer.core.crypto.Providers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.SCrypt;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * A key file (design.md 1.3): the data key wrapped with AES-256-GCM under a passphrase-derived key
 * (scrypt or Argon2id), or under the all-zero key when it has no passphrase. Immutable.
 *
 * <p>Parsing never throws anything but {@link CorruptDataException}; unwrapping throws
 * {@link WrongPassphraseException} for a wrong passphrase and {@link CorruptDataException} for a damaged
 * file. No message ever contains key material or the passphrase.
 */
public final class KeyFile {
    // No Providers.install() here: wrapping one 32-byte key needs no fast provider, and reading a key file
    // (key show, key check's first step) then starts without loading and verifying the native provider.

    /** How a passphrase becomes the key-encryption key. */
    public sealed interface Kdf permits ScryptParams, Argon2Params, NoKdf {
        String type();
    }

    /** scrypt (default): N=32768, r=8, p=1 (32 MiB). */
    public record ScryptParams(int n, int r, int p) implements Kdf {
        public static final ScryptParams DEFAULT = new ScryptParams(32768, 8, 1);

        @Override
        public String type() {
            return "scrypt";
        }
    }

    /** Argon2id: memory in KiB, iterations, lanes. Default 64 MiB, 3 passes, 1 lane. */
    public record Argon2Params(int memoryKib, int iterations, int parallelism) implements Kdf {
        public static final Argon2Params DEFAULT = new Argon2Params(65536, 3, 1);

        @Override
        public String type() {
            return "argon2id";
        }
    }

    /** No passphrase: the key is wrapped under the all-zero key. */
    public record NoKdf() implements Kdf {
        @Override
        public String type() {
            return "none";
        }
    }

    /** The KDF a user names on the command line, with default parameters. */
    public static Kdf kdfNamed(String name) {
        return switch (name) {
            case "scrypt" -> ScryptParams.DEFAULT;
            case "argon2id" -> Argon2Params.DEFAULT;
            case "none" -> new NoKdf();
            default -> throw new CofferException("unknown KDF '" + name + "'", "use scrypt, argon2id or none");
        };
    }

    private static final byte[] AAD = "coffer-keyfile-v1".getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final int MAX_SIZE = 1 << 20;

    private final Kdf kdf;
    private final byte[] salt;
    private final byte[] wrapped;
    private final KeyFingerprint fingerprint;
    private final Instant created;
    private final Instant modified;
    private final String hint;

    private KeyFile(Kdf kdf, byte[] salt, byte[] wrapped, KeyFingerprint fingerprint,
            Instant created, Instant modified, String hint) {
        this.kdf = kdf;
        this.salt = salt;
        this.wrapped = wrapped;
        this.fingerprint = fingerprint;
        this.created = created;
        this.modified = modified;
        this.hint = hint;
    }

    /** A new key file; {@code passphrase} null means no passphrase (kdf none). */
    public static KeyFile create(DataKey key, char[] passphrase, String hint) {
        return create(key, passphrase, passphrase == null ? new NoKdf() : ScryptParams.DEFAULT, hint);
    }

    /**
     * A new key file; with {@link NoKdf} the passphrase must be null, otherwise it is required. The KDF
     * parameters must lie in the ranges a reader accepts (IllegalArgumentException otherwise).
     */
    public static KeyFile create(DataKey key, char[] passphrase, Kdf kdf, String hint) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        return wrap(key, passphrase, kdf, hint, now, now);
    }

    /**
     * The same key under a new passphrase (null: none). Keeps this file's KDF when it has one (scrypt with
     * default parameters otherwise), its creation time and fingerprint; {@code modified} becomes now.
     */
    public KeyFile rewrap(DataKey key, char[] newPassphrase, String newHint) {
        Kdf next = newPassphrase == null ? new NoKdf() : kdf instanceof NoKdf ? ScryptParams.DEFAULT : kdf;
        return rewrap(key, newPassphrase, next, newHint);
    }

    /** The same key under a new passphrase and KDF (or none); the fingerprint, and so every chunk id, stays. */
    public KeyFile rewrap(DataKey key, char[] newPassphrase, Kdf newKdf, String newHint) {
        if (!key.fingerprint().equals(fingerprint)) {
            throw new IllegalArgumentException("the key does not belong to this key file");
        }
        return wrap(key, newPassphrase, newKdf, newHint, created, Instant.now().truncatedTo(ChronoUnit.SECONDS));
    }

    private static KeyFile wrap(DataKey key, char[] passphrase, Kdf kdf, String hint, Instant created,
            Instant modified) {
        if ((kdf instanceof NoKdf) != (passphrase == null)) {
            throw new IllegalArgumentException("a passphrase goes with a KDF, and none without");
        }
        String problem = rangeProblem(kdf);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        SecureRandom rnd = new SecureRandom();
        byte[] salt = null;
        byte[] kek;
        if (passphrase == null) {
            kek = new byte[32];
        } else {
            salt = new byte[16];
            rnd.nextBytes(salt);
            kek = derive(kdf, passphrase, salt);
        }
        byte[] nonce = new byte[12];
        rnd.nextBytes(nonce);
        byte[] raw = key.exposeBytesDangerous();
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(kek, "AES"), new GCMParameterSpec(128, nonce));
            c.updateAAD(AAD);
            byte[] ct = c.doFinal(raw);
            byte[] wrapped = new byte[12 + ct.length];
            System.arraycopy(nonce, 0, wrapped, 0, 12);
            System.arraycopy(ct, 0, wrapped, 12, ct.length);
            return new KeyFile(kdf, salt, wrapped, key.fingerprint(), created, modified, hint);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        } finally {
            Arrays.fill(raw, (byte) 0);
            Arrays.fill(kek, (byte) 0);
        }
    }

    private static byte[] derive(Kdf kdf, char[] passphrase, byte[] salt) {
        ByteBuffer bb = StandardCharsets.UTF_8.encode(CharBuffer.wrap(passphrase));
        byte[] pw = new byte[bb.remaining()];
        bb.get(pw);
        if (bb.hasArray()) {
            Arrays.fill(bb.array(), (byte) 0);
        }
        try {
            return switch (kdf) {
                case ScryptParams p -> SCrypt.generate(pw, salt, p.n(), p.r(), p.p(), 32);
                case Argon2Params a -> {
                    Argon2BytesGenerator g = new Argon2BytesGenerator();
                    g.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id).withVersion(Argon2Parameters.ARGON2_VERSION_13)
                            .withSalt(salt).withMemoryAsKB(a.memoryKib()).withIterations(a.iterations())
                            .withParallelism(a.parallelism()).build());
                    byte[] out = new byte[32];
                    g.generateBytes(pw, out);
                    yield out;
                }
                case NoKdf n -> new byte[32];
            };
        } finally {
            Arrays.fill(pw, (byte) 0);
        }
    }

    /**
     * Unwraps the data key and checks it against the recorded fingerprint. {@code passphrase} is ignored for
     * a key file without one.
     *
     * @throws WrongPassphraseException the passphrase is missing or does not open the file
     * @throws CorruptDataException     the file is damaged (including a fingerprint that does not match)
     */
    public DataKey unwrap(char[] passphrase) {
        byte[] kek;
        if (kdf instanceof NoKdf) {
            kek = new byte[32];
        } else {
            if (passphrase == null) {
                throw new WrongPassphraseException("the key file needs a passphrase" + hintSuffix());
            }
            kek = derive(kdf, passphrase, salt);
        }
        byte[] raw = null;
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(kek, "AES"), new GCMParameterSpec(128, wrapped, 0, 12));
            c.updateAAD(AAD);
            raw = c.doFinal(wrapped, 12, wrapped.length - 12);
            if (raw.length != DataKey.LENGTH) {
                throw new CorruptDataException("key file: the wrapped key has the wrong length");
            }
            DataKey key = DataKey.fromBytesDangerous(raw);
            if (!key.fingerprint().equals(fingerprint)) {
                KeyFingerprint got = key.fingerprint();
                key.close();
                throw new CorruptDataException("key file: the key does not match its recorded fingerprint "
                        + fingerprint + " (the file is damaged); it opens to key " + got);
            }
            return key;
        } catch (AEADBadTagException e) {
            if (kdf instanceof NoKdf) {
                throw new CorruptDataException("key file: the wrapped key is damaged");
            }
            throw new WrongPassphraseException("wrong passphrase for the key file (fingerprint "
                    + fingerprint.shortForm() + ")" + hintSuffix());
        } catch (GeneralSecurityException e) {
            throw new CorruptDataException("key file: the wrapped key cannot be decrypted");
        } finally {
            Arrays.fill(kek, (byte) 0);
            if (raw != null) {
                Arrays.fill(raw, (byte) 0);
            }
        }
    }

    /** The passphrase hint for an error message, on one line. */
    private String hintSuffix() {
        if (hint == null || hint.isBlank()) {
            return "";
        }
        return "; passphrase hint: " + hint.replaceAll("\\p{Cntrl}", " ").strip();
    }

    /** Rebuilds a key file from the parts a paper key carries. */
    static KeyFile fromParts(Kdf kdf, byte[] salt, byte[] wrapped, KeyFingerprint fp, Instant created, String hint) {
        return new KeyFile(kdf, salt, wrapped, fp, created, Instant.now().truncatedTo(ChronoUnit.SECONDS), hint);
    }

    byte[] salt() {
        return salt == null ? null : salt.clone();
    }

    byte[] wrapped() {
        return wrapped.clone();
    }

    public boolean needsPassphrase() {
        return !(kdf instanceof NoKdf);
    }

    public KeyFingerprint fingerprint() {
        return fingerprint;
    }

    public String kdfType() {
        return kdf.type();
    }

    public Kdf kdf() {
        return kdf;
    }

    public Instant created() {
        return created;
    }

    public Instant modified() {
        return modified;
    }

    public String hint() {
        return hint;
    }

    public byte[] toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", "coffer-key");
        o.put("version", 1);
        o.put("created", created.toString());
        o.put("modified", modified.toString());
        ObjectNode k = o.putObject("kdf");
        k.put("type", kdf.type());
        switch (kdf) {
            case ScryptParams p -> {
                k.put("n", p.n());
                k.put("r", p.r());
                k.put("p", p.p());
            }
            case Argon2Params a -> {
                k.put("m", a.memoryKib());
                k.put("t", a.iterations());
                k.put("p", a.parallelism());
            }
            case NoKdf n -> {
            }
        }
        if (salt != null) {
            k.put("salt", Base64.getEncoder().encodeToString(salt));
        }
        o.put("wrapped-key", Base64.getEncoder().encodeToString(wrapped));
        o.put("fingerprint", fingerprint.toString());
        if (hint == null) {
            o.putNull("hint");
        } else {
            o.put("hint", hint);
        }
        try {
            return (JSON.writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses a key file. Unknown members are ignored; duplicate members are refused.
     *
     * @throws CorruptDataException {@code "key file: <what is wrong>"}, for anything that is not a valid
     *                              version-1 key file
     */
    public static KeyFile parse(byte[] json) {
        if (json.length > MAX_SIZE) {
            throw new CorruptDataException("key file: too large to be a key file");
        }
        JsonNode o;
        try {
            o = JSON.readTree(json);
        } catch (IOException | RuntimeException e) { // including Jackson's nesting and size limits
            throw new CorruptDataException("key file: not valid JSON");
        }
        if (o == null || !o.isObject()) {
            throw new CorruptDataException("key file: not a JSON object");
        }
        if (!"coffer-key".equals(text(o, "format"))) {
            throw new CorruptDataException("key file: not a Coffer key file (format is not coffer-key)");
        }
        JsonNode v = o.get("version");
        if (v == null || v.isNull()) {
            throw new CorruptDataException("key file: missing version");
        }
        if (!v.isInt() || v.intValue() != 1) {
            throw new CorruptDataException("key file: unsupported version " + abbreviate(v.toString()));
        }
        JsonNode kdfNode = o.get("kdf");
        if (kdfNode == null || !kdfNode.isObject()) {
            throw new CorruptDataException("key file: missing kdf");
        }
        String type = text(kdfNode, "type");
        Kdf params;
        byte[] salt = null;
        switch (type == null ? "" : type) {
            case "none" -> params = new NoKdf();
            case "scrypt" -> {
                params = new ScryptParams(intField(kdfNode, "n"), intField(kdfNode, "r"), intField(kdfNode, "p"));
                salt = salt(kdfNode);
            }
            case "argon2id" -> {
                params = new Argon2Params(intField(kdfNode, "m"), intField(kdfNode, "t"), intField(kdfNode, "p"));
                salt = salt(kdfNode);
            }
            default -> throw new CorruptDataException(type == null ? "key file: missing kdf.type"
                    : "key file: unknown kdf type " + abbreviate(type));
        }
        String problem = rangeProblem(params);
        if (problem != null) {
            throw new CorruptDataException("key file: " + problem);
        }
        byte[] wrapped = base64(o, "wrapped-key");
        if (wrapped.length != 12 + 32 + 16) {
            throw new CorruptDataException("key file: wrapped-key has a wrong length");
        }
        KeyFingerprint fp;
        try {
            String f = text(o, "fingerprint");
            if (f == null) {
                throw new IllegalArgumentException();
            }
            fp = KeyFingerprint.parse(f);
        } catch (IllegalArgumentException e) {
            throw new CorruptDataException("key file: missing or malformed fingerprint");
        }
        JsonNode h = o.get("hint");
        if (h != null && !h.isNull() && !h.isTextual()) {
            throw new CorruptDataException("key file: hint is not text");
        }
        String hint = h == null || h.isNull() ? null : h.textValue();
        return new KeyFile(params, salt, wrapped, fp, time(o, "created"), time(o, "modified"), hint);
    }

    /** Why KDF parameters are outside what a reader accepts (design.md 1.3), or null when they are fine. */
    static String rangeProblem(Kdf kdf) {
        return switch (kdf) {
            case ScryptParams p -> p.n() < 2 || Integer.bitCount(p.n()) != 1 || p.n() > (1 << 22) || p.r() < 1
                    || p.r() > 32 || p.p() < 1 || p.p() > 16 || 128L * p.n() * p.r() > (1L << 31)
                            ? "scrypt parameters out of range" : null;
            case Argon2Params a -> a.memoryKib() < 8 * a.parallelism() || a.memoryKib() > (4 << 20) || a.iterations() < 1
                    || a.iterations() > 100 || a.parallelism() < 1 || a.parallelism() > 16
                            ? "argon2id parameters out of range" : null;
            case NoKdf n -> null;
        };
    }

    private static String abbreviate(String s) {
        String t = s.replaceAll("\\p{Cntrl}", "?");
        return t.length() <= 40 ? t : t.substring(0, 40) + "...";
    }

    private static byte[] salt(JsonNode kdfNode) {
        byte[] salt = base64(kdfNode, "salt");
        if (salt.length < 16 || salt.length > 64) {
            throw new CorruptDataException("key file: salt has a wrong length");
        }
        return salt;
    }

    private static String text(JsonNode o, String f) {
        JsonNode n = o.get(f);
        return n != null && n.isTextual() ? n.textValue() : null;
    }

    private static int intField(JsonNode o, String f) {
        JsonNode n = o.get(f);
        if (n == null || !n.isInt()) {
            throw new CorruptDataException("key file: kdf." + f + " missing or not an integer");
        }
        return n.intValue();
    }

    private static byte[] base64(JsonNode o, String f) {
        String s = text(o, f);
        if (s == null) {
            throw new CorruptDataException("key file: missing " + f);
        }
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new CorruptDataException("key file: " + f + " is not valid base64");
        }
    }

    /** An RFC 3339 time, kept to the second (the precision key files are written with). */
    private static Instant time(JsonNode o, String f) {
        String s = text(o, f);
        if (s == null) {
            throw new CorruptDataException("key file: missing " + f);
        }
        try {
            return Instant.parse(s).truncatedTo(ChronoUnit.SECONDS);
        } catch (DateTimeParseException e) {
            throw new CorruptDataException("key file: " + f + " is not an RFC 3339 time");
        }
    }

    /**
     * Reads and parses a key file (at most 1 MiB; a pipe such as {@code /dev/fd/3} works too).
     *
     * @throws MissingKeyException  no file at {@code p}
     * @throws CorruptDataException "{@code <path>: key file: …}" when it is not a valid key file
     * @throws CofferException      when it cannot be read
     */
    public static KeyFile read(Path p) {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(p)) {
            bytes = in.readNBytes(MAX_SIZE + 1);
        } catch (NoSuchFileException e) {
            throw new MissingKeyException("no key file at " + p);
        } catch (AccessDeniedException e) {
            throw new CofferException("cannot read key file " + p + ": permission denied");
        } catch (IOException e) {
            throw new CofferException("cannot read key file " + p + ": " + reason(e));
        }
        try {
            return parse(bytes);
        } catch (CorruptDataException e) {
            throw new CorruptDataException(p + ": " + e.getMessage(), e);
        }
    }

    private static String reason(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * Writes the key file atomically: a temporary file in the same directory, created with mode 0600, is
     * written and fsynced, then linked to the name (or, with {@code overwrite}, renamed over it), and the
     * directory is fsynced. Missing parent directories are created with mode 0700, each fsynced into its
     * parent. Overwriting through a symbolic link replaces the file the link leads to and keeps the link.
     *
     * @throws CofferException {@code "key file <path> exists; refusing to overwrite it"}, or the I/O error
     */
    public void write(Path p, boolean overwrite) {
        Path target = p.toAbsolutePath();
        if (!overwrite && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw exists(target);
        }
        try {
            if (overwrite && Files.isSymbolicLink(target)) {
                // replace the file the link points to (a key kept on another disk, say), not the link
                target = target.toRealPath();
            }
        } catch (IOException e) {
            throw new CofferException("cannot write key file " + target + ": it is a symbolic link that leads nowhere ("
                    + reason(e) + ")", "point the link at the key file, or remove it");
        }
        Path dir = target.getParent();
        try {
            if (!Files.isDirectory(dir)) {
                dev.coffer.core.util.DurableDirs.create(dir, PosixFilePermissions.fromString("rwx------"));
            }
            Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + HexFormat.of().toHexDigits(new SecureRandom().nextLong()));
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ByteBuffer b = ByteBuffer.wrap(toJson());
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                    ch.force(true);
                }
                if (overwrite) {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } else {
                    try {
                        Files.createLink(target, tmp); // fails if the name exists, even if created meanwhile
                    } catch (FileAlreadyExistsException e) {
                        throw exists(target);
                    } catch (FileSystemException | UnsupportedOperationException e) {
                        // no hard links here (a FAT-formatted USB stick, say): check, then rename
                        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                            throw exists(target);
                        }
                        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                    }
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            dev.coffer.core.util.DurableDirs.fsync(dir); // let be where the file system refuses: the file itself is synced
        } catch (IOException e) {
            throw new CofferException("cannot write key file " + target + ": " + reason(e));
        }
    }

    private static CofferException exists(Path target) {
        return new CofferException("key file " + target + " exists; refusing to overwrite it",
                "choose another path, or remove the old file if you are sure no backup needs its key");
    }

    @Override
    public String toString() {
        return "KeyFile[" + kdf.type() + ", " + fingerprint.shortForm() + "]";
    }
}
