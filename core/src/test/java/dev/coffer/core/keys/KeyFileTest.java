package dev.coffer.core.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.DataKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFileTest {
    static final KeyFile.ScryptParams FAST = new KeyFile.ScryptParams(1024, 8, 1);

    @TempDir
    Path tmp;

    @Test
    void passphraseRoundTripAndWrongPassphrase() {
        DataKey k = DataKey.generate();
        KeyFile kf = KeyFile.parse(KeyFile.create(k, "correct horse".toCharArray(), FAST, "horse").toJson());
        assertThat(kf.kdfType()).isEqualTo("scrypt");
        assertThat(kf.needsPassphrase()).isTrue();
        assertThat(kf.hint()).isEqualTo("horse");
        assertThat(kf.fingerprint()).isEqualTo(k.fingerprint());
        try (DataKey back = kf.unwrap("correct horse".toCharArray())) {
            assertThat(back.exposeBytesDangerous()).isEqualTo(k.exposeBytesDangerous());
        }
        assertThatThrownBy(() -> kf.unwrap("wrong horse".toCharArray())).isInstanceOf(WrongPassphraseException.class)
                .hasMessageStartingWith("wrong passphrase for the key file");
        assertThatThrownBy(() -> kf.unwrap(null)).isInstanceOf(WrongPassphraseException.class);
    }

    @Test
    void noPassphraseAndRewrapKeepTheFingerprint() {
        DataKey k = DataKey.generate();
        KeyFile none = KeyFile.create(k, null, null);
        assertThat(none.needsPassphrase()).isFalse();
        assertThat(new String(none.toJson(), StandardCharsets.UTF_8)).doesNotContain("salt");
        KeyFile re = none.rewrap(k, "new passphrase".toCharArray(), FAST, null);
        assertThat(re.fingerprint()).isEqualTo(none.fingerprint());
        assertThat(re.created()).isEqualTo(none.created());
        try (DataKey back = KeyFile.parse(re.toJson()).unwrap("new passphrase".toCharArray())) {
            assertThat(back.fingerprint()).isEqualTo(k.fingerprint());
        }
    }

    @Test
    void writesMode0600AtomicallyAndRefusesToOverwrite() throws Exception {
        Path p = tmp.resolve("deep/dir/key.json");
        KeyFile kf = KeyFile.create(DataKey.generate(), null, null);
        kf.write(p, false);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p.getParent()))).isEqualTo("rwx------");
        byte[] before = Files.readAllBytes(p);
        assertThatThrownBy(() -> KeyFile.create(DataKey.generate(), null, null).write(p, false))
                .isInstanceOf(CofferException.class).hasMessage("key file " + p + " exists; refusing to overwrite it");
        assertThat(Files.readAllBytes(p)).isEqualTo(before);
        try (var s = Files.list(p.getParent())) {
            assertThat(s.count()).isEqualTo(1);
        }
        assertThat(KeyFile.read(p).fingerprint()).isEqualTo(kf.fingerprint());
        assertThatThrownBy(() -> KeyFile.read(tmp.resolve("nope.json"))).isInstanceOf(MissingKeyException.class)
                .hasMessage("no key file at " + tmp.resolve("nope.json"));
    }

    @Test
    void damagedKeyFilesGiveClearErrors() {
        DataKey k = DataKey.generate();
        String json = new String(KeyFile.create(k, "passphrase!".toCharArray(), FAST, null).toJson(), StandardCharsets.UTF_8);
        String[][] cases = {
            {"{", "key file: not valid JSON"},
            {"[]", "key file: not a JSON object"},
            {json.replace("coffer-key", "other"), "key file: not a Coffer key file (format is not coffer-key)"},
            {json.replace("\"version\" : 1", "\"version\" : 2"), "key file: unsupported version 2"},
            {json.replace("\"scrypt\"", "\"rot13\""), "key file: unknown kdf type rot13"},
            {json.replace("\"n\" : 1024", "\"n\" : 1000"), "key file: scrypt parameters out of range"},
            {json.replace("\"n\" : 1024", "\"n\" : 1073741824"), "key file: scrypt parameters out of range"},
            {json.replaceFirst("\"wrapped-key\" : \"[^\"]*\"", "\"wrapped-key\" : \"!!\""), "key file: wrapped-key is not valid base64"},
            {json.replaceFirst("\"wrapped-key\" : \"[^\"]*\"", "\"wrapped-key\" : \"AAAA\""), "key file: wrapped-key has a wrong length"},
            {json.replaceFirst("\"fingerprint\" : \"[^\"]*\"", "\"fingerprint\" : \"ab\""), "key file: missing or malformed fingerprint"},
            {json.replaceFirst("\"created\" : \"[^\"]*\"", "\"created\" : \"yesterday\""), "key file: created is not an RFC 3339 time"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> KeyFile.parse(c[0].getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(CorruptDataException.class).hasMessage(c[1]);
        }
        // a fingerprint that belongs to another key: the file is damaged, said plainly
        String other = DataKey.generate().fingerprint().toString();
        String swapped = json.replaceFirst("\"fingerprint\" : \"[^\"]*\"", "\"fingerprint\" : \"" + other + "\"");
        KeyFile kf = KeyFile.parse(swapped.getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> kf.unwrap("passphrase!".toCharArray())).isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("does not match its recorded fingerprint");
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
    }
}
