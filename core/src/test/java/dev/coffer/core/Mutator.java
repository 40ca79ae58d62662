package dev.coffer.core;

import java.util.Arrays;
import java.util.Random;

/** Damages valid stored bytes at random, for the seeded fuzz tests: flips, byte changes, cuts, inserts, deletes, splices. */
public final class Mutator {
    private Mutator() {
    }

    public static byte[] mutate(byte[] in, Random r) {
        byte[] b = in.clone();
        int ops = 1 + r.nextInt(4);
        for (int i = 0; i < ops && b.length > 0; i++) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(7)) {
                case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
                case 1 -> b[at] = (byte) r.nextInt(256);
                case 2 -> b[at] = (byte) new int[] {0, 1, 0x7f, 0x80, 0xff, '/', '.'}[r.nextInt(7)];
                case 3 -> b = Arrays.copyOf(b, at);
                case 4 -> {
                    byte[] ins = new byte[1 + r.nextInt(8)];
                    r.nextBytes(ins);
                    byte[] n = new byte[b.length + ins.length];
                    System.arraycopy(b, 0, n, 0, at);
                    System.arraycopy(ins, 0, n, at, ins.length);
                    System.arraycopy(b, at, n, at + ins.length, b.length - at);
                    b = n;
                }
                case 5 -> {
                    int len = Math.min(b.length - at, 1 + r.nextInt(16));
                    byte[] n = new byte[b.length - len];
                    System.arraycopy(b, 0, n, 0, at);
                    System.arraycopy(b, at + len, n, at, b.length - at - len);
                    b = n;
                }
                default -> {
                    int from = r.nextInt(b.length);
                    int len = Math.min(Math.min(b.length - at, b.length - from), 1 + r.nextInt(32));
                    System.arraycopy(b, from, b, at, len);
                }
            }
        }
        return b;
    }
}
