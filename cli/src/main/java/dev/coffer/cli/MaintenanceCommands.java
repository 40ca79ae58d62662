package dev.coffer.cli;

import dev.coffer.client.remote.RemoteRepository;
import dev.coffer.client.repo.LocalRepository;
import dev.coffer.client.repo.Repository;
import dev.coffer.client.restore.RestoreEngine;
import dev.coffer.client.snapshot.OpenSnapshot;
import dev.coffer.client.snapshot.SnapshotSpec;
import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.store.BackupGroup;
import dev.coffer.store.Datastore;
import dev.coffer.store.SnapshotRef;
import dev.coffer.store.maint.GarbageCollector;
import dev.coffer.store.maint.Prune;
import dev.coffer.store.maint.Verifier;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** verify, gc and prune: the jobs that keep a datastore healthy. */
final class MaintenanceCommands {
    private MaintenanceCommands() {
    }



    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Check that every chunk of the snapshots is present and intact. Without --decrypt no key is "
                    + "needed (what a server can do); with it every chunk is authenticated and decrypted too. "
                    + "Corrupt chunks are moved aside so the next backup stores them again.")
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..1", paramLabel = "SNAPSHOT", description = "One snapshot (default: all)")
        String snapshot;

        @Option(names = "--ns", paramLabel = "NS", defaultValue = "", description = "Namespace")
        String ns;

        @Option(names = "--decrypt", description = "Also authenticate and decrypt every chunk (needs the key)")
        boolean decrypt;

        @Option(names = "--outdated-after", paramLabel = "DAYS",
                description = "Skip snapshots verified ok within the last DAYS days")
        Integer outdatedAfter;

        @Mixin
        RepoOptions repo;

        @Mixin
        KeyOptions key;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Repository any = repo.open()) {
                List<SnapshotRef> list = snapshot != null ? List.of(SnapshotSpec.resolve(any, ns, snapshot)) : any.snapshots(ns);
                if (any instanceof RemoteRepository remote) {
                    return RemoteVerify.run(remote, ns, snapshot == null ? null : list.get(0), list, decrypt ? key.keys() : null,
                            outdatedAfter, out);
                }
                LocalRepository r = (LocalRepository) any;
                Datastore ds = r.datastore();
                Verifier.ChunkCheck check = Verifier.KEYLESS;
                if (decrypt) {
                    var keys = key.keys();
                    check = (id, blob, mode) -> {
                        if (mode == CryptMode.ENCRYPT && dev.coffer.core.crypto.BlobCodec.inspect(blob).encrypted()) {
                            new dev.coffer.core.crypto.BlobCodec(mode, keys).decodeChunk(id, blob);
                        } else {
                            Verifier.KEYLESS.check(id, blob, mode);
                        }
                    };
                    for (SnapshotRef s : list) {
                        OpenSnapshot.open(r, s, () -> keys); // wrong key: stop here, naming both fingerprints
                    }
                }
                Verifier v = new Verifier(ds, check);
                int failed = 0;
                for (SnapshotRef s : list) {
                    Verifier.Outcome o = v.verify(s, outdatedAfter == null ? null : Duration.ofDays(outdatedAfter));
                    if (o.skipped()) {
                        out.println("skip   " + s.name() + " (verified recently)");
                    } else if (o.ok()) {
                        out.println("ok     " + s.name() + " (" + o.chunks() + " chunks)");
                    } else {
                        failed++;
                        out.println("FAILED " + s.name());
                        o.errors().forEach(e -> out.println("       " + e));
                    }
                }
                if (failed > 0) {
                    throw new CofferException(failed + " of " + list.size() + " snapshots failed verification",
                            "back up the same data again to restore the moved-aside chunks, then verify again");
                }
                out.println("verified " + list.size() + " snapshots");
            }
            return Main.OK;
        }
    }

    @Command(name = "gc", mixinStandardHelpOptions = true,
            description = "Remove chunks no snapshot references. Safe while backups run: it keeps everything they use.")
    static final class Gc implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RepoOptions repo;

        @Override
        public Integer call() {
            try (Repository any = repo.open()) {
                PrintWriter out = spec.commandLine().getOut();
                if (any instanceof RemoteRepository remote) {
                    var j = remote.gc();
                    out.println("removed " + Units.count(j.path("removed-chunks").asLong()) + " chunks ("
                            + Units.bytes(j.path("removed-bytes").asLong()) + "), kept " + Units.count(j.path("kept-chunks").asLong())
                            + " chunks (" + Units.bytes(j.path("kept-bytes").asLong()) + ")");
                    out.println(String.format(Locale.ROOT, "%d snapshots: dedup and compression factor %.2f",
                            j.path("snapshots").asLong(), j.path("dedup-factor").asDouble()));
                    if (j.path("held-back-by-backup-since").isTextual()) {
                        heldBack(out, java.time.Instant.parse(j.path("held-back-by-backup-since").asText()));
                    }
                    return Main.OK;
                }
                LocalRepository r = (LocalRepository) any;
                GarbageCollector.Report rep = GarbageCollector.run(r.datastore());
                out.println("removed " + Units.count(rep.removedChunks()) + " chunks (" + Units.bytes(rep.removedBytes())
                        + "), kept " + Units.count(rep.keptChunks()) + " chunks (" + Units.bytes(rep.keptBytes()) + ")");
                out.println(String.format(Locale.ROOT, "%d snapshots hold %s of data: dedup and compression factor %.2f",
                        rep.snapshots(), Units.bytes(rep.logicalBytes()), rep.dedupFactor()));
                if (rep.heldBackBy() != null) {
                    heldBack(out, rep.heldBackBy());
                }
            }
            return Main.OK;
        }

        /** Says that a running backup kept what was last used after it began, when that was a while ago. */
        private static void heldBack(PrintWriter out, java.time.Instant since) {
            java.time.Duration d = java.time.Duration.between(since, java.time.Instant.now());
            if (d.compareTo(java.time.Duration.ofMinutes(60)) >= 0) {
                out.println("note: a backup running since " + since.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                        + " (" + d.toHours() + " h) kept every chunk last used since it began from this collection; "
                        + "they go at one after it ends");
            }
        }
    }

    @Command(name = "prune", mixinStandardHelpOptions = true,
            description = "Forget the snapshots of a group that no keep rule keeps. Protected snapshots, and those "
                    + "whose last verify failed, always stay and take no slot. Run 'coffer gc' afterwards to free the space.")
    static final class PruneCmd implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "TYPE/ID")
        String group;

        @Option(names = "--keep-last", defaultValue = "0") int last;
        @Option(names = "--keep-hourly", defaultValue = "0") int hourly;
        @Option(names = "--keep-daily", defaultValue = "0") int daily;
        @Option(names = "--keep-weekly", defaultValue = "0") int weekly;
        @Option(names = "--keep-monthly", defaultValue = "0") int monthly;
        @Option(names = "--keep-yearly", defaultValue = "0") int yearly;

        @Option(names = "--dry-run", description = "Only show what would be kept and removed, and why")
        boolean dryRun;

        @Option(names = "--ns", paramLabel = "NS", defaultValue = "", description = "Namespace")
        String ns;

        @Mixin
        RepoOptions repo;

        @Override
        public Integer call() {
            if (last < 0 || hourly < 0 || daily < 0 || weekly < 0 || monthly < 0 || yearly < 0) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "a --keep-* count cannot be negative (give how many to keep, and leave out the rules you do not want)");
            }
            Prune.Rules rules = new Prune.Rules(last, hourly, daily, weekly, monthly, yearly);
            if (rules.keepsNothing()) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "give at least one --keep-* rule (prune never removes every snapshot of a group)");
            }
            String[] parts = group.split("/");
            if (parts.length != 2) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "prune takes TYPE/ID, not " + group);
            }
            PrintWriter out = spec.commandLine().getOut();
            try (Repository r = repo.open()) {
                BackupGroup g = new BackupGroup(ns, parts[0], parts[1]);
                Prune.Result result = r.prune(g, rules, ZoneId.systemDefault(), dryRun);
                List<Prune.Decision> plan = result.plan();
                if (plan.isEmpty()) { // a typo in a cron line must not pass for a prune that found nothing to do
                    throw new dev.coffer.core.CofferException("no snapshots of group " + g + " in " + r.location(),
                            "check TYPE/ID (and --ns) against 'coffer snapshots'");
                }
                int toRemove = 0;
                for (Prune.Decision d : plan) {
                    String error = result.failures().get(d.snapshot());
                    if (error != null) {
                        out.printf("%-6s %s  (%s; not removed: %s)%n", "FAILED", d.snapshot().name(), d.reason(), error);
                    } else {
                        out.printf("%-6s %s  (%s)%n", d.keep() ? "keep" : "remove", d.snapshot().name(), d.reason());
                    }
                    if (!d.keep()) {
                        toRemove++;
                    }
                }
                if (dryRun) {
                    out.println("dry run: would remove " + toRemove + " of " + plan.size() + " snapshots");
                } else {
                    out.println("removed " + result.removed() + " of " + plan.size() + " snapshots; run 'coffer gc' to free their space");
                }
                if (!result.failures().isEmpty()) {
                    spec.commandLine().getErr().println("coffer: prune: " + result.failures().size() + " of the " + toRemove
                            + " snapshots to remove could not be removed (marked FAILED above); the others were");
                    return Main.FAILED;
                }
            }
            return Main.OK;
        }
    }

    @Command(name = "drill", mixinStandardHelpOptions = true,
            description = "Restore drill: restore SNAPSHOT (default latest) to a temporary directory, compare every file "
                    + "with the checksum recorded at backup time, report pass or fail, clean up.")
    static final class Drill implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..1", paramLabel = "SNAPSHOT")
        String snapshot = "latest";

        @Option(names = "--ns", paramLabel = "NS", defaultValue = "", description = "Namespace")
        String ns;

        @Option(names = "--tmpdir", paramLabel = "DIR", description = "Where to restore (default: the system's temporary directory)")
        java.nio.file.Path tmpdir;

        @Mixin
        RepoOptions repo;

        @Mixin
        KeyOptions key;

        @Override
        public Integer call() throws java.io.IOException {
            PrintWriter out = spec.commandLine().getOut();
            try (Repository r = repo.open()) {
                SnapshotRef ref = SnapshotSpec.resolve(r, ns, snapshot);
                OpenSnapshot snap = OpenSnapshot.open(r, ref, key::keys);
                java.nio.file.Path dir = tmpdir != null ? java.nio.file.Files.createTempDirectory(tmpdir, "coffer-drill-")
                        : java.nio.file.Files.createTempDirectory("coffer-drill-");
                dev.coffer.client.restore.Drill.Result result;
                try {
                    result = dev.coffer.client.restore.Drill.run(snap, dir,
                            msg -> spec.commandLine().getErr().println("coffer: warning: " + msg));
                } finally {
                    try {
                        dev.coffer.store.AtomicFiles.deleteTree(dir);
                    } catch (java.io.IOException e) {
                        // the drill's outcome matters more: it is still recorded and reported below
                        spec.commandLine().getErr().println("coffer: warning: could not remove the drill's temporary "
                                + "directory " + dir + " (" + e.getMessage() + "); remove it by hand");
                    }
                }
                dev.coffer.client.restore.Drill.record(r, ref, result, r instanceof LocalRepository);
                if (!result.passed()) {
                    out.println("drill FAILED " + ref.name() + ": " + result.error());
                    throw new CofferException("restore drill of " + ref.name() + " failed: " + result.error());
                }
                out.println("drill passed " + ref.name() + ": " + Units.count(result.files()) + " files, "
                        + Units.bytes(result.bytes()) + " restored and checked");
            }
            return Main.OK;
        }
    }

    static List<String> names(List<SnapshotRef> l) {
        List<String> out = new ArrayList<>();
        l.forEach(s -> out.add(s.name()));
        return out;
    }
}
