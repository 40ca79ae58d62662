package dev.coffer.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The launcher's class-data sharing training run (not a user command): runs the everyday commands once,
 * in one JVM, on a tiny tree in a temporary directory, so that the archive dumped at exit holds the classes
 * of backup, re-backup, restore, verify and the key commands, not only those of start-up. Every later run
 * then maps those classes instead of inflating, parsing and verifying them from the jars. Prints nothing;
 * deletes what it made.
 */
public final class CdsTraining {
    private CdsTraining() {
    }

    public static void main(String[] args) throws IOException {
        run();
    }

    /** Runs the training commands; returns each one's exit code, in order. */
    static java.util.List<Integer> run() throws IOException {
        Path dir = Files.createTempDirectory("coffer-cds-training");
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        java.util.List<Integer> codes = new java.util.ArrayList<>();
        try {
            Path src = dir.resolve("src");
            Files.createDirectories(src.resolve("d"));
            byte[] big = new byte[3 << 20];
            new Random(1).nextBytes(big);
            Files.write(src.resolve("d/big"), big);
            Files.writeString(src.resolve("d/small.txt"), "training\n".repeat(1000));
            Files.createSymbolicLink(src.resolve("link"), Path.of("d/small.txt"));
            String key = dir.resolve("key.json").toString();
            String repo = dir.resolve("ds").toString();
            String[][] runs = {
                {"--version"},
                {"key", "create", "--kdf", "none", "--keyfile", key},
                {"key", "show", "--keyfile", key},
                {"backup", "--quiet", "--repository", repo, "--keyfile", key, "t.cfar:" + src},
                {"backup", "--quiet", "--repository", repo, "--keyfile", key, "t.cfar:" + src, "i.img:" + src.resolve("d/big")},
                {"snapshots", "--repository", repo},
                {"restore", "--quiet", "--repository", repo, "--keyfile", key, "latest", "t.cfar", dir.resolve("out").toString()},
                {"restore", "--quiet", "--repository", repo, "--keyfile", key, "latest", "i.img", dir.resolve("out.img").toString()},
                {"verify", "--repository", repo, "--keyfile", key, "--decrypt"},
                {"benchmark", "--seconds", "0.01", "--output-format", "json"},
            };
            for (String[] a : runs) {
                codes.add(Main.execute(a, quiet, quiet));
            }
            return codes;
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
