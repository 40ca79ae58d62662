package dev.coffer.cli;

import dev.coffer.core.CofferException;
import dev.coffer.core.crypto.DataKey;
import dev.coffer.core.crypto.KeySet;
import dev.coffer.core.keys.KeyFile;
import dev.coffer.core.keys.MasterKey;
import dev.coffer.core.keys.PaperKey;
import dev.coffer.core.keys.QrCodes;
import dev.coffer.core.keys.RecoveryShare;
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
        subcommands = {KeyCommand.Create.class, KeyCommand.Show.class, KeyCommand.ChangePassphrase.class,
                KeyCommand.PaperKeyCmd.class, KeyCommand.Import.class, KeyCommand.CreateMasterKey.class,
                KeyCommand.ImportMasterPubkey.class, KeyCommand.Recover.class, KeyCommand.Split.class,
                KeyCommand.Combine.class, KeyCommand.Check.class})
final class KeyCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed: create, show, "
                + "change-passphrase, paperkey, import, create-master-key, import-master-pubkey, recover, split, combine, check");
    }

    static final int MIN_PASSPHRASE = 8;

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a new random key and write it to the key file (never overwrites one).")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--kdf", defaultValue = "scrypt", description = "scrypt (default), argon2id, or none (no passphrase)")
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
            KeyFile.Kdf chosen = kdfOption(spec, kdf);
            if (chosen instanceof KeyFile.NoKdf) {
                err.println("coffer: warning: the key file has no passphrase: anyone who can read it can read your backups");
            } else {
                pass = newPassphrase();
            }
            try (DataKey k = DataKey.generate()) {
                KeyFile kf = KeyFile.create(k, pass, chosen, hint);
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
            char[] p = key.passphraseFile != null || key.passphraseCommand != null || Env.get(Env.KEY_PASSPHRASE) != null
                    ? key.passphrase("")
                    : Terminal.promptNew("New passphrase: ", "no passphrase given and no terminal to ask on",
                            "set COFFER_KEY_PASSPHRASE, use --passphrase-file, or --kdf none for a key without passphrase");
            return Terminal.atLeast(p, MIN_PASSPHRASE, "choose a longer one, or --kdf none for a key without passphrase");
        }
    }

    static KeyFile.Kdf kdfOption(CommandSpec spec, String name) {
        try {
            return KeyFile.kdfNamed(name);
        } catch (CofferException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--kdf must be scrypt, argon2id or none, not " + name);
        }
    }

    /** Writes a key file for a recovered key: new passphrase unless --kdf none; never over an existing file. */
    static KeyFile writeRecovered(CommandSpec spec, DataKey k, java.nio.file.Path path, String kdf) {
        if (java.nio.file.Files.exists(path)) {
            throw new CofferException("key file " + path + " exists; refusing to overwrite it",
                    "write the recovered key elsewhere with --keyfile");
        }
        KeyFile.Kdf chosen = kdfOption(spec, kdf);
        char[] pass = chosen instanceof KeyFile.NoKdf ? null : KeyOptions.newPassphrase("the recovered key");
        try {
            KeyFile kf = KeyFile.create(k, pass, chosen, null);
            kf.write(path, false);
            return kf;
        } finally {
            if (pass != null) {
                Arrays.fill(pass, '\0');
            }
        }
    }

    static String read(java.nio.file.Path p, String what) {
        try {
            return java.nio.file.Files.readString(p, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new CofferException(what + " " + p + " does not exist");
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            throw new CofferException("cannot read " + what + " " + p + ": " + e.getMessage());
        }
    }

    /**
     * The master key's passphrase: COFFER_MASTER_KEY_PASSPHRASE without the line breaks ending it (a new one
     * with a line break inside is refused, as for key files), or asked on the terminal.
     */
    static char[] masterPassphrase(String prompt, boolean confirm) {
        String env = Env.get(Env.MASTER_KEY_PASSPHRASE);
        if (env != null) {
            char[] raw = env.toCharArray();
            try {
                return confirm ? KeyOptions.oneLine(raw, Env.MASTER_KEY_PASSPHRASE) : KeyOptions.stripLineBreaks(raw);
            } finally {
                Arrays.fill(raw, '\0');
            }
        }
        String reason = "the master key passphrase is needed and there is no terminal to ask on";
        return confirm ? Terminal.promptNew(prompt, reason, "set COFFER_MASTER_KEY_PASSPHRASE")
                : Terminal.prompt(prompt, reason, "set COFFER_MASTER_KEY_PASSPHRASE");
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show the key file's path, fingerprint, KDF, dates and hint (never the key), and the master public key.")
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
            Map<String, Object> params = new LinkedHashMap<>();
            switch (kf.kdf()) {
                case KeyFile.ScryptParams p -> {
                    params.put("n", p.n());
                    params.put("r", p.r());
                    params.put("p", p.p());
                }
                case KeyFile.Argon2Params a -> {
                    params.put("memory-kib", a.memoryKib());
                    params.put("iterations", a.iterations());
                    params.put("parallelism", a.parallelism());
                }
                case KeyFile.NoKdf n -> {
                }
            }
            m.put("kdf-parameters", params);
            m.put("created", kf.created().toString());
            m.put("modified", kf.modified().toString());
            m.put("hint", kf.hint());
            java.nio.file.Path master = Env.masterPublicKey();
            m.put("master-public-key", java.nio.file.Files.exists(master)
                    ? MasterKey.fingerprint(MasterKey.readPublic(read(master, "master public key"), master.toString())) : null);
            if (format == Output.Format.json) {
                Output.json(out, m);
            } else {
                m.forEach((k, v) -> out.printf("%-18s %s%n", k, v == null ? "-" : v));
            }
            return Main.OK;
        }
    }

    @Command(name = "change-passphrase", mixinStandardHelpOptions = true,
            description = "Re-wrap the key under a new passphrase (COFFER_NEW_KEY_PASSPHRASE or a prompt) or KDF. "
                    + "The key, its fingerprint and every chunk id stay the same.")
    static final class ChangePassphrase implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--kdf", description = "scrypt, argon2id or none (default: the key file's current KDF type; "
                + "scrypt for a key file without a passphrase)")
        String kdf;

        @Option(names = "--hint", paramLabel = "TEXT", description = "New hint (default: keep the old one)")
        String hint;

        @Mixin
        KeyOptions key;

        @Override
        public Integer call() {
            KeyFile old = KeyFile.read(key.path());
            // a key without a passphrase gets one (scrypt, as 'key create' does) unless --kdf none says otherwise
            String type = kdf != null ? kdf : old.kdfType().equals("none") ? "scrypt" : old.kdfType();
            KeyFile.Kdf chosen = kdfOption(spec, type);
            DataKey k = key.dataKey();
            char[] pass = chosen instanceof KeyFile.NoKdf ? null : KeyOptions.newPassphrase(key.path().toString());
            try {
                KeyFile kf = old.rewrap(k, pass, chosen, hint != null ? hint : old.hint());
                // the new file must open with the new passphrase before it replaces the old one
                try (DataKey back = KeyFile.parse(kf.toJson()).unwrap(pass)) {
                    if (!back.fingerprint().equals(old.fingerprint())) {
                        throw new dev.coffer.core.CofferException("the rewrapped key file opens to key " + back.fingerprint()
                                + ", not key " + old.fingerprint() + "; " + key.path() + " was left unchanged");
                    }
                }
                kf.write(key.path(), true);
                spec.commandLine().getOut().println("changed the passphrase of " + key.path() + " (" + kf.kdfType()
                        + "); fingerprint " + kf.fingerprint() + " unchanged");
            } finally {
                if (pass != null) {
                    Arrays.fill(pass, '\0');
                }
            }
            return Main.OK;
        }
    }

    @Command(name = "paperkey", mixinStandardHelpOptions = true,
            description = "Print the key for safekeeping: text (typed block with line checksums and a QR code), "
                    + "html (a printable page) or png (the QR code).")
    static final class PaperKeyCmd implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--output-format", paramLabel = "FORMAT", defaultValue = "text", description = "text, html or png")
        String format;

        @Option(names = "--output", paramLabel = "FILE", description = "Write to FILE (mode 0600) instead of standard output")
        java.nio.file.Path output;

        @Mixin
        KeyOptions key;

        @Override
        public Integer call() {
            KeyFile kf = KeyFile.read(key.path());
            byte[] bytes = switch (format) {
                case "text" -> PaperKey.text(kf, key.path().toString()).getBytes(StandardCharsets.UTF_8);
                case "html" -> PaperKey.html(kf, key.path().toString()).getBytes(StandardCharsets.UTF_8);
                case "png" -> QrCodes.asPng(PaperKey.qrText(kf), 8);
                default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--output-format must be text, html or png");
            };
            if (output == null) {
                if (format.equals("png")) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "png needs --output FILE");
                }
                spec.commandLine().getOut().print(new String(bytes, StandardCharsets.UTF_8));
                spec.commandLine().getOut().flush();
            } else {
                writePrivate(output, bytes);
                spec.commandLine().getOut().println("wrote " + output);
            }
            return Main.OK;
        }
    }

    /**
     * Writes a new file, mode 0600 from its creation, never over an existing one, and makes it durable (the
     * file, then its directory) before returning: these files (a master private key, recovery shares) may be
     * the only copy of what they hold. A file that cannot be written whole is removed.
     */
    static void writePrivate(java.nio.file.Path p, byte[] bytes) {
        writeDurably(p, bytes, "rw-------");
    }

    /** {@link #writePrivate} with the given permissions (a public key may be read by others). */
    static void writeDurably(java.nio.file.Path p, byte[] bytes, String permissions) {
        boolean created = false;
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(p, java.util.Set.of(
                java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE),
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString(permissions)))) {
            created = true;
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new CofferException(p + " exists; refusing to overwrite it");
        } catch (java.io.IOException e) {
            if (created) {
                try {
                    java.nio.file.Files.deleteIfExists(p);
                } catch (java.io.IOException ignored) {
                    // the error below matters more
                }
            }
            throw new CofferException("cannot write " + p + ": " + e.getMessage());
        }
        java.nio.file.Path dir = p.toAbsolutePath().getParent();
        try (java.nio.channels.FileChannel d = java.nio.channels.FileChannel.open(dir, java.nio.file.StandardOpenOption.READ)) {
            d.force(true);
        } catch (java.io.IOException e) {
            throw new CofferException("cannot make " + p + " durable (fsync of " + dir + "): " + e.getMessage());
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Rebuild the key file from a paper key: typed lines (--paper FILE, or - for standard input) "
                    + "or a photo or scan of its QR code (--qr IMAGE). Never overwrites a key file.")
    static final class Import implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
        Source source;

        static final class Source {
            @Option(names = "--paper", paramLabel = "FILE", required = true)
            String paper;

            @Option(names = "--qr", paramLabel = "IMAGE", required = true)
            java.nio.file.Path qr;
        }

        @Mixin
        KeyOptions key;

        @Override
        public Integer call() throws java.io.IOException {
            String text;
            if (source.qr != null) {
                text = QrCodes.read(source.qr);
            } else if (source.paper.equals("-")) {
                text = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
            } else {
                text = read(java.nio.file.Path.of(source.paper), "paper key file");
            }
            KeyFile kf;
            try {
                kf = PaperKey.parse(text);
            } catch (dev.coffer.core.CorruptDataException e) {
                throw new CofferException("paper key: " + e.getMessage(), "nothing was written");
            }
            kf.write(key.path(), false);
            spec.commandLine().getOut().println("imported key " + kf.fingerprint() + " to " + key.path()
                    + (kf.needsPassphrase() ? " (it still needs its passphrase)" : ""));
            return Main.OK;
        }
    }

    @Command(name = "create-master-key", mixinStandardHelpOptions = true,
            description = "Create an RSA master key pair for key escrow: master-public.pem and master-private.pem "
                    + "(encrypted with COFFER_MASTER_KEY_PASSPHRASE or a prompted passphrase). Keep the private one offline.")
    static final class CreateMasterKey implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--bits", defaultValue = "4096", description = "RSA modulus size (default 4096)")
        int bits;

        @Option(names = "--output-dir", paramLabel = "DIR", defaultValue = ".", description = "Where to write the two files")
        java.nio.file.Path dir;

        @Override
        public Integer call() throws java.io.IOException {
            if (bits < 3072 || bits > 16384) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--bits " + bits + ": a master key has 3072 to 16384 bits; 4096 is the default");
            }
            java.nio.file.Path pub = dir.resolve("master-public.pem");
            java.nio.file.Path priv = dir.resolve("master-private.pem");
            if (java.nio.file.Files.exists(pub) || java.nio.file.Files.exists(priv)) {
                throw new CofferException(dir + " already holds a master key; refusing to overwrite it");
            }
            char[] pass = Terminal.atLeast(masterPassphrase("Passphrase for the master private key: ", true),
                    MIN_PASSPHRASE, "choose a longer one");
            java.security.KeyPair kp = MasterKey.generate(bits);
            try {
                dev.coffer.core.util.DurableDirs.create(dir, null);
                String pem = MasterKey.privatePem(kp.getPrivate(), pass);
                // the private key must open with its passphrase before it is written: it is the only copy
                java.security.PrivateKey back = MasterKey.readPrivate(pem, pass, priv.toString());
                if (!Arrays.equals(back.getEncoded(), kp.getPrivate().getEncoded())) {
                    throw new CofferException("the encrypted master private key does not open to the key just made; nothing was written");
                }
                writePrivate(priv, pem.getBytes(StandardCharsets.US_ASCII));
                writeDurably(pub, MasterKey.publicPem(kp.getPublic()).getBytes(StandardCharsets.US_ASCII), "rw-r--r--");
            } finally {
                Arrays.fill(pass, '\0');
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("wrote " + pub + " and " + priv);
            out.println("master key fingerprint " + MasterKey.fingerprint(kp.getPublic()));
            out.println("Import the public key on each host with 'coffer key import-master-pubkey " + pub
                    + "'; keep the private key and its passphrase offline.");
            return Main.OK;
        }
    }

    @Command(name = "import-master-pubkey", mixinStandardHelpOptions = true,
            description = "Escrow the data key of every encrypted backup from now on to this master public key.")
    static final class ImportMasterPubkey implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Parameters(paramLabel = "PEM")
        java.nio.file.Path pem;

        @Override
        public Integer call() throws java.io.IOException {
            String text = read(pem, "master public key");
            java.security.PublicKey k = MasterKey.readPublic(text, pem.toString());
            java.nio.file.Path dest = Env.masterPublicKey();
            dev.coffer.core.util.DurableDirs.create(dest.getParent(), null);
            dev.coffer.store.AtomicFiles.write(dest, MasterKey.publicPem(k).getBytes(StandardCharsets.US_ASCII), null);
            spec.commandLine().getOut().println("encrypted backups now escrow their key to master key "
                    + MasterKey.fingerprint(k) + " (" + dest + ")");
            return Main.OK;
        }
    }

    @Command(name = "recover", mixinStandardHelpOptions = true,
            description = "Write a new key file from the key escrowed in SNAPSHOT, using the master private key.")
    static final class Recover implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--master-key", paramLabel = "PEM", required = true, description = "master-private.pem")
        java.nio.file.Path masterKey;

        @picocli.CommandLine.Parameters(paramLabel = "SNAPSHOT")
        String snapshot;

        @Option(names = "--ns", paramLabel = "NS", defaultValue = "", description = "Namespace")
        String ns;

        @Option(names = "--kdf", defaultValue = "scrypt", description = "KDF of the new key file: scrypt, argon2id or none")
        String kdf;

        @Mixin
        RepoOptions repo;

        @Mixin
        KeyOptions key;

        @Override
        public Integer call() {
            try (dev.coffer.client.repo.Repository r = repo.open()) {
                dev.coffer.store.SnapshotRef ref = dev.coffer.client.snapshot.SnapshotSpec.resolve(r, ns, snapshot);
                byte[] escrow;
                try {
                    escrow = r.readSnapshotFile(ref, MasterKey.ESCROW_FILE);
                } catch (dev.coffer.core.CorruptDataException e) {
                    throw new CofferException("snapshot " + ref.name() + " holds no escrowed key",
                            "only backups made with a master public key configured (or --master-pubkey) can be recovered this way");
                }
                String pem = read(masterKey, "master private key");
                char[] pass = masterPassphrase("Passphrase for " + masterKey + ": ", false);
                java.security.PrivateKey priv;
                try {
                    priv = MasterKey.readPrivate(pem, pass, masterKey.toString());
                } catch (dev.coffer.core.keys.WrongPassphraseException wrong) {
                    // a master key made before passphrases were read alike, from a variable that kept a line break
                    String env = Env.get(Env.MASTER_KEY_PASSPHRASE);
                    if (env == null || env.length() == pass.length) {
                        throw wrong;
                    }
                    char[] raw = env.toCharArray();
                    try {
                        priv = MasterKey.readPrivate(pem, raw, masterKey.toString());
                    } catch (dev.coffer.core.keys.WrongPassphraseException again) {
                        throw wrong;
                    } finally {
                        Arrays.fill(raw, '\0');
                    }
                } finally {
                    Arrays.fill(pass, '\0');
                }
                try (DataKey k = MasterKey.recover(escrow, priv, null)) {
                    var manifest = dev.coffer.client.snapshot.OpenSnapshot.readManifest(r, ref).body();
                    if (manifest.keyFingerprint() == null || !manifest.keyFingerprint().equals(k.fingerprint())) {
                        throw new CofferException("the escrowed key of " + ref.name() + " is key " + k.fingerprint()
                                + ", but its manifest names key " + manifest.keyFingerprint() + "; nothing was written");
                    }
                    KeyFile kf = writeRecovered(spec, k, key.path(), kdf);
                    spec.commandLine().getOut().println("recovered key " + kf.fingerprint() + " from " + ref.name()
                            + " to " + key.path());
                }
            }
            return Main.OK;
        }
    }

    @Command(name = "split", mixinStandardHelpOptions = true,
            description = "Split the key into N recovery shares, any K of which rebuild it: share-I-of-N.txt and .png.")
    static final class Split implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--shares", required = true, paramLabel = "N")
        int shares;

        @Option(names = "--threshold", required = true, paramLabel = "K")
        int threshold;

        @Option(names = "--output-dir", paramLabel = "DIR", defaultValue = ".")
        java.nio.file.Path dir;

        @Mixin
        KeyOptions key;

        @Override
        public Integer call() throws java.io.IOException {
            if (threshold < 2 || shares < threshold || shares > 255) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "need 2 <= --threshold <= --shares <= 255");
            }
            // shares of two different splits do not combine: refuse before writing any, rather than mix them
            for (int i = 1; i <= shares; i++) {
                for (String ext : new String[] {".txt", ".png"}) {
                    java.nio.file.Path p = dir.resolve("share-" + i + "-of-" + shares + ext);
                    if (java.nio.file.Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        throw new CofferException(p + " exists; refusing to overwrite it; nothing was written",
                                "move the old shares away, or choose another --output-dir");
                    }
                }
            }
            DataKey dataKey = key.dataKey();
            dev.coffer.core.util.DurableDirs.create(dir, null);
            java.time.Instant now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
            java.util.List<java.nio.file.Path> written = new java.util.ArrayList<>();
            boolean done = false;
            try {
                for (RecoveryShare s : RecoveryShare.split(dataKey, shares, threshold)) {
                    String base = "share-" + s.index() + "-of-" + shares;
                    java.nio.file.Path txt = dir.resolve(base + ".txt");
                    writePrivate(txt, s.sheet(now).getBytes(StandardCharsets.UTF_8));
                    written.add(txt);
                    java.nio.file.Path png = dir.resolve(base + ".png");
                    writePrivate(png, QrCodes.asPng(s.qrText(), 8));
                    written.add(png);
                }
                done = true;
            } finally {
                if (!done) {
                    // an incomplete set is of no use, and a share left behind could be mixed up with the next split
                    for (java.nio.file.Path p : written) {
                        try {
                            java.nio.file.Files.deleteIfExists(p);
                        } catch (java.io.IOException e) {
                            spec.commandLine().getErr().println("coffer: warning: cannot remove " + p + " (" + e.getMessage()
                                    + "); delete it by hand: it belongs to no complete set of shares");
                        }
                    }
                    dev.coffer.core.util.DurableDirs.fsync(dir);
                }
            }
            spec.commandLine().getOut().println("wrote " + shares + " shares to " + dir + "; any " + threshold
                    + " of them rebuild key " + dataKey.fingerprint());
            return Main.OK;
        }
    }

    @Command(name = "combine", mixinStandardHelpOptions = true,
            description = "Rebuild the key file from K recovery shares (typed sheets, or QR images).")
    static final class Combine implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Parameters(arity = "1..*", paramLabel = "SHARE_FILE")
        java.util.List<java.nio.file.Path> files;

        @Option(names = "--kdf", defaultValue = "scrypt", description = "KDF of the new key file: scrypt, argon2id or none")
        String kdf;

        @Mixin
        KeyOptions key;

        @Override
        public Integer call() {
            java.util.List<RecoveryShare> list = new java.util.ArrayList<>();
            for (java.nio.file.Path f : files) {
                String name = f.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
                String text = name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg")
                        ? QrCodes.read(f) : read(f, "share");
                try {
                    list.add(RecoveryShare.parse(text));
                } catch (dev.coffer.core.CorruptDataException e) {
                    throw new CofferException(f + ": " + e.getMessage(), "nothing was written");
                }
            }
            RecoveryShare.Combined c = RecoveryShare.combineReporting(list);
            try (DataKey k = c.key()) {
                if (!c.misfits().isEmpty()) {
                    java.util.List<String> names = new java.util.ArrayList<>();
                    for (int i = 0; i < list.size(); i++) {
                        if (c.misfits().contains(list.get(i).index())) {
                            names.add(files.get(i).toString());
                        }
                    }
                    spec.commandLine().getErr().println("coffer: warning: " + String.join(", ", names)
                            + (names.size() == 1 ? " does" : " do") + " not fit the other shares (damaged, altered, or from "
                            + "another split of this key); the key was rebuilt without " + (names.size() == 1 ? "it" : "them")
                            + " and its fingerprint checks out");
                }
                KeyFile kf = writeRecovered(spec, k, key.path(), kdf);
                spec.commandLine().getOut().println("rebuilt key " + kf.fingerprint() + " to " + key.path());
            }
            return Main.OK;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Prove that this key decrypts SNAPSHOT (default: the newest snapshot made with it): the "
                    + "manifest and a sample of chunks. Exit 0 or 1 with a one-line verdict.")
    static final class Check implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Parameters(arity = "0..1", paramLabel = "SNAPSHOT")
        String snapshot;

        @Option(names = "--ns", paramLabel = "NS", defaultValue = "", description = "Namespace")
        String ns;

        @Option(names = "--sample", defaultValue = "8", description = "Chunks to decrypt per archive (default 8)")
        int sample;

        @Mixin
        RepoOptions repo;

        @Mixin
        KeyOptions key;

        @Override
        public Integer call() {
            try (dev.coffer.client.repo.Repository r = repo.open()) {
                KeySet keys = key.keys();
                dev.coffer.store.SnapshotRef ref = snapshot != null
                        ? dev.coffer.client.snapshot.SnapshotSpec.resolve(r, ns, snapshot) : newestWith(r, ns, keys);
                var snap = dev.coffer.client.snapshot.OpenSnapshot.open(r, ref, () -> keys);
                if (snap.body().cryptMode() != dev.coffer.core.crypto.CryptMode.ENCRYPT) {
                    // nothing in it was encrypted (sign-only too): it proves nothing about decrypting
                    throw new CofferException("snapshot " + ref.name() + " is not encrypted (crypt mode "
                            + snap.body().cryptMode().cliName() + "): it cannot show that key "
                            + keys.fingerprint().shortForm() + " decrypts anything",
                            "check a snapshot made with --crypt-mode encrypt, or give none to use the newest made with this key");
                }
                int checked = 0;
                java.util.Random rnd = new java.util.Random();
                for (var a : snap.body().archives()) {
                    for (var ir : a.indexes()) {
                        var idx = snap.index(ir);
                        int n = Math.min(sample, idx.chunkCount());
                        java.util.Set<Integer> pick = new java.util.TreeSet<>();
                        if (idx.chunkCount() > 0) {
                            pick.add(0);
                        }
                        while (pick.size() < n) {
                            pick.add(rnd.nextInt(idx.chunkCount()));
                        }
                        for (int i : pick) {
                            snap.codec().decodeChunk(idx.id(i), r.readChunk(snap.ref(), idx.id(i)));
                            checked++;
                        }
                    }
                }
                spec.commandLine().getOut().println("ok: key " + keys.fingerprint().shortForm() + " decrypts "
                        + ref.name() + " (manifest and " + checked + " chunks)");
            }
            return Main.OK;
        }

        private static dev.coffer.store.SnapshotRef newestWith(dev.coffer.client.repo.Repository r, String ns, KeySet keys) {
            var all = new java.util.ArrayList<>(r.snapshots(ns));
            all.sort((a, b) -> b.time().compareTo(a.time()));
            for (var s : all) {
                try {
                    var b = dev.coffer.client.snapshot.OpenSnapshot.readManifest(r, s).body();
                    if (b.cryptMode() == dev.coffer.core.crypto.CryptMode.ENCRYPT && keys.fingerprint().equals(b.keyFingerprint())) {
                        return s;
                    }
                } catch (CofferException e) {
                    // skip unreadable ones
                }
            }
            throw new CofferException("no snapshot in " + r.location() + " was made with key " + keys.fingerprint().shortForm());
        }
    }
}
