package dev.coffer.core.keys;

import java.security.SecureRandom;

/** Shamir secret sharing over GF(2^8) with the AES polynomial x^8+x^4+x^3+x+1, byte by byte. */
public final class Shamir {
    private static final int[] EXP = new int[512];
    private static final int[] LOG = new int[256];

    static {
        int x = 1;
        for (int i = 0; i < 255; i++) {
            EXP[i] = x;
            LOG[x] = i;
            x ^= (x << 1) ^ ((x & 0x80) != 0 ? 0x11b : 0); // multiply by the generator 3
            x &= 0xff;
        }
        for (int i = 255; i < 512; i++) {
            EXP[i] = EXP[i - 255];
        }
    }

    private Shamir() {
    }

    static int mul(int a, int b) {
        return a == 0 || b == 0 ? 0 : EXP[LOG[a] + LOG[b]];
    }

    static int div(int a, int b) {
        if (b == 0) {
            throw new ArithmeticException("division by zero in GF(256)");
        }
        return a == 0 ? 0 : EXP[LOG[a] + 255 - LOG[b]];
    }

    /** Shares for x = 1..n; any k of them give back the secret. */
    public static byte[][] split(byte[] secret, int n, int k, SecureRandom rnd) {
        if (k < 2 || n < k || n > 255) {
            throw new IllegalArgumentException("need 2 <= threshold <= shares <= 255");
        }
        byte[][] shares = new byte[n][secret.length];
        int[] coeff = new int[k];
        for (int i = 0; i < secret.length; i++) {
            coeff[0] = secret[i] & 0xff;
            for (int j = 1; j < k; j++) {
                coeff[j] = rnd.nextInt(256);
            }
            for (int s = 0; s < n; s++) {
                int x = s + 1;
                int y = 0;
                for (int j = k - 1; j >= 0; j--) {
                    y = mul(y, x) ^ coeff[j];
                }
                shares[s][i] = (byte) y;
            }
            java.util.Arrays.fill(coeff, 0);
        }
        return shares;
    }

    /** Lagrange interpolation at 0 from shares at distinct non-zero xs. */
    public static byte[] combine(int[] xs, byte[][] ys) {
        int len = ys[0].length;
        byte[] out = new byte[len];
        for (int i = 0; i < len; i++) {
            int acc = 0;
            for (int a = 0; a < xs.length; a++) {
                int num = 1;
                int den = 1;
                for (int b = 0; b < xs.length; b++) {
                    if (a != b) {
                        num = mul(num, xs[b]);
                        den = mul(den, xs[a] ^ xs[b]);
                    }
                }
                acc ^= mul(ys[a][i] & 0xff, div(num, den));
            }
            out[i] = (byte) acc;
        }
        return out;
    }
}
