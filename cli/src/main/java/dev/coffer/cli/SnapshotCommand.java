package dev.coffer.cli;

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
        subcommands = {SnapshotCommand.Forget.class, SnapshotCommand.Protect.class, SnapshotCommand.Unprotect.class,
                SnapshotCommand.Notes.class})
final class SnapshotCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed: forget, protect, unprotect, notes");
    }

    @Command(name = "forget", mixinStandardHelpOptions = true,
            description = "Remove a snapshot (not a protected one); TYPE/ID and latest name the newest one, and the "
                    + "snapshot removed is named in the output. Its chunks stay until garbage collection.")
    static final class Forget extends OnSnapshot {
        @Override
        void run(dev.coffer.client.repo.Repository r, SnapshotRef ref) {
            r.forget(ref);
            spec.commandLine().getOut().println("forgot snapshot " + ref.name());
        }
    }

    abstract static class OnSnapshot implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "SNAPSHOT", description = "TYPE/ID/TIME, TYPE/ID or latest")
        String snapshot;

        @Option(names = "--ns", paramLabel = "NS", defaultValue = "", description = "Namespace")
        String ns;

        @Mixin
        RepoOptions repo;

        /** Checks the arguments before anything is opened. */
        void check() {
        }

        @Override
        public Integer call() {
            check();
            try (dev.coffer.client.repo.Repository r = repo.open()) {
                run(r, SnapshotSpec.resolve(r, ns, snapshot));
            }
            return Main.OK;
        }

        abstract void run(dev.coffer.client.repo.Repository r, SnapshotRef ref);
    }

    @Command(name = "protect", mixinStandardHelpOptions = true, description = "Keep the snapshot from forget and prune.")
    static final class Protect extends OnSnapshot {
        @Override
        void run(dev.coffer.client.repo.Repository r, SnapshotRef ref) {
            r.writeSideFile(ref, dev.coffer.store.Datastore.PROTECTED, new byte[0]);
            spec.commandLine().getOut().println("protected " + ref.name());
        }
    }

    @Command(name = "unprotect", mixinStandardHelpOptions = true, description = "Allow forget and prune again.")
    static final class Unprotect extends OnSnapshot {
        @Override
        void run(dev.coffer.client.repo.Repository r, SnapshotRef ref) {
            r.writeSideFile(ref, dev.coffer.store.Datastore.PROTECTED, null);
            spec.commandLine().getOut().println("unprotected " + ref.name());
        }
    }

    @Command(name = "notes", mixinStandardHelpOptions = true,
            description = "Show, or with --set replace, the snapshot's notes. Notes of encrypted snapshots are "
                    + "encrypted: the datastore cannot read them.")
    static final class Notes extends OnSnapshot {
        @Option(names = "--set", paramLabel = "TEXT", description = "New notes (empty to remove)")
        String set;

        @Mixin
        KeyOptions key;

        @Override
        void run(dev.coffer.client.repo.Repository r, SnapshotRef ref) {
            var snap = dev.coffer.client.snapshot.OpenSnapshot.open(r, ref, key::keys);
            boolean sealed = snap.body().cryptMode() == dev.coffer.core.crypto.CryptMode.ENCRYPT;
            String file = sealed ? "notes.blob" : "notes.txt";
            byte[] context = dev.coffer.core.crypto.Digests.sha256(
                    ("coffer-notes/" + ref.path()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (set != null) {
                byte[] text = set.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                byte[] data = set.isEmpty() ? null : sealed ? snap.codec().sealSmall(text, context) : text;
                r.writeSideFile(ref, file, data);
                spec.commandLine().getOut().println(set.isEmpty() ? "removed the notes of " + ref.name()
                        : "set the notes of " + ref.name());
                return;
            }
            byte[] stored = r.readSideFile(ref, file);
            if (stored != null) {
                byte[] text = sealed ? snap.codec().openSmall(stored, context) : stored;
                spec.commandLine().getOut().println(new String(text, java.nio.charset.StandardCharsets.UTF_8));
            }
        }
    }
}
