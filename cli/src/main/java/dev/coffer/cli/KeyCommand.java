package dev.coffer.cli;

import dev.coffer.core.CofferException;
import dev.coffer.core.crypto.DataKey;
import dev.coffer.core.keys.KeyFile;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "key", mixinStandardHelpOptions = true, description = "Manage the encryption key file.",
        subcommands = {KeyCommand.Create.class, KeyCommand.Show.class, KeyCommand.PaperKey.class})
final class KeyCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed: create, show, paperkey");
    }

    static final int MIN_PASSPHRASE = 8;

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a new random key and write it to the key file (never overwrites one).")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--kdf", defaultValue = "scrypt", description = "scrypt (default) or none (no passphrase)")
        String kdf;

        @Option(names = "--hint", paramLabel = "TEXT", description = "A reminder of the passphrase, stored in clear")
        String hint;

        @Mixin
        KeyOptions key;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (java.nio.file.Files.exists(key.path())) {
                throw new CofferException("key file " + key.path() + " exists; refusing to overwrite it",
                        "choose another path with --keyfile, or move the old key away if you are sure no backup needs it");
            }
            char[] pass = null;
            switch (kdf) {
                case "none" -> err.println("coffer: warning: the key file has no passphrase: anyone who can read it can "
                        + "read your backups");
                case "scrypt" -> pass = newPassphrase();
                default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--kdf must be scrypt or none, not " + kdf);
            }
            try (DataKey k = DataKey.generate()) {
                KeyFile kf = KeyFile.create(k, pass, hint);
                kf.write(key.path(), false);
                out.println("created key " + key.path());
                out.println("fingerprint " + kf.fingerprint());
                out.println("Keep a copy of this key away from this host: without it, encrypted backups cannot be restored.");
            } finally {
                if (pass != null) {
                    Arrays.fill(pass, '\0');
                }
            }
            return Main.OK;
        }

        private char[] newPassphrase() {
            char[] p;
            if (key.passphraseFile != null || key.passphraseCommand != null || System.getenv(Env.KEY_PASSPHRASE) != null) {
                p = key.passphrase("");
            } else {
                p = Terminal.prompt("New passphrase: ", "no passphrase given and no terminal to ask on",
                        "set COFFER_KEY_PASSPHRASE, use --passphrase-file, or --kdf none for a key without passphrase");
                char[] again = Terminal.prompt("Repeat passphrase: ", "no terminal", null);
                boolean same = Arrays.equals(p, again);
                Arrays.fill(again, '\0');
                if (!same) {
                    Arrays.fill(p, '\0');
                    throw new CofferException("the two passphrases differ; nothing was written");
                }
            }
            if (p.length < MIN_PASSPHRASE) {
                Arrays.fill(p, '\0');
                throw new CofferException("the passphrase is shorter than " + MIN_PASSPHRASE + " characters",
                        "choose a longer one, or --kdf none for a key without passphrase");
            }
            return p;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show the key file's path, fingerprint, KDF, dates and hint (never the key).")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--output-format", paramLabel = "FORMAT", defaultValue = "text", description = "text or json")
        Output.Format format;

        @Mixin
        KeyOptions key;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            KeyFile kf = KeyFile.read(key.path());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", key.path().toString());
            m.put("fingerprint", kf.fingerprint().toString());
            m.put("kdf", kf.kdfType());
            m.put("created", kf.created().toString());
            m.put("modified", kf.modified().toString());
            m.put("hint", kf.hint());
            if (format == Output.Format.json) {
                Output.json(out, m);
            } else {
                m.forEach((k, v) -> out.printf("%-12s %s%n", k, v == null ? "-" : v));
            }
            return Main.OK;
        }
    }

    @Command(name = "paperkey", mixinStandardHelpOptions = true,
            description = "Print the key file for safekeeping on paper.")
    static final class PaperKey implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        KeyOptions key;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            KeyFile kf = KeyFile.read(key.path());
            out.println("Coffer encryption key");
            out.println("fingerprint: " + kf.fingerprint());
            out.println("kdf: " + kf.kdfType() + (kf.needsPassphrase() ? " (you also need the passphrase)" : " (no passphrase)"));
            out.println("-----BEGIN COFFER KEY FILE-----");
            out.print(new String(kf.toJson(), StandardCharsets.UTF_8));
            out.println();
            out.println("-----END COFFER KEY FILE-----");
            return Main.OK;
        }
    }
}
