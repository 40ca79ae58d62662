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

    private KeySet cached;

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
            KeyFile kf = KeyFile.read(path());
            char[] pass = kf.needsPassphrase() ? passphrase("Passphrase for key file " + path() + ": ") : null;
            try (DataKey key = kf.unwrap(pass)) {
                cached = KeySet.derive(key);
            } finally {
                if (pass != null) {
                    Arrays.fill(pass, '\0');
                }
            }
        }
        return cached;
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
        String env = System.getenv(Env.KEY_PASSPHRASE);
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
