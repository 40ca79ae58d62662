package dev.coffer.core.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.DataKey;
import dev.coffer.core.util.Hex;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFileTest {
    static final KeyFile.ScryptParams FAST = new KeyFile.ScryptParams(1024, 8, 1);

    @TempDir
    Path tmp;

    private static String json(KeyFile kf) {
        return new String(kf.toJson(), StandardCharsets.UTF_8);
    }

    private static KeyFile parse(String s) {
        return KeyFile.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void passphraseRoundTripAndWrongPassphrase() {
        DataKey k = DataKey.generate();
        KeyFile kf = KeyFile.parse(KeyFile.create(k, "correct horse".toCharArray(), FAST, "horse").toJson());
        assertThat(kf.kdfType()).isEqualTo("scrypt");
        assertThat(kf.kdf()).isEqualTo(FAST);
        assertThat(kf.needsPassphrase()).isTrue();
        assertThat(kf.hint()).isEqualTo("horse");
        assertThat(kf.fingerprint()).isEqualTo(k.fingerprint());
        assertThat(kf.created()).isEqualTo(kf.modified()).isBeforeOrEqualTo(Instant.now());
        try (DataKey back = kf.unwrap("correct horse".toCharArray())) {
            assertThat(back.exposeBytesDangerous()).isEqualTo(k.exposeBytesDangerous());
        }
        assertThatThrownBy(() -> kf.unwrap("wrong horse".toCharArray())).isExactlyInstanceOf(WrongPassphraseException.class)
                .hasMessage("wrong passphrase for the key file (fingerprint " + k.fingerprint().shortForm()
                        + "); passphrase hint: horse");
        assertThatThrownBy(() -> kf.unwrap(null)).isExactlyInstanceOf(WrongPassphraseException.class)
                .hasMessage("the key file needs a passphrase; passphrase hint: horse");
        assertThatThrownBy(() -> kf.unwrap(new char[0])).isExactlyInstanceOf(WrongPassphraseException.class);
        assertThat(((CofferException) org.assertj.core.api.Assertions.catchThrowable(() -> kf.unwrap("x".toCharArray()))).hint())
                .contains("COFFER_KEY_PASSPHRASE");
        // a hint cannot break the one-line message
        KeyFile twoLines = KeyFile.create(k, "p".toCharArray(), FAST, "line one\nline two");
        assertThatThrownBy(() -> twoLines.unwrap("q".toCharArray())).hasMessageEndingWith("passphrase hint: line one line two");
        // non-ASCII passphrases are UTF-8
        KeyFile utf8 = KeyFile.create(k, "pässwörd ✓".toCharArray(), FAST, null);
        try (DataKey back = KeyFile.parse(utf8.toJson()).unwrap("pässwörd ✓".toCharArray())) {
            assertThat(back.fingerprint()).isEqualTo(k.fingerprint());
        }
        assertThatThrownBy(() -> utf8.unwrap("passwort ✓".toCharArray())).isInstanceOf(WrongPassphraseException.class)
                .hasMessage("wrong passphrase for the key file (fingerprint " + k.fingerprint().shortForm() + ")");
    }

    @Test
    void defaultsAreScryptWithTheSpecParameters() {
        DataKey k = DataKey.generate();
        KeyFile kf = KeyFile.create(k, "pw".toCharArray(), null);
        assertThat(kf.kdf()).isEqualTo(new KeyFile.ScryptParams(32768, 8, 1));
        JsonNode kdf = tree(kf).get("kdf");
        assertThat(Base64.getDecoder().decode(kdf.get("salt").asText())).hasSize(16);
        assertThat(Base64.getDecoder().decode(tree(kf).get("wrapped-key").asText())).hasSize(60);
        try (DataKey back = kf.unwrap("pw".toCharArray())) {
            assertThat(back.fingerprint()).isEqualTo(k.fingerprint());
        }
    }

    private static JsonNode tree(KeyFile kf) {
        try {
            return new ObjectMapper().readTree(kf.toJson());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void overwritingThroughADanglingLinkIsRefusedAndWritesNothing() throws Exception {
        KeyFile kf = KeyFile.create(DataKey.generate(), null, null);
        Path target = tmp.resolve("vault/missing.json");
        Path link = Files.createSymbolicLink(tmp.resolve("key.json"), target);
        assertThatThrownBy(() -> kf.write(link, true)).isInstanceOf(CofferException.class)
                .hasMessageStartingWith("cannot write key file " + link + ": it is a symbolic link that leads nowhere");
        assertThat(target).doesNotExist();
        assertThat(target.getParent()).doesNotExist();
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readSymbolicLink(link)).isEqualTo(target);
    }

    @Test
    void jsonHasTheSpecifiedFieldsInAStableOrder() {
        KeyFile kf = KeyFile.create(DataKey.generate(), "pw".toCharArray(), FAST, null);
        List<String> names = new ArrayList<>();
        tree(kf).fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactly("format", "version", "created", "modified", "kdf", "wrapped-key", "fingerprint", "hint");
        List<String> kdfNames = new ArrayList<>();
        tree(kf).get("kdf").fieldNames().forEachRemaining(kdfNames::add);
        assertThat(kdfNames).containsExactly("type", "n", "r", "p", "salt");
        assertThat(tree(kf).get("hint").isNull()).isTrue();
        assertThat(tree(kf).get("created").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(json(kf)).endsWith("}\n").contains("\n  \"format\"");
        assertThat(json(KeyFile.parse(kf.toJson()))).isEqualTo(json(kf));
        assertThat(kf.toString()).isEqualTo("KeyFile[scrypt, " + kf.fingerprint().shortForm() + "]");
    }

    @Test
    void noPassphraseAndRewrapKeepTheFingerprint() {
        DataKey k = DataKey.generate();
        KeyFile none = KeyFile.create(k, null, null);
        assertThat(none.needsPassphrase()).isFalse();
        assertThat(none.kdfType()).isEqualTo("none");
        assertThat(json(none)).doesNotContain("salt");
        try (DataKey back = KeyFile.parse(none.toJson()).unwrap("ignored".toCharArray())) {
            assertThat(back.exposeBytesDangerous()).isEqualTo(k.exposeBytesDangerous());
        }
        try (DataKey back = none.unwrap(null)) {
            assertThat(back.fingerprint()).isEqualTo(k.fingerprint());
        }
        KeyFile re = none.rewrap(k, "new passphrase".toCharArray(), FAST, null);
        assertThat(re.fingerprint()).isEqualTo(none.fingerprint());
        assertThat(re.created()).isEqualTo(none.created());
        assertThat(re.modified()).isAfterOrEqualTo(none.modified());
        try (DataKey back = KeyFile.parse(re.toJson()).unwrap("new passphrase".toCharArray())) {
            assertThat(back.fingerprint()).isEqualTo(k.fingerprint());
        }
        // the three-argument form keeps the current KDF, and goes to none without a passphrase
        KeyFile again = re.rewrap(k, "third".toCharArray(), "h");
        assertThat(again.kdf()).isEqualTo(FAST);
        assertThat(again.hint()).isEqualTo("h");
        assertThat(again.created()).isEqualTo(none.created());
        assertThat(tree(again).get("kdf").get("salt").asText()).isNotEqualTo(tree(re).get("kdf").get("salt").asText());
        assertThat(again.rewrap(k, null, null).kdfType()).isEqualTo("none");
        assertThatThrownBy(() -> again.rewrap(DataKey.generate(), "x".toCharArray(), FAST, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void writesMode0600AtomicallyAndRefusesToOverwrite() throws Exception {
        Path p = tmp.resolve("deep/dir/key.json");
        KeyFile kf = KeyFile.create(DataKey.generate(), null, null);
        kf.write(p, false);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p.getParent()))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p.getParent().getParent()))).isEqualTo("rwx------");
        assertThat(Files.readAllBytes(p)).isEqualTo(kf.toJson());
        byte[] before = Files.readAllBytes(p);
        assertThatThrownBy(() -> KeyFile.create(DataKey.generate(), null, null).write(p, false))
                .isExactlyInstanceOf(CofferException.class).hasMessage("key file " + p + " exists; refusing to overwrite it");
        assertThat(Files.readAllBytes(p)).isEqualTo(before);
        try (var s = Files.list(p.getParent())) {
            assertThat(s.toList()).containsExactly(p);
        }
        assertThat(KeyFile.read(p).fingerprint()).isEqualTo(kf.fingerprint());
        // a dangling symlink counts as an existing file
        Path link = tmp.resolve("link.json");
        Files.createSymbolicLink(link, tmp.resolve("nowhere"));
        assertThatThrownBy(() -> kf.write(link, false)).hasMessageContaining("refusing to overwrite");
        // overwrite replaces, still 0600, and leaves no temporary file
        KeyFile other = KeyFile.create(DataKey.generate(), null, null);
        other.write(p, true);
        assertThat(KeyFile.read(p).fingerprint()).isEqualTo(other.fingerprint());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).isEqualTo("rw-------");
        try (var s = Files.list(p.getParent())) {
            assertThat(s.toList()).containsExactly(p);
        }
        // a relative path works too
        Path rel = Path.of("").toAbsolutePath().relativize(tmp.resolve("rel.json"));
        kf.write(rel, false);
        assertThat(KeyFile.read(rel).fingerprint()).isEqualTo(kf.fingerprint());
    }

    @Test
    void readingProblemsAreReportedPlainly() throws Exception {
        Path missing = tmp.resolve("nope.json");
        assertThatThrownBy(() -> KeyFile.read(missing)).isExactlyInstanceOf(MissingKeyException.class)
                .hasMessage("no key file at " + missing)
                .satisfies(e -> assertThat(((CofferException) e).hint()).contains("COFFER_KEYFILE").contains("coffer key create"));
        assertThatThrownBy(() -> KeyFile.read(tmp)).isExactlyInstanceOf(CofferException.class)
                .hasMessage("cannot read key file " + tmp + ": Is a directory");
        Path garbage = tmp.resolve("garbage.json");
        Files.writeString(garbage, "hello");
        assertThatThrownBy(() -> KeyFile.read(garbage)).isExactlyInstanceOf(CorruptDataException.class)
                .hasMessage(garbage + ": key file: not valid JSON");
        Path big = tmp.resolve("big.json");
        Files.write(big, new byte[(1 << 20) + 1]);
        assertThatThrownBy(() -> KeyFile.read(big)).isExactlyInstanceOf(CorruptDataException.class)
                .hasMessage(big + ": key file: too large to be a key file");
        if (!"root".equals(System.getProperty("user.name"))) {
            Path locked = tmp.resolve("locked.json");
            KeyFile.create(DataKey.generate(), null, null).write(locked, false);
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
            assertThatThrownBy(() -> KeyFile.read(locked)).isExactlyInstanceOf(CofferException.class)
                    .hasMessage("cannot read key file " + locked + ": permission denied");
        }
    }

    @Test
    void damagedKeyFilesGiveClearErrors() {
        DataKey k = DataKey.generate();
        String json = json(KeyFile.create(k, "passphrase!".toCharArray(), FAST, null));
        String argon = json(KeyFile.create(k, "passphrase!".toCharArray(), new KeyFile.Argon2Params(64, 1, 1), null));
        String none = json(KeyFile.create(k, null, null));
        String salt = "\"salt\" : \"[^\"]*\"";
        String[][] cases = {
            {"", "key file: not a JSON object"},
            {"{", "key file: not valid JSON"},
            {"[]", "key file: not a JSON object"},
            {"\"coffer-key\"", "key file: not a JSON object"},
            {json + " {}", "key file: not valid JSON"},
            {json.replace("\"version\" : 1,", "\"version\" : 1, \"version\" : 1,"), "key file: not valid JSON"},
            {json.replace("coffer-key", "other"), "key file: not a Coffer key file (format is not coffer-key)"},
            {json.replace("\"format\" : \"coffer-key\",", ""), "key file: not a Coffer key file (format is not coffer-key)"},
            {json.replace("\"version\" : 1", "\"version\" : 2"), "key file: unsupported version 2"},
            {json.replace("\"version\" : 1", "\"version\" : \"1\""), "key file: unsupported version \"1\""},
            {json.replace("\"version\" : 1", "\"version\" : 1.0"), "key file: unsupported version 1.0"},
            {json.replace("\"version\" : 1,", ""), "key file: missing version"},
            {json.replaceFirst("\"kdf\" : \\{[^}]*},", ""), "key file: missing kdf"},
            {json.replace("\"type\" : \"scrypt\",", ""), "key file: missing kdf.type"},
            {json.replace("\"scrypt\"", "\"rot13\""), "key file: unknown kdf type rot13"},
            {json.replace("\"n\" : 1024,", ""), "key file: kdf.n missing or not an integer"},
            {json.replace("\"n\" : 1024", "\"n\" : \"1024\""), "key file: kdf.n missing or not an integer"},
            {json.replace("\"n\" : 1024", "\"n\" : 1000"), "key file: scrypt parameters out of range"},
            {json.replace("\"n\" : 1024", "\"n\" : 1"), "key file: scrypt parameters out of range"},
            {json.replace("\"n\" : 1024", "\"n\" : 8388608"), "key file: scrypt parameters out of range"},
            {json.replace("\"n\" : 1024", "\"n\" : 1073741824"), "key file: scrypt parameters out of range"},
            {json.replace("\"n\" : 1024", "\"n\" : 4194304"), "key file: scrypt parameters out of range"}, // 128·N·r > 2^31
            {json.replace("\"r\" : 8", "\"r\" : 33"), "key file: scrypt parameters out of range"},
            {json.replace("\"p\" : 1", "\"p\" : 0"), "key file: scrypt parameters out of range"},
            {json.replace("\"p\" : 1", "\"p\" : 17"), "key file: scrypt parameters out of range"},
            {json.replaceFirst(salt + ",?", "").replace("\"p\" : 1,", "\"p\" : 1"), "key file: missing salt"},
            {json.replaceFirst(salt, "\"salt\" : \"@@\""), "key file: salt is not valid base64"},
            {json.replaceFirst(salt, "\"salt\" : \"AAAAAAAAAAAAAAAAAAAA\""), "key file: salt has a wrong length"},
            {json.replaceFirst(salt, "\"salt\" : \"" + "A".repeat(88) + "\""), "key file: salt has a wrong length"},
            {argon.replace("\"m\" : 64", "\"m\" : 7"), "key file: argon2id parameters out of range"},
            {argon.replace("\"t\" : 1", "\"t\" : 0"), "key file: argon2id parameters out of range"},
            {argon.replace("\"t\" : 1", "\"t\" : 101"), "key file: argon2id parameters out of range"},
            {argon.replace("\"p\" : 1", "\"p\" : 9"), "key file: argon2id parameters out of range"}, // m < 8p
            {argon.replace("\"m\" : 64", "\"m\" : 4194305"), "key file: argon2id parameters out of range"},
            {json.replaceFirst("\"wrapped-key\" : \"[^\"]*\",", ""), "key file: missing wrapped-key"},
            {json.replaceFirst("\"wrapped-key\" : \"[^\"]*\"", "\"wrapped-key\" : \"!!\""), "key file: wrapped-key is not valid base64"},
            {json.replaceFirst("\"wrapped-key\" : \"[^\"]*\"", "\"wrapped-key\" : 5"), "key file: missing wrapped-key"},
            {json.replaceFirst("\"wrapped-key\" : \"[^\"]*\"", "\"wrapped-key\" : \"AAAA\""), "key file: wrapped-key has a wrong length"},
            {json.replaceFirst("\"fingerprint\" : \"[^\"]*\"", "\"fingerprint\" : \"ab\""), "key file: missing or malformed fingerprint"},
            {json.replaceFirst("\"fingerprint\" : \"[^\"]*\",", ""), "key file: missing or malformed fingerprint"},
            {json.replaceFirst("\"fingerprint\" : \"(..):", "\"fingerprint\" : \"$1-"), "key file: missing or malformed fingerprint"},
            {json.replaceFirst("\"fingerprint\" : \"(.)", "\"fingerprint\" : \"g"), "key file: missing or malformed fingerprint"},
            {json.replaceFirst("\"created\" : \"[^\"]*\"", "\"created\" : \"yesterday\""), "key file: created is not an RFC 3339 time"},
            {json.replaceFirst("\"created\" : \"[^\"]*\",", ""), "key file: missing created"},
            {json.replaceFirst("\"modified\" : \"[^\"]*\"", "\"modified\" : 17"), "key file: missing modified"},
            {json.replace("\"hint\" : null", "\"hint\" : 5"), "key file: hint is not text"},
            {"{\"format\":\"coffer-key\",\"version\":1,\"kdf\":{\"type\":\"x\\u0001" + "y".repeat(100) + "\"}}",
                "key file: unknown kdf type x?" + "y".repeat(38) + "..."},
        };
        for (String[] c : cases) {
            assertThat(c[0]).as("the damage was applied for: " + c[1]).isNotEqualTo(json);
            assertThatThrownBy(() -> parse(c[0])).as(c[1]).isExactlyInstanceOf(CorruptDataException.class).hasMessage(c[1]);
        }
        assertThatThrownBy(() -> KeyFile.parse(new byte[(1 << 20) + 1])).hasMessage("key file: too large to be a key file");
        assertThatThrownBy(() -> KeyFile.parse(new byte[] {(byte) 0xff, (byte) 0xfe, 0})).isExactlyInstanceOf(CorruptDataException.class);
        assertThatThrownBy(() -> parse("[".repeat(5000))).isExactlyInstanceOf(CorruptDataException.class);
        // unknown members are ignored, none keeps no salt, fractional seconds are dropped
        assertThat(parse(json.replace("\"hint\" : null", "\"hint\" : null, \"future\" : {\"x\" : [1]}")).fingerprint())
                .isEqualTo(k.fingerprint());
        assertThat(parse(none.replace("\"type\" : \"none\"", "\"type\" : \"none\", \"salt\" : 1")).needsPassphrase()).isFalse();
        assertThat(parse(json.replaceFirst("\"created\" : \"([^\"]*)Z\"", "\"created\" : \"$1.75Z\"")).created().getNano()).isZero();
        String fp = k.fingerprint().toString();
        assertThat(parse(json.replace(fp, fp.toUpperCase(java.util.Locale.ROOT))).fingerprint()).isEqualTo(k.fingerprint());
    }

    @Test
    void damageFoundOnlyWhenUnwrapping() {
        DataKey k = DataKey.generate();
        String json = json(KeyFile.create(k, "passphrase!".toCharArray(), FAST, null));
        // a fingerprint that belongs to another key: the file is damaged, said plainly
        String other = DataKey.generate().fingerprint().toString();
        KeyFile swapped = parse(json.replaceFirst("\"fingerprint\" : \"[^\"]*\"", "\"fingerprint\" : \"" + other + "\""));
        assertThatThrownBy(() -> swapped.unwrap("passphrase!".toCharArray())).isExactlyInstanceOf(CorruptDataException.class)
                .hasMessage("key file: the key does not match its recorded fingerprint " + other + " (the file is damaged); it opens to key "
                        + k.fingerprint());
        String none = json(KeyFile.create(k, null, null));
        KeyFile noneSwapped = parse(none.replaceFirst("\"fingerprint\" : \"[^\"]*\"", "\"fingerprint\" : \"" + other + "\""));
        assertThatThrownBy(() -> noneSwapped.unwrap(null)).isExactlyInstanceOf(CorruptDataException.class)
                .hasMessageContaining("does not match its recorded fingerprint");
        // a damaged wrapped key: without a passphrase that is corruption; with one it looks like a wrong passphrase
        KeyFile noneDamaged = parse(flipWrapped(none));
        assertThatThrownBy(() -> noneDamaged.unwrap(null)).isExactlyInstanceOf(CorruptDataException.class)
                .hasMessage("key file: the wrapped key is damaged");
        KeyFile damaged = parse(flipWrapped(json));
        assertThatThrownBy(() -> damaged.unwrap("passphrase!".toCharArray())).isExactlyInstanceOf(WrongPassphraseException.class);
        // another salt gives another key-encryption key
        KeyFile salted = parse(json.replaceFirst("\"salt\" : \"[^\"]*\"", "\"salt\" : \"" + Base64.getEncoder().encodeToString(new byte[16]) + "\""));
        assertThatThrownBy(() -> salted.unwrap("passphrase!".toCharArray())).isExactlyInstanceOf(WrongPassphraseException.class);
    }

    private static String flipWrapped(String json) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"wrapped-key\" : \"([^\"]*)\"").matcher(json);
        assertThat(m.find()).isTrue();
        byte[] w = Base64.getDecoder().decode(m.group(1));
        w[20] ^= 1;
        return json.replace(m.group(1), Base64.getEncoder().encodeToString(w));
    }

    @Test
    void argon2idWrapsAndRewrapsBetweenKdfs() {
        DataKey k = DataKey.generate();
        KeyFile a = KeyFile.create(k, "argon passphrase".toCharArray(), new KeyFile.Argon2Params(1024, 2, 1), "a");
        KeyFile parsed = KeyFile.parse(a.toJson());
        assertThat(parsed.kdfType()).isEqualTo("argon2id");
        assertThat(parsed.kdf()).isEqualTo(new KeyFile.Argon2Params(1024, 2, 1));
        try (DataKey back = parsed.unwrap("argon passphrase".toCharArray())) {
            assertThat(back.fingerprint()).isEqualTo(k.fingerprint());
        }
        assertThatThrownBy(() -> parsed.unwrap("scrypt passphrase".toCharArray())).isInstanceOf(WrongPassphraseException.class);
        KeyFile s = parsed.rewrap(k, "scrypt passphrase".toCharArray(), FAST, null);
        assertThat(s.kdfType()).isEqualTo("scrypt");
        assertThat(s.fingerprint()).isEqualTo(k.fingerprint());
        KeyFile none = s.rewrap(k, null, new KeyFile.NoKdf(), null);
        assertThat(none.needsPassphrase()).isFalse();
        assertThatThrownBy(() -> KeyFile.create(k, null, FAST, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KeyFile.create(k, "x".toCharArray(), new KeyFile.NoKdf(), null)).isInstanceOf(IllegalArgumentException.class);
        // the writer refuses parameters the reader would refuse
        assertThatThrownBy(() -> KeyFile.create(k, "x".toCharArray(), new KeyFile.ScryptParams(1000, 8, 1), null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KeyFile.create(k, "x".toCharArray(), new KeyFile.Argon2Params(8, 1, 2), null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(KeyFile.kdfNamed("argon2id")).isEqualTo(KeyFile.Argon2Params.DEFAULT);
        assertThatThrownBy(() -> KeyFile.kdfNamed("md5")).isInstanceOf(CofferException.class);
    }

    @Test
    void noSecretInTheJson() {
        DataKey k = DataKey.generate();
        String hex = Hex.encode(k.exposeBytesDangerous());
        String b64 = Base64.getEncoder().encodeToString(k.exposeBytesDangerous());
        for (KeyFile kf : List.of(KeyFile.create(k, null, null), KeyFile.create(k, "secret passphrase".toCharArray(), FAST, null))) {
            String s = json(kf);
            assertThat(s).doesNotContain(hex).doesNotContain(b64).doesNotContain("secret passphrase");
            assertThat(kf.toString()).doesNotContain(hex);
        }
    }
}
