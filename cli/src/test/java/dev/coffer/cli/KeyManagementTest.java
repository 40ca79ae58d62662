package dev.coffer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way back to a lost key, end to end, each recovery on a "new host" (fresh home and key paths). */
class KeyManagementTest {
    @TempDir
    Path tmp;
    Path src;
    Path ds;

    @BeforeEach
    void tree() throws Exception {
        src = tmp.resolve("src");
        Trees.write(src.resolve("doc/a.txt"), ("important " + Trees.DISTINCTIVE).getBytes(StandardCharsets.UTF_8));
        Trees.write(src.resolve("bin/b"), Trees.random(11, 300_000));
        ds = tmp.resolve("ds");
    }

    private static Cli.Result ok(Cli.Result r) {
        assertThat(r.code()).as(r.toString()).isZero();
        return r;
    }

    private static String fingerprint(Path keyFile) throws Exception {
        Cli.Result r = ok(Cli.run("key", "show", "--output-format", "json", "--keyfile", keyFile.toString()));
        return new ObjectMapper().readTree(r.out()).get("fingerprint").asText();
    }

    private void backup(Path key) {
        ok(Cli.run("backup", "s.cfar:" + src, "--backup-id", "h", "--repository", ds.toString(), "--keyfile",
                key.toString(), "--quiet"));
    }

    private void assertRestores(Path key, String target) {
        Path out = tmp.resolve(target);
        ok(Cli.run("restore", "latest", "s.cfar", out.toString(), "--repository", ds.toString(), "--keyfile",
                key.toString(), "--quiet"));
        Trees.assertSameTree(src, out);
    }

