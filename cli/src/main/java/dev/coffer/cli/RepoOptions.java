package dev.coffer.cli;

import dev.coffer.client.repo.LocalRepository;
import dev.coffer.client.repo.Repository;
import dev.coffer.core.CofferException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --repository} / {@code COFFER_REPOSITORY}. */
final class RepoOptions {
    @Option(names = "--repository", paramLabel = "REPO",
            description = "Datastore path or https://[AUTHID@]HOST[:PORT]/DATASTORE (env COFFER_REPOSITORY; "
                    + "default ~/.local/share/coffer/datastore)")
    String repository;

    String location() {
        if (repository != null) {
            return repository;
        }
        String env = Env.get(Env.REPOSITORY);
        return env != null ? env : Env.defaultRepository().toString();
    }

    boolean isDefault() {
        return repository == null && Env.get(Env.REPOSITORY) == null;
    }

    /** Opens an existing repository. */
    Repository open() {
        return LocalRepository.open(localPath());
    }

    /** Opens the repository, creating a local datastore when its directory does not exist. */
    Repository openOrCreate() {
        return LocalRepository.openOrCreate(localPath());
    }

    private Path localPath() {
        String loc = location();
        if (loc.startsWith("https://") || loc.startsWith("http://")) {
            throw new CofferException("remote repositories (" + loc + ") are not supported by this version yet",
                    "use a local datastore path");
        }
        return Path.of(loc).toAbsolutePath().normalize();
    }
}
