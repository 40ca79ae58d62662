package dev.coffer.cli;

import dev.coffer.client.repo.Repository;
import dev.coffer.client.snapshot.SnapshotSpec;
import dev.coffer.store.SnapshotRef;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "snapshot", mixinStandardHelpOptions = true, description = "Work on one snapshot.",
        subcommands = {SnapshotCommand.Forget.class})
final class SnapshotCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed: forget");
    }

    @Command(name = "forget", mixinStandardHelpOptions = true,
            description = "Remove a snapshot. Its chunks stay until garbage collection.")
    static final class Forget implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "SNAPSHOT", description = "TYPE/ID/TIME")
        String snapshot;

        @Option(names = "--ns", paramLabel = "NS", defaultValue = "", description = "Namespace")
        String ns;

        @Mixin
        RepoOptions repo;

        @Override
        public Integer call() {
            if (snapshot.split("/").length != 3) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "forget takes a full TYPE/ID/TIME, not '" + snapshot + "'");
            }
            try (Repository r = repo.open()) {
                SnapshotRef ref = SnapshotSpec.resolve(r, ns, snapshot);
                r.forget(ref);
                spec.commandLine().getOut().println("forgot snapshot " + ref.name());
            }
            return Main.OK;
        }
    }
}
