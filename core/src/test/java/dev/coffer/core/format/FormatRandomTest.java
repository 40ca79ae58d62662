package dev.coffer.core.format;

import dev.coffer.core.crypto.CryptMode;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Seeded random runs of the {@link FormatFuzzTest} checks, part of the normal suite: generated archives
 * round-trip, and valid files damaged at random (bit flips, byte changes, insertions, deletions, truncations,
 * splices) either parse canonically or give a CorruptDataException. Each target gets a share of
 * {@code fuzz.seconds} (5 by default: {@code -Dfuzz.seconds=600} for a long run) and at least a minimum number
 * of inputs; a failure names its seed, which reproduces it.
 */
class FormatRandomTest {
    static final double SECONDS = Double.parseDouble(System.getProperty("fuzz.seconds", "5"));
    static final int TARGETS = 7;
    static final int MIN_RUNS = 300;

    /** Runs {@code check} on seeds 0, 1, 2, … for this target's share of the time. */
    static void run(String name, Consumer<Random> check) {
        long deadline = System.nanoTime() + (long) (SECONDS / TARGETS * 1e9);
        for (long seed = 0; seed < MIN_RUNS || System.nanoTime() < deadline; seed++) {
            try {
                check.accept(new Random(name.hashCode() * 1_000_003L + seed));
            } catch (RuntimeException | AssertionError e) {
                throw new AssertionError(name + ", seed " + seed + ": " + e, e);
            }
        }
    }

    static void mutated(String name, List<byte[]> valid, Consumer<byte[]> check) {
        valid.forEach(check); // the seeds themselves pass
        run(name, r -> {
            byte[] m = dev.coffer.core.Mutator.mutate(valid.get(r.nextInt(valid.size())), r);
            try {
                check.accept(m);
            } catch (RuntimeException | AssertionError e) {
                throw new AssertionError("input " + HexFormat.of().formatHex(m) + ": " + e, e);
            }
        });
    }


    @Test
    void generatedArchivesRoundTrip() {
        run("round trip", r -> FormatFuzzTest.checkRoundTrip(TreeGenerator.generate(TreeGenerator.of(r))));
    }

    @Test
    void mutatedArchives() {
        List<byte[]> seeds = List.of(Samples.write(FormatFuzzTest.PAYLOAD, Samples.everyType()), generated(1),
                generated(2));
        mutated("archive", seeds, FormatFuzzTest::checkArchive);
    }

    /** A generated archive re-targeted at the payload size the archive checks assume. */
    static byte[] generated(long seed) {
        for (long s = seed;; s += 1000) {
            TreeGenerator.Archive a = TreeGenerator.generate(TreeGenerator.of(new Random(s)));
            if (a.payloadSize() <= FormatFuzzTest.PAYLOAD && a.entries().size() > 5) {
                return Samples.write(FormatFuzzTest.PAYLOAD, a.entries());
            }
        }
    }

    @Test
    void mutatedIndexes() {
        IndexWriter f = IndexWriter.fixed(CryptMode.NONE, 4096);
        f.addFixed(Samples.id(0), 4096);
        f.addFixed(Samples.id(1), 100);
        List<byte[]> seeds = List.of(Samples.index(CryptMode.ENCRYPT, 1000, 2000, 2001, 5000), f.finish(),
                Samples.index(CryptMode.NONE));
        mutated("index", seeds, FormatFuzzTest::checkIndex);
        mutated("index, checksum repaired", seeds, b -> FormatFuzzTest.checkIndex(b.length >= 32 ? Samples.resum(b) : b));
    }

    @Test
    void mutatedManifests() {
        List<byte[]> seeds = List.of(Manifest.encode(Samples.body(CryptMode.NONE), Manifest::sha256Tag),
                Manifest.encode(Samples.body(CryptMode.ENCRYPT), Samples.HMAC));
        mutated("manifest", seeds, FormatFuzzTest::checkManifest);
        List<byte[]> bodies = seeds.stream().map(m -> Samples.json(m).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toList();
        mutated("manifest body", bodies, b -> FormatFuzzTest.checkManifest(FormatFuzzTest.frame(b)));
    }
}
