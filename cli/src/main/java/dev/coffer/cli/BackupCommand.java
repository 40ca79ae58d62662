package dev.coffer.cli;

import dev.coffer.client.backup.ArchiveSpec;
import dev.coffer.client.backup.BackupEngine;
import dev.coffer.client.backup.BackupStats;
import dev.coffer.client.repo.Repository;
import dev.coffer.core.CofferException;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.crypto.DataKey;
import dev.coffer.core.crypto.KeySet;
import dev.coffer.core.keys.KeyFile;
import dev.coffer.store.BackupGroup;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "backup", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Back up directories (NAME.cfar:DIR) and files or block devices (NAME.img:PATH) as one snapshot.")
final class BackupCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "ARCHIVE", description = "NAME.cfar:DIR or NAME.img:FILE_OR_DEVICE")
    List<String> archives;

    @Option(names = "--crypt-mode", paramLabel = "MODE", defaultValue = "encrypt",
            description = "encrypt (default), sign-only or none")
    String cryptMode;

    @Option(names = "--backup-type", defaultValue = "host", description = "host (default), vm or ct")
    String backupType;

    @Option(names = "--backup-id", paramLabel = "ID", description = "Group id (default: this host's name)")
    String backupId;

    @Option(names = "--ns", paramLabel = "NS", defaultValue = "", description = "Namespace, e.g. a/b")
    String ns;

    @Option(names = "--exclude", paramLabel = "GLOB", description = "Skip matching paths (repeatable)")
    List<String> excludes = new ArrayList<>();

    @Option(names = "--change-detection", paramLabel = "MODE", defaultValue = "metadata",
            description = "metadata (default): files whose size, mtime, ctime and inode match the previous snapshot "
                    + "are not read; data: read every file")
    String changeDetection;

    @Option(names = "--chunk-size", paramLabel = "SIZE", defaultValue = "4M",
            description = "Average chunk size of directory archives' file contents, a power of two (default 4M; their entries are cut at 1M or less)")
    String chunkSize;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: number of CPUs)")
    Integer threads;

    @Option(names = "--master-pubkey", paramLabel = "PEM",
            description = "Escrow the data key to this master public key (default: the one imported with "
                    + "'coffer key import-master-pubkey', if any)")
    java.nio.file.Path masterPubkey;

    @Option(names = "--rate", paramLabel = "MBPS",
            description = "Cap the rate of storing new chunks at MBPS megabytes (10^6 bytes) per second, so the backup "
                    + "does not starve the host's real work of network or disk bandwidth")
    Double rate;

    @Option(names = "--quiet", description = "No progress and no summary")
    boolean quiet;

    @Mixin
    RepoOptions repo;

    @Mixin
    KeyOptions key;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<ArchiveSpec> specs = new ArrayList<>();
        for (String a : archives) {
            specs.add(Usage.check(spec, () -> ArchiveSpec.parse(a)));
        }
        CryptMode mode;
        try {
            mode = CryptMode.fromCliName(cryptMode);
        } catch (CofferException e) {
            throw new ParameterException(spec.commandLine(), "--crypt-mode: " + e.getMessage() + "; " + e.hint());
        }
        if (!changeDetection.equals("data") && !changeDetection.equals("metadata")) {
            throw new ParameterException(spec.commandLine(), "--change-detection must be data or metadata, not "
                    + changeDetection);
        }
        if (rate != null && !(rate > 0 && rate <= 1e6)) {
            throw new ParameterException(spec.commandLine(), "--rate must be a positive number of MB/s, not " + rate);
        }
        int average = Usage.check(spec, () -> parseSize(chunkSize));
        BackupGroup group = Usage.check(spec, () -> new BackupGroup(ns, backupType, backupId != null ? backupId : hostname()));
        boolean existed = Files.isDirectory(java.nio.file.Path.of(repo.location()));
        // a key file that exists is read before anything is created; a missing default one is made only for a
        // datastore without encrypted snapshots (below)
        boolean createKey = mode != CryptMode.NONE && key.isDefault() && !Files.exists(key.path());
        DataKey given = mode == CryptMode.NONE || createKey ? null : key.dataKey();
        java.nio.file.Path pubPath = masterPubkey != null ? masterPubkey
                : Files.exists(Env.masterPublicKey()) ? Env.masterPublicKey() : null;
        java.security.PublicKey pub = pubPath != null && mode == CryptMode.ENCRYPT ? dev.coffer.core.keys.MasterKey.readPublic(
                KeyCommand.read(pubPath, "master public key"), pubPath.toString()) : null;
        try (Repository r = repo.openOrCreate()) {
            if (!existed && !quiet && !repo.isRemote()) {
                err.println("coffer: created datastore " + r.location());
            }
            DataKey dataKey = createKey ? createKey(err, r) : given;
            KeySet keys = dataKey == null ? null : KeySet.derive(dataKey);
            byte[] escrow = pub == null ? null : dev.coffer.core.keys.MasterKey.escrow(dataKey, pub);
            if (rate != null) {
                r.limitRate((long) (rate * 1_000_000));
            }
            BackupStats stats = new BackupStats();
            int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
            BackupEngine.Options opts = new BackupEngine.Options(r, group, specs, mode, keys, excludes, average,
                    Math.max(1, n), msg -> err.println("coffer: warning: " + msg), Progress.enabled(quiet), escrow,
                    changeDetection.equals("metadata"));
            BackupEngine.Result result;
            try (Progress p = new Progress(Progress.enabled(quiet), "backup", stats.bytesRead::get,
                    stats.expectedBytes::get, stats.files::get)) {
                result = new BackupEngine(opts, stats).run();
            }
            if (!quiet) {
                summary(out, result, mode);
            }
            long unreadable = stats.unreadable.get();
            if (unreadable > 0) {
                // the snapshot is saved, but it is not the whole source: a script must see that
                err.println("coffer: error: snapshot " + result.snapshot().name() + " was saved, but " + unreadable
                        + (unreadable == 1 ? " file or directory could not be read and is"
                                : " files or directories could not be read and are")
                        + " missing from it (the warnings above name them)");
                err.println("hint: give the backup the rights to read them, or --exclude them");
                return Main.FAILED;
            }
        }
        return Main.OK;
    }

    /**
     * Creates the default key file for a first backup. Refused when the group being backed up already has
     * snapshots made with a key: that key is then what is missing (a backup run under another HOME, a
     * reinstalled host), and a new key would quietly start a second, unrelated set of backups. Other groups
     * (other hosts, each with a key of its own) do not count.
     */
    private DataKey createKey(PrintWriter err, Repository r) {
        java.util.Set<String> fingerprints = new java.util.TreeSet<>();
        BackupGroup group = new BackupGroup(ns, backupType, backupId != null ? backupId : hostname());
        List<dev.coffer.store.SnapshotRef> all = new java.util.ArrayList<>(r.snapshots(group)); // oldest first
        java.util.Collections.reverse(all);
        for (dev.coffer.store.SnapshotRef s : all.subList(0, Math.min(all.size(), 20))) {
            try {
                var body = dev.coffer.core.format.Manifest.parse(r.readSnapshotFile(s, "manifest.cfm")).body();
                if (body.keyFingerprint() != null) {
                    fingerprints.add(body.keyFingerprint().toString());
                }
            } catch (dev.coffer.core.CofferException e) {
                // unreadable here: the others tell
            }
        }
        if (!fingerprints.isEmpty()) {
            throw new dev.coffer.core.CofferException("no key file at " + key.path() + ", and group " + group + " in "
                    + r.location() + " already has snapshots made with key " + String.join(", key ", fingerprints)
                    + "; nothing was backed up",
                    "point --keyfile or COFFER_KEYFILE at that key, or bring it back with 'coffer key import' (paper key) "
                            + "or 'coffer key combine' (recovery shares); to start a separate set of backups with a new "
                            + "key, create one first with 'coffer key create'");
        }
        DataKey k = DataKey.generate();
        KeyFile kf = KeyFile.create(k, null, null);
        kf.write(key.path(), false);
        err.println("coffer: created encryption key " + key.path() + " (no passphrase)");
        err.println("  Without this key your encrypted backups cannot be restored. Keep a copy away from");
        err.println("  this host; print one with 'coffer key paperkey'. Fingerprint: " + kf.fingerprint());
        return k;
    }

    private void summary(PrintWriter out, BackupEngine.Result r, CryptMode mode) {
        BackupStats s = r.stats();
        out.println("snapshot " + r.snapshot().name() + (r.snapshot().group().ns().isEmpty() ? ""
                : " (namespace " + r.snapshot().group().ns() + ")") + ", " + mode);
        out.println("  files " + Units.count(s.files.get()) + (s.unchangedFiles.get() > 0 ? " (" + Units.count(s.unchangedFiles.get())
                + " unchanged, " + Units.bytes(s.unchangedBytes.get()) + " not read)" : "") + ", directories "
                + Units.count(s.directories.get()) + ", other " + Units.count(s.otherEntries.get()) + ", read "
                + Units.bytes(s.bytesRead.get()));
        long stream = s.streamBytes.get();
        long fresh = s.newBytes.get();
        long stored = s.storedNewBytes.get();
        out.println("  new " + Units.bytes(fresh) + " in " + Units.count(s.newChunks.get()) + " chunks (stored "
                + Units.bytes(stored) + (fresh > 0 ? String.format(Locale.ROOT, ", compression %.2fx", (double) fresh / Math.max(1, stored)) : "")
                + "), reused " + Units.bytes(stream - fresh)
                + (fresh > 0 ? String.format(Locale.ROOT, ", dedup %.2fx", (double) stream / fresh)
                        : stream > 0 ? ", nothing new" : ""));
        out.println("  duration " + Units.duration(r.durationMillis()) + ", " + Units.rate(s.bytesRead.get(), r.durationMillis())
                + (s.warnings.get() > 0 ? ", " + s.warnings.get() + " warnings (above)" : ""));
    }

    static int parseSize(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        long mult = 1;
        if (t.endsWith("K")) {
            mult = 1 << 10;
        } else if (t.endsWith("M")) {
            mult = 1 << 20;
        }
        if (mult > 1) {
            t = t.substring(0, t.length() - 1);
        }
        long v;
        try {
            v = Long.parseLong(t) * mult;
        } catch (NumberFormatException e) {
            throw new CofferException("--chunk-size " + s + " is not a size", "write e.g. 1M, 4M or 512K");
        }
        if (v < 64 * 1024 || v > dev.coffer.core.chunking.CdcChunker.MAX_AVERAGE || Long.bitCount(v) != 1) {
            throw new CofferException("--chunk-size " + s + " must be a power of two from 64K to 16M",
                    "the largest chunk is four times the average and must fit a 64 MiB blob");
        }
        return (int) v;
    }

    private static String hostname() {
        String h = null;
        try {
            h = new String(Files.readAllBytes(java.nio.file.Path.of("/proc/sys/kernel/hostname"))).trim();
        } catch (java.io.IOException e) {
            try {
                h = InetAddress.getLocalHost().getHostName();
            } catch (java.net.UnknownHostException ignored) {
                // fall through
            }
        }
        if (h == null || h.isEmpty()) {
            return "localhost";
        }
        int dot = h.indexOf('.');
        String shortName = dot > 0 ? h.substring(0, dot) : h;
        return shortName.replaceAll("[^A-Za-z0-9_.-]", "_");
    }
}
