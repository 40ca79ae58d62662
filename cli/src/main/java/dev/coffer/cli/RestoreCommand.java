package dev.coffer.cli;

import dev.coffer.client.fs.BytePaths;
import dev.coffer.client.repo.Repository;
import dev.coffer.client.restore.RestoreEngine;
import dev.coffer.client.snapshot.OpenSnapshot;
import dev.coffer.client.snapshot.SnapshotSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "restore", mixinStandardHelpOptions = true,
        description = "Restore an archive: a directory archive into the directory TARGET, an image to the file TARGET.")
final class RestoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SNAPSHOT", description = "TYPE/ID/TIME, TYPE/ID or latest")
    String snapshot;

    @Parameters(index = "1", paramLabel = "ARCHIVE", description = "e.g. docs.cfar")
    String archive;

    @Parameters(index = "2", paramLabel = "TARGET", description = "Directory (or file, for an image)")
    Path target;

    @Option(names = "--include", paramLabel = "PATH", description = "Restore only this path of the archive (repeatable)")
    List<String> includes = new ArrayList<>();

    @Option(names = "--overwrite", description = "Replace existing files")
    boolean overwrite;

    @Option(names = "--ns", paramLabel = "NS", defaultValue = "", description = "Namespace")
    String ns;

    @Option(names = "--threads", paramLabel = "N", description = "Fetch threads (default: number of CPUs)")
    Integer threads;

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
        long start = System.nanoTime();
        try (Repository r = repo.open()) {
            OpenSnapshot snap = OpenSnapshot.open(r, SnapshotSpec.resolve(r, ns, snapshot), key::keys);
            String name = ArchiveNames.resolve(snap, archive);
            int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
            RestoreEngine.Stats stats = new RestoreEngine.Stats();
            RestoreEngine.Options opts = new RestoreEngine.Options(overwrite, includes, Math.max(1, n),
                    msg -> err.println("coffer: warning: " + msg));
            try (RestoreEngine engine = new RestoreEngine(snap, opts, stats);
                    Progress p = new Progress(Progress.enabled(quiet), "restore", stats.bytes::get,
                            () -> stats.expectedBytes, stats.files::get)) {
                engine.restore(name, BytePaths.of(target.toAbsolutePath().normalize().toString()));
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            if (!quiet) {
                out.println("restored " + name + " of " + snap.ref().name() + " to " + target + ": "
                        + Units.count(stats.files.get()) + " files, " + Units.bytes(stats.bytes.get()) + " in "
                        + Units.duration(ms) + " (" + Units.rate(stats.bytes.get(), ms) + ")"
                        + (stats.warnings.get() > 0 ? ", " + stats.warnings.get() + " warnings (above)" : ""));
            }
        }
        return Main.OK;
    }
}