    @Test
    void paperKeyTypedBackRestoresAndAMistypedLineIsNamed() throws Exception {
        Path key = tmp.resolve("key.json");
        ok(Cli.run("key", "create", "--kdf", "none", "--keyfile", key.toString()));
        backup(key);
        Cli.Result paper = ok(Cli.run("key", "paperkey", "--keyfile", key.toString()));
        assertThat(paper.out()).contains(fingerprint(key)).contains("KEY 01/").contains("\u2588");
        // a person types only the block lines back
        List<String> typed = new ArrayList<>();
        for (String l : paper.out().split("\n")) {
            if (l.startsWith("KEY ")) {
                typed.add(l);
            }
        }
        assertThat(typed).hasSizeGreaterThan(3);
        Path typedFile = tmp.resolve("typed.txt");
        Files.write(typedFile, typed);
        Path newKey = tmp.resolve("newhost/key.json");
        ok(Cli.run("key", "import", "--paper", typedFile.toString(), "--keyfile", newKey.toString()));
        assertThat(fingerprint(newKey)).isEqualTo(fingerprint(key));
        assertRestores(newKey, "restored");

        // one mistyped character on the third line
        String line3 = typed.get(2);
        typed.set(2, mistype(line3, line3.indexOf(':') + 3, "01"));
        Files.write(typedFile, typed);
        Path other = tmp.resolve("other/key.json");
        Cli.Result bad = Cli.run("key", "import", "--paper", typedFile.toString(), "--keyfile", other.toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("paper key: line 3: checksum mismatch");
        assertThat(other).doesNotExist();
        // a missing line is named too
        typed.set(2, line3);
        typed.remove(1);
        Files.write(typedFile, typed);
        Cli.Result missing = Cli.run("key", "import", "--paper", typedFile.toString(), "--keyfile", other.toString());
        assertThat(missing.err()).contains("line 2 of").contains("is missing");
        // import never overwrites
        Cli.Result again = Cli.run("key", "import", "--paper", tmp.resolve("typed.txt").toString(), "--keyfile", key.toString());
        assertThat(again.code()).isEqualTo(1);
    }

    @Test
    void paperKeyQrDecodesWithAnIndependentReaderAndWithImportQr() throws Exception {
        Path key = tmp.resolve("key.json");
        ok(Cli.run("key", "create", "--kdf", "none", "--keyfile", key.toString()));
        Path png = tmp.resolve("key.png");
        ok(Cli.run("key", "paperkey", "--output-format", "png", "--output", png.toString(), "--keyfile", key.toString()));
        Path viaQr = tmp.resolve("qr/key.json");
        ok(Cli.run("key", "import", "--qr", png.toString(), "--keyfile", viaQr.toString()));
        assertThat(fingerprint(viaQr)).isEqualTo(fingerprint(key));

        Path html = tmp.resolve("key.html");
        ok(Cli.run("key", "paperkey", "--output-format", "html", "--output", html.toString(), "--keyfile", key.toString()));
        assertThat(Files.readString(html)).contains(fingerprint(key)).contains("data:image/png;base64,");
        assertThat(Files.getPosixFilePermissions(html)).hasSize(2);

        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/zbarimg")), "zbarimg (zbar-tools) not installed");
        Process z = new ProcessBuilder("zbarimg", "--raw", "-q", png.toString()).start();
        String decoded = new String(z.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(z.waitFor()).isZero();
        assertThat(decoded).startsWith("COFFER-KEY:");
        Path decodedFile = tmp.resolve("decoded.txt");
        Files.writeString(decodedFile, decoded);
        Path viaZbar = tmp.resolve("zbar/key.json");
        ok(Cli.run("key", "import", "--paper", decodedFile.toString(), "--keyfile", viaZbar.toString()));
        assertThat(fingerprint(viaZbar)).isEqualTo(fingerprint(key));
    }

    @Test
    void everyThreeOfFiveSharesRebuildTheKeyAndTwoDoNot() throws Exception {
        Path key = tmp.resolve("key.json");
        ok(Cli.run("key", "create", "--kdf", "none", "--keyfile", key.toString()));
        String fp = fingerprint(key);
        Path shares = tmp.resolve("shares");
        ok(Cli.run("key", "split", "--shares", "5", "--threshold", "3", "--output-dir", shares.toString(), "--keyfile",
                key.toString()));
        assertThat(Files.readString(shares.resolve("share-2-of-5.txt"))).contains("share 2 of 5, any 3 recover the key")
                .contains(fp);
        int subsets = 0;
        for (int a = 1; a <= 5; a++) {
            for (int b = a + 1; b <= 5; b++) {
                for (int c = b + 1; c <= 5; c++) {
                    Path out = tmp.resolve("combined-" + a + b + c + ".json");
                    ok(Cli.run("key", "combine", share(shares, a), share(shares, b), share(shares, c), "--kdf", "none",
                            "--keyfile", out.toString()));
                    assertThat(fingerprint(out)).isEqualTo(fp);
                    subsets++;
                }
            }
        }
        assertThat(subsets).isEqualTo(10);
        // from the QR images as well
        Path fromPng = tmp.resolve("png.json");
        ok(Cli.run("key", "combine", shares.resolve("share-1-of-5.png").toString(), shares.resolve("share-4-of-5.png").toString(),
                shares.resolve("share-5-of-5.png").toString(), "--kdf", "none", "--keyfile", fromPng.toString()));
        assertThat(fingerprint(fromPng)).isEqualTo(fp);
        for (int a = 1; a <= 5; a++) {
            for (int b = a + 1; b <= 5; b++) {
                Path out = tmp.resolve("two.json");
                Cli.Result two = Cli.run("key", "combine", share(shares, a), share(shares, b), "--kdf", "none",
                        "--keyfile", out.toString());
                assertThat(two.code()).isEqualTo(1);
                assertThat(two.err()).contains("3 shares are needed to recover key").contains(", 2 given");
                assertThat(out).doesNotExist();
            }
        }
        // shares of another key, a repeated share, a damaged share
        Path other = tmp.resolve("other.json");
        ok(Cli.run("key", "create", "--kdf", "none", "--keyfile", other.toString()));
        Path otherShares = tmp.resolve("other-shares");
        ok(Cli.run("key", "split", "--shares", "3", "--threshold", "2", "--output-dir", otherShares.toString(),
                "--keyfile", other.toString()));
        Cli.Result mixed = Cli.run("key", "combine", share(shares, 1), share(shares, 2),
                otherShares.resolve("share-1-of-3.txt").toString(), "--kdf", "none", "--keyfile", tmp.resolve("m.json").toString());
        assertThat(mixed.err()).contains("the shares belong to different keys");
        Cli.Result twice = Cli.run("key", "combine", share(shares, 1), share(shares, 1), share(shares, 2), "--kdf", "none",
                "--keyfile", tmp.resolve("t.json").toString());
        assertThat(twice.err()).contains("share 1 is given twice");
        Path damaged = tmp.resolve("damaged.txt");
        String sheet = Files.readString(shares.resolve("share-3-of-5.txt"));
        int from = sheet.indexOf("SHARE 02/");
        int to = sheet.indexOf('\n', from);
        Files.writeString(damaged, sheet.substring(0, from) + mistype(sheet.substring(from, to), 15, "ab") + sheet.substring(to));
        Cli.Result dmg = Cli.run("key", "combine", share(shares, 1), share(shares, 2), damaged.toString(), "--kdf", "none",
                "--keyfile", tmp.resolve("d.json").toString());
        assertThat(dmg.code()).isEqualTo(1);
        assertThat(dmg.err()).contains("line 2: checksum mismatch");

        // a share of an earlier split of the same key among the ones given: the others still rebuild it, and the
        // stray one is named
        Path older = tmp.resolve("older-shares");
        ok(Cli.run("key", "split", "--shares", "5", "--threshold", "3", "--output-dir", older.toString(), "--keyfile",
                key.toString()));
        Path rebuilt = tmp.resolve("rebuilt.json");
        Cli.Result stray = ok(Cli.run("key", "combine", older.resolve("share-2-of-5.txt").toString(), share(shares, 1),
                share(shares, 3), share(shares, 4), "--kdf", "none", "--keyfile", rebuilt.toString()));
        assertThat(fingerprint(rebuilt)).isEqualTo(fp);
        assertThat(stray.err()).contains("warning: " + older.resolve("share-2-of-5.txt") + " does not fit the other shares");
        Cli.Result tooFew = Cli.run("key", "combine", older.resolve("share-2-of-5.txt").toString(), share(shares, 1),
                share(shares, 3), "--kdf", "none", "--keyfile", tmp.resolve("few.json").toString());
        assertThat(tooFew.code()).isEqualTo(1);
        assertThat(tooFew.err()).contains("different splits of the key");
        assertThat(tmp.resolve("few.json")).doesNotExist();

        // splitting again into a directory that holds one QR image of an earlier split writes nothing at all
        Path again = Files.createDirectories(tmp.resolve("again"));
        Files.copy(otherShares.resolve("share-3-of-3.png"), again.resolve("share-3-of-3.png"));
        Cli.Result clash = Cli.run("key", "split", "--shares", "3", "--threshold", "2", "--output-dir", again.toString(),
                "--keyfile", key.toString());
        assertThat(clash.code()).isEqualTo(1);
        assertThat(clash.err()).contains(again.resolve("share-3-of-3.png") + " exists; refusing to overwrite it; nothing was written");
        try (var left = Files.list(again)) {
            assertThat(left.map(x -> x.getFileName().toString()).toList()).containsExactly("share-3-of-3.png");
        }
        assertThat(again.resolve("share-3-of-3.png")).hasSameBinaryContentAs(otherShares.resolve("share-3-of-3.png"));
    }

    private static final Pattern TYPED_LINE = Pattern.compile("([A-Z]+) (\\d+)/(\\d+):(.*)");

    /**
     * The line with the hex digit at {@code at} changed, to the first of {@code preferred} (then any other digit)
     * that the line's checksum catches. The checksum (design.md 12) is 16 bits of SHA-256, so 1 change in 65536
     * keeps it valid; the lines hold a new random key every run, so a fixed change would go unnoticed that often.
     */
    static String mistype(String line, int at, String preferred) throws Exception {
        for (char c : (preferred + "0123456789abcdef").toCharArray()) {
            if (c == line.charAt(at)) {
                continue;
            }
            String changed = line.substring(0, at) + c + line.substring(at + 1);
            Matcher m = TYPED_LINE.matcher(changed);
            assertThat(m.matches()).as(changed).isTrue();
            String[] parts = m.group(4).strip().split("\\s+");
            byte[] bytes = HexFormat.of().parseHex(String.join("", Arrays.copyOf(parts, parts.length - 1)));
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(("coffer-line-v1/" + m.group(1)).getBytes(StandardCharsets.US_ASCII));
            md.update((byte) Integer.parseInt(m.group(2)));
            md.update((byte) Integer.parseInt(m.group(3)));
            md.update(bytes);
            if (!HexFormat.of().formatHex(md.digest(), 0, 2).equals(parts[parts.length - 1])) {
                return changed;
            }
        }
        throw new AssertionError("no change of character " + at + " of " + line + " is caught");
    }

    private static String share(Path dir, int i) {
        return dir.resolve("share-" + i + "-of-5.txt").toString();
    }

    @Test
    void masterKeyEscrowRecoversOnANewHost() throws Exception {
        Map<String, String> host1 = new HashMap<>();
        host1.put("HOME", tmp.resolve("host1").toString());
        host1.put("COFFER_REPOSITORY", ds.toString());
        host1.put("COFFER_MASTER_KEY_PASSPHRASE", "master passphrase 1");
        Path vault = tmp.resolve("vault");
        ok(Cli.process(host1, tmp, "key", "create-master-key", "--output-dir", vault.toString()));
        assertThat(Files.readString(vault.resolve("master-private.pem"))).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
        ok(Cli.process(host1, tmp, "key", "import-master-pubkey", vault.resolve("master-public.pem").toString()));
        Cli.Result b = ok(Cli.process(host1, tmp, "backup", "s.cfar:" + src, "--backup-id", "h"));
        assertThat(b.err()).contains("created encryption key");
        Path key1 = tmp.resolve("host1/.config/coffer/encryption-key.json");
        String fp = fingerprint(key1);
        assertThat(new ObjectMapper().readTree(
                ok(Cli.process(host1, tmp, "key", "show", "--output-format", "json")).out()).get("master-public-key").asText())
                .hasSize(95);
        Files.delete(key1); // the host and its key are gone

        Map<String, String> host2 = new HashMap<>();
        host2.put("HOME", tmp.resolve("host2").toString());
        host2.put("COFFER_REPOSITORY", ds.toString());
        host2.put("COFFER_MASTER_KEY_PASSPHRASE", "wrong master passphrase");
        host2.put("COFFER_NEW_KEY_PASSPHRASE", "new host passphrase");
        Cli.Result wrong = Cli.process(host2, tmp, "key", "recover", "--master-key",
                vault.resolve("master-private.pem").toString(), "latest");
        assertThat(wrong.code()).isEqualTo(1);
        assertThat(wrong.err()).contains("wrong passphrase for the master private key");
        host2.put("COFFER_MASTER_KEY_PASSPHRASE", "master passphrase 1");
        Cli.Result rec = ok(Cli.process(host2, tmp, "key", "recover", "--master-key",
                vault.resolve("master-private.pem").toString(), "latest"));
        Path key2 = tmp.resolve("host2/.config/coffer/encryption-key.json");
        assertThat(rec.out()).contains("recovered key " + fp);
        assertThat(fingerprint(key2)).isEqualTo(fp);
        host2.put("COFFER_KEY_PASSPHRASE", "new host passphrase");
        Path out = tmp.resolve("restored");
        ok(Cli.process(host2, tmp, "restore", "latest", "s.cfar", out.toString()));
        Trees.assertSameTree(src, out);

        // another master key cannot open it
        Map<String, String> host3 = new HashMap<>(host2);
        host3.put("HOME", tmp.resolve("host3").toString());
        Path vault2 = tmp.resolve("vault2");
        ok(Cli.process(host3, tmp, "key", "create-master-key", "--output-dir", vault2.toString()));
        Cli.Result otherMaster = Cli.process(host3, tmp, "key", "recover", "--master-key",
                vault2.resolve("master-private.pem").toString(), "latest");
        assertThat(otherMaster.code()).isEqualTo(1);
        assertThat(otherMaster.err()).contains("this master key cannot open the escrowed key");
        assertThat(tmp.resolve("host3/.config/coffer/encryption-key.json")).doesNotExist();
    }

    @Test
    void theKeyAFirstBackupMadeGetsAPassphraseFromChangePassphrase() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", tmp.resolve("home").toString());
        env.put("COFFER_REPOSITORY", ds.toString());
        ok(Cli.process(env, tmp, "backup", "s.cfar:" + src, "--backup-id", "h")); // creates a key without a passphrase
        Path key = tmp.resolve("home/.config/coffer/encryption-key.json");
        String fp = fingerprint(key);
        assertThat(Files.readString(key)).contains("\"none\"");
        Cli.Result asked = Cli.process(env, tmp, "key", "change-passphrase");
        assertThat(asked.code()).isEqualTo(1); // a passphrase is needed, and none was given
        assertThat(asked.err()).contains("COFFER_NEW_KEY_PASSPHRASE");
        assertThat(Files.readString(key)).contains("\"none\"");
        env.put("COFFER_NEW_KEY_PASSPHRASE", "a real passphrase");
        Cli.Result c = ok(Cli.process(env, tmp, "key", "change-passphrase"));
        assertThat(c.out()).contains("(scrypt)").contains("fingerprint " + fp + " unchanged");
        Cli.Result locked = Cli.process(env, tmp, "ls", "latest", "s.cfar");
        assertThat(locked.code()).isEqualTo(1);
        assertThat(locked.err()).contains("passphrase");
        env.put("COFFER_KEY_PASSPHRASE", "a real passphrase");
        ok(Cli.process(env, tmp, "restore", "latest", "s.cfar", tmp.resolve("r").toString()));
        Trees.assertSameTree(src, tmp.resolve("r"));
    }

    @Test
    void aFirstBackupDoesNotMakeANewKeyForADatastoreWithEncryptedSnapshots() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", tmp.resolve("home").toString());
        env.put("COFFER_REPOSITORY", ds.toString());
        ok(Cli.process(env, tmp, "backup", "s.cfar:" + src, "--backup-id", "h"));
        String fp = fingerprint(tmp.resolve("home/.config/coffer/encryption-key.json"));
        // the same datastore, backed up from another HOME (cron, sudo, a reinstalled host) with no key there
        env.put("HOME", tmp.resolve("elsewhere").toString());
        Cli.Result r = Cli.process(env, tmp, "backup", "s.cfar:" + src, "--backup-id", "h");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("no key file at " + tmp.resolve("elsewhere/.config/coffer/encryption-key.json"))
                .contains("group host/h in " + ds + " already has snapshots made with key " + fp).contains("nothing was backed up")
                .contains("coffer key import").doesNotContain("Exception");
        assertThat(tmp.resolve("elsewhere/.config/coffer/encryption-key.json")).doesNotExist();
        Cli.Result list = ok(Cli.process(env, tmp, "snapshots"));
        assertThat(list.out().lines().filter(l -> l.contains("host/h/")).count()).isEqualTo(1);
        // an unencrypted backup needs no key and is not refused
        ok(Cli.process(env, tmp, "backup", "p.cfar:" + src, "--backup-id", "h", "--crypt-mode", "none"));
        assertThat(tmp.resolve("elsewhere/.config/coffer/encryption-key.json")).doesNotExist();
        // another host (another group) starting its own backups in the same datastore gets its own key
        Cli.Result other = ok(Cli.process(env, tmp, "backup", "s.cfar:" + src, "--backup-id", "other-host"));
        assertThat(other.err()).contains("created encryption key");
        assertThat(fingerprint(tmp.resolve("elsewhere/.config/coffer/encryption-key.json"))).isNotEqualTo(fp);
    }

