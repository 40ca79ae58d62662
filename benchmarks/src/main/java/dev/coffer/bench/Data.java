package dev.coffer.bench;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** Deterministic test data: incompressible bytes and text that zstd-1 shrinks about threefold. */
final class Data {
    private static final String[] WORDS = ("the of and to in is that for it as was with be by on not he this are or his "
            + "from at which but have an they you were her she there been one all we their has would when if so no "
            + "chunk backup restore index snapshot datastore encrypt compress verify garbage collection key file "
            + "directory archive image stream offset manifest nonce cipher digest hash window table segment").split(" ");

    private Data() {
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /** Words drawn with a skewed distribution, numbers and line breaks mixed in. */
    static byte[] text(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder(n + 64);
        while (sb.length() < n) {
            int w = (int) (WORDS.length * Math.pow(r.nextDouble(), 2.5));
            sb.append(WORDS[w]);
            int p = r.nextInt(40);
            sb.append(p == 0 ? "\n" : p == 1 ? ", " : p == 2 ? " " + r.nextInt(100000) + " " : " ");
        }
        byte[] b = sb.toString().getBytes(StandardCharsets.US_ASCII);
        return java.util.Arrays.copyOf(b, n);
    }

    static byte[] of(String kind, int n, long seed) {
        return switch (kind) {
            case "random" -> random(n, seed);
            case "text" -> text(n, seed);
            default -> throw new IllegalArgumentException("data kind random or text, not " + kind);
        };
    }
}
