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
            if (!kf.needsPassphrase()) {
                dataKey = kf.unwrap(null);
                return dataKey;
            }
            java.util.List<char[]> tries = passphraseCandidates("Passphrase for key file " + path() + ": ");
            try {
                dev.coffer.core.keys.WrongPassphraseException wrong = null;
                for (char[] pass : tries) {
                    try {
                        dataKey = kf.unwrap(pass);
                        break;
                    } catch (dev.coffer.core.keys.WrongPassphraseException e) {
                        wrong = wrong == null ? e : wrong;
                    }
                }
                if (dataKey == null) {
                    throw wrong;
                }
            } finally {
                for (char[] pass : tries) {
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
        char[] raw = env != null ? env.toCharArray() : null;
        char[] p;
        try {
            p = raw != null ? oneLine(raw, Env.NEW_KEY_PASSPHRASE)
                : Terminal.promptNew("New passphrase for " + what + ": ",
                        "a new passphrase is needed and there is no terminal to ask on",
                        "set COFFER_NEW_KEY_PASSPHRASE, or use --kdf none for no passphrase");
        } finally {
            if (raw != null) {
                Arrays.fill(raw, '\0');
            }
        }
        return Terminal.atLeast(p, KeyCommand.MIN_PASSPHRASE, "choose a longer one, or --kdf none for a key without passphrase");
    }

    /**
     * A passphrase from the first source given, for a new key: one line, without the line break that ends it,
     * whatever the source (so that the key opens from every source alike); a line break inside is refused.
     */
    char[] passphrase(String prompt) {
        char[] raw = rawPassphrase(prompt);
        try {
            return oneLine(raw, source());
        } finally {
            Arrays.fill(raw, '\0');
        }
    }

    /**
     * The existing passphrase from the first source given, as the ways the key may have been made with it:
     * first without the line breaks that end it (how every source is read now), then, when the source held
     * one, with it (a key made from an environment variable that kept a carriage return, before sources were
     * read alike).
     */
    java.util.List<char[]> passphraseCandidates(String prompt) {
        char[] raw = rawPassphrase(prompt);
        char[] line = stripLineBreaks(raw);
        if (Arrays.equals(line, raw)) {
            Arrays.fill(raw, '\0');
            return java.util.List.of(line);
        }
        return java.util.List.of(line, raw);
    }

    private String source() {
        return passphraseFile != null ? "--passphrase-file " + passphraseFile
                : passphraseCommand != null ? "--passphrase-command" : Env.KEY_PASSPHRASE;
    }

    /** What the first source holds: a file's or a command's first line (with a carriage return ending it), the variable, or what is typed. */
    private char[] rawPassphrase(String prompt) {
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

    /** Up to the first line feed. */
    private static char[] firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).toCharArray();
    }

    /** Without the carriage returns and line feeds at its end. */
    static char[] stripLineBreaks(char[] p) {
        int n = p.length;
        while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r')) {
            n--;
        }
        return Arrays.copyOf(p, n);
    }

    /** {@link #stripLineBreaks}, refusing a line break inside: such a passphrase could not be given in a file. */
    static char[] oneLine(char[] p, String source) {
        char[] line = stripLineBreaks(p);
        for (char c : line) {
            if (c == '\n' || c == '\r') {
                Arrays.fill(line, '\0');
                throw new CofferException("the passphrase from " + source + " holds a line break",
                        "a passphrase is one line: a passphrase file or command gives only its first line, so a key made "
                        + "with this one could not be opened that way; choose one without");
            }
        }
        return line;
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
