package dev.coffer.cli;

import dev.coffer.core.CofferException;
import dev.coffer.core.crypto.DataKey;
import dev.coffer.core.crypto.KeySet;
import dev.coffer.core.keys.KeyFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Option;

/** {@code --keyfile} and the passphrase sources: file, command, COFFER_KEY_PASSPHRASE, terminal prompt. */
final class KeyOptions {
    @Option(names = "--keyfile", paramLabel = "FILE",
            description = "Encryption key file (env COFFER_KEYFILE; default ~/.config/coffer/encryption-key.json)")
    Path keyfile;

    @Option(names = "--passphrase-file", paramLabel = "FILE", description = "Read the key passphrase from the first line of FILE")
    Path passphraseFile;

    @Option(names = "--passphrase-command", paramLabel = "CMD", description = "Run CMD (via sh -c) and use the first line it prints as the key passphrase")
    String passphraseCommand;

    @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
    picocli.CommandLine.Model.CommandSpec mixee;

    private KeySet cached;
    private DataKey dataKey;

    Path path() {
        if (keyfile != null) {
            return keyfile.toAbsolutePath();
        }
        String env = Env.get(Env.KEYFILE);
        return env != null ? Path.of(env).toAbsolutePath() : Env.defaultKeyFile();
    }

    boolean isDefault() {
        return keyfile == null && Env.get(Env.KEYFILE) == null;
    }

    /** Loads and unwraps the key file, asking for a passphrase only if it has one. */
    KeySet keys() {
        if (cached == null) {
            cached = KeySet.derive(dataKey());
        }
        return cached;
    }

    /** The unwrapped data key, for commands that re-wrap, split or escrow it. */
    DataKey dataKey() {
        if (dataKey == null) {
            KeyFile kf = KeyFile.read(path());
            warnAbout(kf);
            char[] pass = kf.needsPassphrase() ? passphrase("Passphrase for key file " + path() + ": ") : null;
            try {
                dataKey = kf.unwrap(pass);
            } finally {
                if (pass != null) {
                    Arrays.fill(pass, '\0');
                }
            }
        }
        return dataKey;
    }

    /** Says when the key file is unprotected, readable by others, or lies inside the datastore it protects. */
    void warnAbout(KeyFile kf) {
        java.io.PrintWriter err = mixee != null ? mixee.commandLine().getErr() : new java.io.PrintWriter(System.err, true);
        Path p = path();
        if (!kf.needsPassphrase()) {
            err.println("coffer: warning: key file " + p + " has no passphrase; protect it with 'coffer key change-passphrase'");
        }
        try {
            var perms = Files.getPosixFilePermissions(p);
            for (var perm : perms) {
                if (perm.name().startsWith("GROUP") || perm.name().startsWith("OTHERS")) {
                    err.println("coffer: warning: key file " + p + " is readable by others; run 'chmod 600 " + p + "'");
                    break;
                }
            }
        } catch (IOException | UnsupportedOperationException e) {
            // nothing to say
        }
        String repo = null;
        if (mixee != null && mixee.findOption("--repository") != null) {
            repo = mixee.findOption("--repository").getValue();
        }
        if (repo == null) {
            repo = Env.get(Env.REPOSITORY) != null ? Env.get(Env.REPOSITORY) : Env.defaultRepository().toString();
        }
        if (!repo.contains("://")) {
            Path root = Path.of(repo).toAbsolutePath().normalize();
            if (p.toAbsolutePath().normalize().startsWith(root)) {
                err.println("coffer: warning: key file " + p + " lies inside the datastore " + root
                        + "; whoever has the datastore then has the key: keep it elsewhere");
            }
        }
    }

    /** A new passphrase: COFFER_NEW_KEY_PASSPHRASE, or asked twice on the terminal; at least 8 characters. */
    static char[] newPassphrase(String what) {
        String env = Env.get(Env.NEW_KEY_PASSPHRASE);
        char[] p = env != null ? env.toCharArray()
                : Terminal.promptNew("New passphrase for " + what + ": ",
                        "a new passphrase is needed and there is no terminal to ask on",
                        "set COFFER_NEW_KEY_PASSPHRASE, or use --kdf none for no passphrase");
        return Terminal.atLeast(p, KeyCommand.MIN_PASSPHRASE, "choose a longer one, or --kdf none for a key without passphrase");
    }

    /** The existing passphrase, from the first source given. */
    char[] passphrase(String prompt) {
        if (passphraseFile != null) {
            try {
                return firstLine(Files.readString(passphraseFile, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new CofferException("cannot read passphrase file " + passphraseFile + ": " + e.getMessage());
            }
        }
        if (passphraseCommand != null) {
            return fromCommand(passphraseCommand);
        }
        String env = Env.get(Env.KEY_PASSPHRASE);
        if (env != null) {
            return env.toCharArray();
        }
        return Terminal.prompt(prompt,
                "the key file is protected by a passphrase and there is no terminal to ask on",
                "set COFFER_KEY_PASSPHRASE, or use --passphrase-file or --passphrase-command");
    }

    private static char[] firstLine(String s) {
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        return line.toCharArray();
    }

    private static char[] fromCommand(String cmd) {
        try {
            Process p = new ProcessBuilder("sh", "-c", cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            p.getOutputStream().close();
            byte[] out;
            try (InputStream in = p.getInputStream()) {
                out = in.readNBytes(64 * 1024);
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new CofferException("--passphrase-command did not finish within 60 s");
            }
            if (p.exitValue() != 0) {
                throw new CofferException("--passphrase-command exited with status " + p.exitValue());
            }
            char[] r = firstLine(new String(out, StandardCharsets.UTF_8));
            Arrays.fill(out, (byte) 0);
            return r;
        } catch (IOException e) {
            throw new CofferException("cannot run --passphrase-command: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CofferException("interrupted");
        }
    }
}
