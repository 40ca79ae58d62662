package dev.coffer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coffer.core.crypto.BlobCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Behaviour that depends on the environment or on the process: defaults, passphrases, being killed. */
class ProcessTest {
    @TempDir
    Path tmp;

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", tmp.resolve("home").toString());
        return env;
    }

    /** {@link #env()} with the key file k.json and the datastore ds in the test's directory. */
    private Map<String, String> envWithKeyAndDatastore() {
        Map<String, String> env = env();
        env.put("COFFER_KEYFILE", tmp.resolve("k.json").toString());
        env.put("COFFER_REPOSITORY", tmp.resolve("ds").toString());
        return env;
    }

    @Test
    void newcomerPathUsesDefaultDatastoreAndGeneratesAKey() throws Exception {
        Path work = tmp.resolve("work");
        Trees.write(work.resolve("docs/readme.md"), "# hello\n".getBytes(StandardCharsets.UTF_8));
        Cli.Result b = Cli.process(env(), work, "backup", "docs.cfar:./docs");
        assertThat(b.code()).as(b.toString()).isZero();
        Path keyFile = tmp.resolve("home/.config/coffer/encryption-key.json");
        Path ds = tmp.resolve("home/.local/share/coffer/datastore");
        assertThat(keyFile).exists();
        assertThat(Files.getPosixFilePermissions(keyFile))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(b.err()).contains("created encryption key " + keyFile).contains("cannot be restored")
                .contains("coffer key paperkey").contains("created datastore " + ds);
        assertThat(ds.resolve(".coffer-datastore")).exists();

        Cli.Result again = Cli.process(env(), work, "backup", "docs.cfar:./docs");
        assertThat(again.code()).as(again.toString()).isZero();
        assertThat(again.err()).doesNotContain("created");

        Cli.Result r = Cli.process(env(), work, "restore", "latest", "docs.cfar", "out");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(Files.readString(work.resolve("out/readme.md"))).isEqualTo("# hello\n");
        Cli.Result paper = Cli.process(env(), work, "key", "paperkey");
        assertThat(paper.code()).isZero();
        assertThat(paper.out()).contains("Fingerprint:").contains("KEY 01/").contains("\u2588");
    }

    @Test
    void aZstdLibraryThatCannotLoadIsAClearErrorAndLeavesNoSnapshot() throws Exception {
        Path work = tmp.resolve("work");
        Trees.write(work.resolve("d/f"), "data".getBytes(StandardCharsets.UTF_8));
        Map<String, String> env = envWithKeyAndDatastore();
        assertThat(Cli.process(env, work, "key", "create", "--kdf", "none").code()).isZero();
        Cli.Result good = Cli.process(env, work, "backup", "d.cfar:d");
        assertThat(good.code()).as(good.toString()).isZero();

        // as when zstd-jni unpacks its library into a noexec /tmp: it cannot unpack or load it there
        Map<String, String> broken = new HashMap<>(env);
        Path notADirectory = Files.writeString(tmp.resolve("tmpdir-is-a-file"), "x");
        broken.put("JAVA_TOOL_OPTIONS", "-Djava.io.tmpdir=" + notADirectory);
        Trees.write(work.resolve("d/g"), "more".getBytes(StandardCharsets.UTF_8));
        Cli.Result b = Cli.process(broken, work, "backup", "d.cfar:d");
        assertThat(b.code()).as(b.toString()).isEqualTo(1);
        assertThat(b.err()).contains("coffer: error: the zstd compression library cannot be loaded")
                .contains("java.io.tmpdir (" + notADirectory + ")").contains("COFFER_JAVA_OPTS")
                .doesNotContain("\tat ");
        Cli.Result r = Cli.process(broken, work, "restore", "latest", "d.cfar", "out");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("the zstd compression library cannot be loaded").doesNotContain("\tat ");

        // the library named by -DZstdNativePath (as the launcher does) is missing or of another architecture
        Map<String, String> named = new HashMap<>(env);
        Path missing = tmp.resolve("no-such/libzstd-jni.so");
        named.put("JAVA_TOOL_OPTIONS", "-DZstdNativePath=" + missing);
        Cli.Result n = Cli.process(named, work, "backup", "d.cfar:d");
        assertThat(n.code()).as(n.toString()).isEqualTo(1);
        assertThat(n.err()).contains("coffer: error: the zstd compression library " + missing + " cannot be loaded")
                .contains("UnsatisfiedLinkError").contains("rebuild the installation").doesNotContain("\tat ");

        Cli.Result list = Cli.process(env, work, "snapshots");
        assertThat(list.code()).as(list.toString()).isZero();
        assertThat(list.out().lines().filter(l -> l.contains("host/")).count()).as(list.out()).isEqualTo(1);
    }

    @Test
    void passphraseSourcesAndWrongPassphrase() throws Exception {
        Path work = tmp.resolve("work");
        Trees.write(work.resolve("d/f"), "data".getBytes(StandardCharsets.UTF_8));
        Map<String, String> env = envWithKeyAndDatastore();
        env.put("COFFER_KEY_PASSPHRASE", "correct horse battery");
        assertThat(Cli.process(env, work, "key", "create").code()).isZero();
        assertThat(Files.readString(tmp.resolve("k.json"))).contains("\"scrypt\"");
        Cli.Result b = Cli.process(env, work, "backup", "d.cfar:d");
        assertThat(b.code()).as(b.toString()).isZero();

        Files.writeString(tmp.resolve("pass.txt"), "correct horse battery\n");
        env.remove("COFFER_KEY_PASSPHRASE");
        Cli.Result viaFile = Cli.process(env, work, "ls", "latest", "d.cfar", "--passphrase-file",
                tmp.resolve("pass.txt").toString());
        assertThat(viaFile.code()).as(viaFile.toString()).isZero();
        Cli.Result viaCmd = Cli.process(env, work, "ls", "latest", "d.cfar", "--passphrase-command",
                "echo 'correct horse battery'");
        assertThat(viaCmd.code()).as(viaCmd.toString()).isZero();

        Cli.Result noTerminal = Cli.process(env, work, "ls", "latest", "d.cfar");
        assertThat(noTerminal.code()).isEqualTo(1);
        assertThat(noTerminal.err()).contains("passphrase").contains("COFFER_KEY_PASSPHRASE");

        env.put("COFFER_KEY_PASSPHRASE", "wrong horse battery");
        Cli.Result wrong = Cli.process(env, work, "restore", "latest", "d.cfar", "out");
        assertThat(wrong.code()).isEqualTo(1);
        assertThat(wrong.err()).contains("wrong passphrase").doesNotContain("\tat ");
        assertThat(work.resolve("out")).doesNotExist();

        env.put("COFFER_KEY_PASSPHRASE", "short");
        env.put("COFFER_KEYFILE", tmp.resolve("k2.json").toString());
        Cli.Result tooShort = Cli.process(env, work, "key", "create");
        assertThat(tooShort.code()).isEqualTo(1);
        assertThat(tooShort.err()).contains("shorter than 8");
        assertThat(tmp.resolve("k2.json")).doesNotExist();
    }

    @Test
    void backupKilledMidwayLeavesAConsistentDatastoreAndTheNextOneCompletes() throws Exception {
        Path src = tmp.resolve("src");
        for (int i = 0; i < 4; i++) {
            Trees.write(src.resolve("f" + i), Trees.random(i, 64 << 20));
        }
        Path ds = tmp.resolve("ds");
        Map<String, String> env = env();
        env.put("COFFER_REPOSITORY", ds.toString());
        Process p = Cli.start(env, tmp, "backup", "s.cfar:" + src, "--crypt-mode", "none", "--chunk-size", "1M",
                "--backup-id", "k");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && countChunks(ds) < 20) {
            Thread.sleep(20);
        }
        assertThat(p.isAlive()).as("backup still running when killed").isTrue();
        p.destroyForcibly().waitFor();

        Cli.Result list = Cli.run("snapshots", "--output-format", "json", "--repository", ds.toString());
        assertThat(list.code()).isZero();
        assertThat(list.out().trim()).isEqualTo("[ ]");
        // every chunk under its final name is whole
        int whole = 0;
        for (Path c : TamperTest.chunkFiles(ds)) {
            String name = c.getFileName().toString();
            if (name.length() == 64) {
                BlobCodec.inspect(Files.readAllBytes(c));
                whole++;
            }
        }
        assertThat(whole).isGreaterThanOrEqualTo(20);

        Cli.Result b = Cli.run("backup", "s.cfar:" + src, "--crypt-mode", "none", "--chunk-size", "1M",
                "--backup-id", "k", "--repository", ds.toString(), "--quiet");
        assertThat(b.code()).as(b.toString()).isZero();
        Cli.Result r = Cli.run("restore", "latest", "s.cfar", tmp.resolve("out").toString(), "--repository",
                ds.toString(), "--quiet");
        assertThat(r.code()).as(r.toString()).isZero();
        Trees.assertSameTree(src, tmp.resolve("out"));
        try (var s = Files.list(ds.resolve("host/k"))) {
            assertThat(s.map(x -> x.getFileName().toString())).noneMatch(n -> n.startsWith(".tmp"));
        }
    }

    private static int countChunks(Path ds) {
        Path chunks = ds.resolve(".chunks");
        if (!Files.isDirectory(chunks)) {
            return 0;
        }
        try (var s = Files.walk(chunks)) {
            return (int) s.filter(f -> f.getFileName().toString().length() == 64).count();
        } catch (Exception e) {
            return 0;
        }
    }

    static Set<String> names(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
        }
    }
}
