package dev.coffer.cli;

import dev.coffer.client.remote.Fingerprints;
import dev.coffer.client.remote.RemoteRepository;
import dev.coffer.client.remote.RemoteUrl;
import dev.coffer.client.remote.ServerClient;
import dev.coffer.client.repo.LocalRepository;
import dev.coffer.client.repo.Repository;
import dev.coffer.core.CofferException;
import java.io.Console;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --repository} / {@code COFFER_REPOSITORY}, and for a server {@code --fingerprint} / {@code COFFER_FINGERPRINT}. */
final class RepoOptions {
    @Option(names = "--repository", paramLabel = "REPO",
            description = "Datastore path or https://[AUTHID@]HOST[:PORT]/DATASTORE (env COFFER_REPOSITORY; "
                    + "default ~/.local/share/coffer/datastore)")
    String repository;

    @Option(names = "--fingerprint", paramLabel = "SHA256",
            description = "Expected SHA-256 fingerprint of the server's certificate (env COFFER_FINGERPRINT; default: "
                    + "the one remembered in ~/.config/coffer/fingerprints, or ask on first use)")
    String fingerprint;

    /** The command these options belong to: a malformed --repository URL is a usage error of it. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

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

    boolean isRemote() {
        return RemoteUrl.isRemote(location());
    }

    /** Opens an existing repository. */
    Repository open() {
        return isRemote() ? remote() : LocalRepository.open(localPath());
    }

    /** Opens the repository, creating a local datastore when its directory does not exist. */
    Repository openOrCreate() {
        return isRemote() ? remote() : LocalRepository.openOrCreate(localPath());
    }

    private Path localPath() {
        return Path.of(location()).toAbsolutePath().normalize();
    }

    private RemoteRepository remote() {
        RemoteUrl url = command == null ? RemoteUrl.parse(location()) : Usage.check(command, () -> RemoteUrl.parse(location()));
        String fp = fingerprint != null ? fingerprint : Env.get(Env.FINGERPRINT);
        Fingerprints known = new Fingerprints(Env.configDir().resolve("fingerprints"));
        ServerClient.TrustPrompt prompt = Terminal.isInteractive() ? RepoOptions::askTrust : null;
        // the certificate is checked (and, on first use, accepted) before the password is asked for or sent
        ServerClient probe = ServerClient.connect(url, new char[0], fp, known, prompt);
        probe.close();
        char[] secret = secret(url);
        try {
            return new RemoteRepository(probe.withSecret(secret));
        } finally {
            java.util.Arrays.fill(secret, '\0');
        }
    }

    private static char[] secret(RemoteUrl url) {
        String env = Env.get(Env.PASSWORD);
        if (env != null) {
            return env.toCharArray();
        }
        return Terminal.prompt("Password for " + url.authId() + "@" + url.endpoint() + ": ",
                "no password for " + url.authId() + " at " + url.endpoint() + " and no terminal to ask on",
                "set COFFER_PASSWORD to the user's password or the API token's secret");
    }

    private static boolean askTrust(String endpoint, String fp) {
        Console c = System.console();
        c.printf("The server at %s is not known yet. Its certificate fingerprint is%n  %s%n", endpoint, fp);
        String a = c.readLine("Trust it and remember it? (yes/no) ");
        return a != null && a.strip().toLowerCase(Locale.ROOT).matches("y|yes");
    }

    /** Fails unless the repository is local; for commands a server runs itself. */
    void requireLocal(String what) {
        if (isRemote()) {
            throw new CofferException(what + " works on a local datastore", "run it on the server, or use a local --repository");
        }
    }
}