    @Test
    void changePassphraseKeepsTheKeyAndTheNextBackupStoresNothingNew() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", tmp.resolve("home").toString());
        env.put("COFFER_REPOSITORY", ds.toString());
        env.put("COFFER_KEY_PASSPHRASE", "old passphrase");
        ok(Cli.process(env, tmp, "key", "create"));
        Path key = tmp.resolve("home/.config/coffer/encryption-key.json");
        String fp = fingerprint(key);
        ok(Cli.process(env, tmp, "backup", "s.cfar:" + src, "--backup-id", "h"));
        env.put("COFFER_NEW_KEY_PASSPHRASE", "new passphrase");
        Cli.Result c = ok(Cli.process(env, tmp, "key", "change-passphrase", "--kdf", "argon2id"));
        assertThat(c.out()).contains("fingerprint " + fp + " unchanged");
        assertThat(fingerprint(key)).isEqualTo(fp);
        assertThat(Files.readString(key)).contains("argon2id");
        Cli.Result old = Cli.process(env, tmp, "snapshots");
        assertThat(old.code()).isZero(); // listing needs no key
        Cli.Result oldPass = Cli.process(env, tmp, "ls", "latest", "s.cfar");
        assertThat(oldPass.code()).isEqualTo(1);
        assertThat(oldPass.err()).contains("wrong passphrase");
        env.put("COFFER_KEY_PASSPHRASE", "new passphrase");
        Cli.Result again = ok(Cli.process(env, tmp, "backup", "s.cfar:" + src, "--backup-id", "h"));
        assertThat(again.out()).contains("new 0 B in 0 chunks");
        ok(Cli.process(env, tmp, "restore", "latest", "s.cfar", tmp.resolve("r").toString()));
        Trees.assertSameTree(src, tmp.resolve("r"));
    }

    @Test
    void changePassphraseThroughASymlinkRewritesTheKeyItLeadsTo() throws Exception {
        Path real = tmp.resolve("vault/keys/encryption-key.json");
        Files.createDirectories(real.getParent());
        Path link = tmp.resolve("home/.config/coffer/encryption-key.json");
        Map<String, String> env = new HashMap<>();
        env.put("HOME", tmp.resolve("home").toString());
        env.put("COFFER_REPOSITORY", ds.toString());
        env.put("COFFER_KEYFILE", real.toString());
        env.put("COFFER_KEY_PASSPHRASE", "old passphrase");
        ok(Cli.process(env, tmp, "key", "create"));
        String fp = fingerprint(real);
        Files.createDirectories(link.getParent());
        Files.createSymbolicLink(link, real);
        env.put("COFFER_KEYFILE", link.toString());
        env.put("COFFER_NEW_KEY_PASSPHRASE", "new passphrase");
        ok(Cli.process(env, tmp, "key", "change-passphrase"));
        assertThat(Files.isSymbolicLink(link)).as("the link is kept").isTrue();
        assertThat(Files.readSymbolicLink(link)).isEqualTo(real);
        assertThat(Files.getPosixFilePermissions(real)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(fingerprint(real)).isEqualTo(fp);
        try (var left = Files.list(real.getParent())) {
            assertThat(left.map(x -> x.getFileName().toString()).toList()).containsExactly("encryption-key.json");
        }
        // the file itself now takes the new passphrase, through the link or not
        env.put("COFFER_KEYFILE", real.toString());
        env.put("COFFER_KEY_PASSPHRASE", "new passphrase");
        ok(Cli.process(env, tmp, "backup", "s.cfar:" + src, "--backup-id", "h"));
        env.put("COFFER_KEY_PASSPHRASE", "old passphrase");
        Cli.Result old = Cli.process(env, tmp, "key", "check");
        assertThat(old.code()).isEqualTo(1);
        assertThat(old.err()).contains("wrong passphrase");

    }

    /** Opens the key (splitting it into shares needs the key itself) with the passphrase from {@code env} or {@code passFile}. */
    private Cli.Result open(Path key, Map<String, String> env, Path passFile) {
        List<String> args = new java.util.ArrayList<>(List.of("key", "split", "--shares", "2", "--threshold", "2",
                "--output-dir", tmp.resolve("shares-" + System.nanoTime()).toString(), "--keyfile", key.toString()));
        if (passFile != null) {
            args.addAll(List.of("--passphrase-file", passFile.toString()));
        }
        return Cli.runWithEnv(env, args.toArray(String[]::new));
    }

    @Test
    void aPassphraseOpensTheKeyFromEverySourceAlikeLineBreaksAside() throws Exception {
        Path key = tmp.resolve("crlf-key.json");
        Path passFile = tmp.resolve("pass.txt");
        // made from a variable filled from a file written on another system: "…\r" at its end
        ok(Cli.runWithEnv(Map.of("COFFER_KEY_PASSPHRASE", "secret passphrase\r"), "key", "create", "--keyfile", key.toString()));
        Files.writeString(passFile, "secret passphrase\r\nsecond line\n");
        ok(open(key, Map.of(), passFile));
        ok(open(key, Map.of("COFFER_KEY_PASSPHRASE", "secret passphrase"), null));
        ok(open(key, Map.of("COFFER_KEY_PASSPHRASE", "secret passphrase\n"), null));
        Cli.Result bad = open(key, Map.of("COFFER_KEY_PASSPHRASE", "secret passphrase!"), null);
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("wrong passphrase");

        // a key made before sources were read alike, with the carriage return in its passphrase, still opens
        Path older = tmp.resolve("older-key.json");
        try (dev.coffer.core.crypto.DataKey k = dev.coffer.core.crypto.DataKey.generate()) {
            dev.coffer.core.keys.KeyFile.create(k, "older passphrase\r".toCharArray(), null).write(older, false);
        }
        Files.writeString(passFile, "older passphrase\r\n");
        ok(open(older, Map.of(), passFile));
        ok(open(older, Map.of("COFFER_KEY_PASSPHRASE", "older passphrase\r"), null));
        Cli.Result wrong = open(older, Map.of("COFFER_KEY_PASSPHRASE", "older passphrase!\r"), null);
        assertThat(wrong.code()).isEqualTo(1);
        assertThat(wrong.err()).contains("wrong passphrase");

        // a new passphrase with a line break inside is refused: a file or a command could never give it
        String before = Files.readString(key);
        Cli.Result split = Cli.runWithEnv(Map.of("COFFER_KEY_PASSPHRASE", "secret passphrase",
                "COFFER_NEW_KEY_PASSPHRASE", "alpha-beta-gamma\ndelta-epsilon"), "key", "change-passphrase", "--keyfile", key.toString());
        assertThat(split.code()).isEqualTo(1);
        assertThat(split.err()).contains("the passphrase from COFFER_NEW_KEY_PASSPHRASE holds a line break")
                .doesNotContain("alpha-beta-gamma").doesNotContain("delta-epsilon");
        assertThat(Files.readString(key)).isEqualTo(before);
    }

    @Test
    void checkProvesTheKeyAndNamesBothFingerprintsWhenItDoesNot() throws Exception {
        Path key = tmp.resolve("key.json");
        ok(Cli.run("key", "create", "--kdf", "none", "--keyfile", key.toString()));
        backup(key);
        Cli.Result c = ok(Cli.run("key", "check", "--repository", ds.toString(), "--keyfile", key.toString()));
        assertThat(c.out()).startsWith("ok: key ").contains("decrypts host/h/");
        Path other = tmp.resolve("other.json");
        ok(Cli.run("key", "create", "--kdf", "none", "--keyfile", other.toString()));
        Cli.Result none = Cli.run("key", "check", "--repository", ds.toString(), "--keyfile", other.toString());
        assertThat(none.code()).isEqualTo(1);
        assertThat(none.err()).contains("no snapshot").contains("was made with key");
        Cli.Result wrong = Cli.run("key", "check", "host/h", "--repository", ds.toString(), "--keyfile", other.toString());
        assertThat(wrong.code()).isEqualTo(1);
        assertThat(wrong.err()).contains("was made with key " + fingerprint(key) + ", this key is " + fingerprint(other));
        // an unencrypted snapshot proves nothing about a key: it used to print "ok: key … decrypts …"
        ok(Cli.run("backup", "s.cfar:" + src, "--crypt-mode", "none", "--backup-id", "plain", "--repository", ds.toString(),
                "--quiet"));
        Cli.Result plain = Cli.run("key", "check", "host/plain", "--repository", ds.toString(), "--keyfile", key.toString());
        assertThat(plain.code()).as(plain.toString()).isEqualTo(1);
        assertThat(plain.out()).doesNotContain("ok:");
        assertThat(plain.err()).contains("is not encrypted (crypt mode none): it cannot show that key");
        // nor does a signed one, made with the key but not encrypted
        ok(Cli.run("backup", "s.cfar:" + src, "--crypt-mode", "sign-only", "--backup-id", "signed", "--repository",
                ds.toString(), "--keyfile", key.toString(), "--quiet"));
        Cli.Result signed = Cli.run("key", "check", "host/signed", "--repository", ds.toString(), "--keyfile", key.toString());
        assertThat(signed.code()).as(signed.toString()).isEqualTo(1);
        assertThat(signed.err()).contains("is not encrypted (crypt mode sign-only)");
        // with no snapshot named, the newest encrypted one made with the key is checked, not the newer signed one
        Cli.Result newest = ok(Cli.run("key", "check", "--repository", ds.toString(), "--keyfile", key.toString()));
        assertThat(newest.out()).contains("decrypts host/h/");
    }

    @Test
    void warnsAboutExposedKeyFiles() throws Exception {
        ok(Cli.run("backup", "s.cfar:" + src, "--crypt-mode", "none", "--repository", ds.toString(), "--quiet"));
        Path inside = ds.resolve("keys/key.json");
        ok(Cli.run("key", "create", "--kdf", "none", "--keyfile", inside.toString()));
        Files.setPosixFilePermissions(inside, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Cli.Result b = ok(Cli.run("backup", "s.cfar:" + src, "--repository", ds.toString(), "--keyfile", inside.toString(),
                "--quiet"));
        assertThat(b.err()).contains("has no passphrase").contains("is readable by others").contains("lies inside the datastore");
    }
}
