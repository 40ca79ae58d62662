package dev.coffer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandsTest {
    @TempDir
    Path tmp;

    @Test
    void versionAndHelp() {
        Cli.Result v = Cli.run("--version");
        assertThat(v.code()).isZero();
        assertThat(v.out().trim()).isEqualTo("coffer 0.1.0");
        Cli.Result h = Cli.run("--help");
        assertThat(h.code()).isZero();
        assertThat(h.out()).contains("backup", "snapshots", "restore", "ls", "snapshot", "key");
        Cli.Result bh = Cli.run("backup", "--help");
        assertThat(bh.out()).contains("--crypt-mode", "--exclude", "--backup-id", "--ns", "--repository", "--keyfile");
        assertThat(Cli.run().code()).isEqualTo(2);
    }

    @Test
    void aBackupMissingAFileItCouldNotReadSavesTheRestAndExitsOne() throws Exception {
        // /proc/sys/vm/compact_memory is write-only: not even root can open it for reading
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(Path.of("/proc/sys/vm/compact_memory")),
                "this kernel has no /proc/sys/vm/compact_memory");
        String repo = tmp.resolve("ds").toString();
        Cli.Result b = Cli.run("backup", "vm.cfar:/proc/sys/vm", "--crypt-mode", "none", "--backup-id", "vm",
                "--repository", repo, "--quiet");
        assertThat(b.code()).as(b.toString()).isEqualTo(1);
        assertThat(b.err()).contains("coffer: warning: cannot open /proc/sys/vm/compact_memory: ")
                .containsPattern("coffer: error: snapshot host/vm/\\S+ was saved, but [1-9][0-9]* (file or directory|files or "
                        + "directories) could not be read and (is|are) missing from it")
                .contains("hint: give the backup the rights to read them, or --exclude them")
                .doesNotContain("Exception");
        // the rest is in the snapshot
        Cli.Result ls = Cli.run("ls", "latest", "vm.cfar", "--repository", repo);
        assertThat(ls.code()).as(ls.toString()).isZero();
        assertThat(ls.out()).contains("swappiness").doesNotContain("compact_memory");
        // left out by the user, it is no error
        Cli.Result excluded = Cli.run("backup", "vm.cfar:/proc/sys/vm", "--crypt-mode", "none", "--backup-id", "vm",
                "--repository", repo, "--quiet", "--exclude", "compact_memory", "--exclude", "drop_caches");
        assertThat(excluded.code()).as(excluded.toString()).isZero();
    }

    @Test
    void argumentValuesRefusedByTheCodeThatUsesThemAreUsageErrors() throws Exception {
        Path src = tmp.resolve("src");
        Trees.write(src.resolve("f"), "x".getBytes(StandardCharsets.UTF_8));
        String repo = tmp.resolve("ds").toString();
        String[][] usage = {
            {"backup", "a.cfar:" + src, "--crypt-mode", "none", "--repository", repo, "--ns", "bad ns"},
            {"backup", "a.cfar:" + src, "--crypt-mode", "none", "--repository", repo, "--backup-type", "weird"},
            {"backup", "a.cfar:" + src, "--crypt-mode", "none", "--repository", repo, "--chunk-size", "3M"},
            {"key", "create-master-key", "--bits", "1000", "--output-dir", tmp.resolve("mk").toString()},
            {"server", "user", "add", "b a d", "--config-dir", tmp.resolve("cfg").toString()},
            {"server", "acl", "set", "/datastore/x", "Bogus", "alice", "--config-dir", tmp.resolve("cfg").toString()},
            {"snapshots", "--repository", "https://"},
            {"snapshots", "--repository", "https://h:99999/x"},
        };
        for (String[] args : usage) {
            Cli.Result r = Cli.run(args);
            assertThat(r.code()).as(String.join(" ", args) + "\n" + r).isEqualTo(2);
            assertThat(r.err()).doesNotContain("Exception");
        }
        // nothing was made by any of them
        assertThat(tmp.resolve("ds")).doesNotExist();
        assertThat(tmp.resolve("mk")).doesNotExist();
    }

    @Test
    void forgetRemovesExactlyOneSnapshot() throws Exception {
        Path src = tmp.resolve("src");
        Trees.write(src.resolve("f"), "x".getBytes(StandardCharsets.UTF_8));
        String repo = tmp.resolve("ds").toString();
        assertThat(Cli.run("backup", "a.cfar:" + src, "--crypt-mode", "none", "--backup-id", "one", "--repository", repo,
                "--quiet").code()).isZero();
        assertThat(Cli.run("backup", "a.cfar:" + src, "--crypt-mode", "none", "--backup-id", "two", "--repository", repo,
                "--quiet").code()).isZero();
        Cli.Result list = Cli.run("snapshots", "--output-format", "json", "--repository", repo);
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(list.out());
        String first = json.get(0).get("snapshot").asText();
        assertThat(first).startsWith("host/one/");
        Cli.Result f = Cli.run("snapshot", "forget", first, "--repository", repo);
        assertThat(f.code()).as(f.toString()).isZero();
        assertThat(f.out()).contains("forgot snapshot " + first);
        Cli.Result after = Cli.run("snapshots", "--output-format", "json", "--repository", repo);
        var left = new com.fasterxml.jackson.databind.ObjectMapper().readTree(after.out());
        assertThat(left).hasSize(1);
        assertThat(left.get(0).get("snapshot").asText()).startsWith("host/two/");
        Cli.Result again = Cli.run("snapshot", "forget", first, "--repository", repo);
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("snapshot " + first + " not found");
        // the short forms of the contract: TYPE/ID is the group's newest, latest the datastore's; each is named
        assertThat(Cli.run("backup", "a.cfar:" + src, "--crypt-mode", "none", "--backup-id", "three", "--repository", repo,
                "--quiet").code()).isZero();
        String two = left.get(0).get("snapshot").asText();
        Cli.Result byGroup = Cli.run("snapshot", "forget", "host/two", "--repository", repo);
        assertThat(byGroup.code()).as(byGroup.toString()).isZero();
        assertThat(byGroup.out()).isEqualTo("forgot snapshot " + two + System.lineSeparator());
        var rest = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                Cli.run("snapshots", "--output-format", "json", "--repository", repo).out());
        assertThat(rest).hasSize(1);
        String three = rest.get(0).get("snapshot").asText();
        assertThat(three).startsWith("host/three/");
        Cli.Result latest = Cli.run("snapshot", "forget", "latest", "--repository", repo);
        assertThat(latest.code()).as(latest.toString()).isZero();
        assertThat(latest.out()).contains("forgot snapshot " + three);
        assertThat(Cli.run("snapshot", "forget", "latest", "--repository", repo).code()).isEqualTo(1);
    }

    @Test
    void keyCreateWithoutPassphraseWarnsAndShowNeverPrintsTheKey() throws Exception {
        Path key = tmp.resolve("k.json");
        Cli.Result c = Cli.run("key", "create", "--kdf", "none", "--keyfile", key.toString());
        assertThat(c.code()).isZero();
        assertThat(c.err()).contains("warning: the key file has no passphrase");
        Cli.Result s = Cli.run("key", "show", "--keyfile", key.toString());
        assertThat(s.out()).contains("fingerprint").contains("none");
        String wrapped = new com.fasterxml.jackson.databind.ObjectMapper().readTree(key.toFile()).get("wrapped-key").asText();
        assertThat(s.out()).doesNotContain(wrapped);
        Cli.Result again = Cli.run("key", "create", "--kdf", "none", "--keyfile", key.toString());
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("exists; refusing to overwrite it");
    }

    @Test
    void benchmarkMeasuresEveryKernel() throws Exception {
        Cli.Result r = Cli.run("benchmark", "--seconds", "0.05", "--output-format", "json");
        assertThat(r.code()).as(r.toString()).isZero();
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        assertThat(json.get("kernels")).hasSize(10);
        for (var k : json.get("kernels")) {
            assertThat(k.get("steady-mbps").asLong()).as(k.toString()).isPositive();
        }
        assertThat(json.get("aead-provider").asText()).isNotEmpty();
    }
}
