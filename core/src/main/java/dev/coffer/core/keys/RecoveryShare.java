package dev.coffer.core.keys;

import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.DataKey;
import dev.coffer.core.crypto.KeyFingerprint;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One of n k-of-n recovery shares of a data key (design.md 12): payload {@code "CFSH" 1 k n x
 * fingerprint(32) y(32)}, printed as a typed block (tag SHARE) and a QR code.
 */
public record RecoveryShare(int threshold, int shares, int index, KeyFingerprint fingerprint, byte[] y) {
    public static final String TAG = "SHARE";
    private static final byte[] MAGIC = {'C', 'F', 'S', 'H'};

    public static List<RecoveryShare> split(DataKey key, int n, int k) {
        if (k < 2 || n < k || n > 255) {
            throw new CofferException("shares and threshold must satisfy 2 <= threshold <= shares <= 255",
                    "e.g. --shares 5 --threshold 3");
        }
        byte[] secret = key.exposeBytesDangerous();
        try {
            byte[][] ys = Shamir.split(secret, n, k, new SecureRandom());
            List<RecoveryShare> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(new RecoveryShare(k, n, i + 1, key.fingerprint(), ys[i]));
            }
            return out;
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /** Rebuilds the key from at least {@code threshold} shares of the same key, checking its fingerprint. */
    public static DataKey combine(List<RecoveryShare> given) {
        return combineReporting(given).key();
    }

    /**
     * A rebuilt key, the indexes of the shares it was rebuilt from, and those of the shares given that do not
     * fit it (damaged, altered, or from another split of the same key); the last is empty when all agree.
     */
    public record Combined(DataKey key, List<Integer> used, List<Integer> misfits) {
    }

    /** The most k-subsets tried when the shares given do not all agree. */
    static final int MAX_SUBSETS = 10_000;

    /**
     * {@link #combine}, and when more than {@code threshold} shares are given and they do not all agree, tries
     * every subset of {@code threshold} of them (up to {@link #MAX_SUBSETS}) for one that rebuilds the key
     * named by the shares' fingerprint, and says which shares do not fit it.
     */
    public static Combined combineReporting(List<RecoveryShare> given) {
        if (given.isEmpty()) {
            throw new CofferException("no shares given");
        }
        RecoveryShare first = given.getFirst();
        boolean[] seen = new boolean[256];
        List<RecoveryShare> use = new ArrayList<>();
        for (RecoveryShare s : given) {
            if (!s.fingerprint().equals(first.fingerprint())) {
                throw new CofferException("the shares belong to different keys: " + first.fingerprint().shortForm()
                        + " and " + s.fingerprint().shortForm());
            }
            if (s.threshold() != first.threshold() || s.shares() != first.shares()) {
                throw new CofferException("the shares come from different splits (" + first.threshold() + " of "
                        + first.shares() + " and " + s.threshold() + " of " + s.shares() + ")");
            }
            if (seen[s.index()]) {
                throw new CofferException("share " + s.index() + " is given twice");
            }
            seen[s.index()] = true;
            use.add(s);
        }
        int k = first.threshold();
        if (use.size() < k) {
            throw new CofferException(k + " shares are needed to recover key " + first.fingerprint().shortForm()
                    + ", " + use.size() + " given");
        }
        KeyFingerprint firstGot = null;
        int[] pick = new int[k];
        for (int i = 0; i < k; i++) {
            pick[i] = i;
        }
        for (int tried = 0; tried < MAX_SUBSETS; tried++) {
            List<RecoveryShare> subset = new ArrayList<>(k);
            for (int i : pick) {
                subset.add(use.get(i));
            }
            DataKey key = interpolate(subset);
            if (key.fingerprint().equals(first.fingerprint())) {
                List<Integer> used = new ArrayList<>();
                for (RecoveryShare s : subset) {
                    used.add(s.index());
                }
                List<Integer> misfits = new ArrayList<>();
                for (RecoveryShare s : use) {
                    if (!used.contains(s.index()) && !fits(s, subset, first.fingerprint())) {
                        misfits.add(s.index());
                    }
                }
                return new Combined(key, List.copyOf(used), List.copyOf(misfits));
            }
            if (firstGot == null) {
                firstGot = key.fingerprint();
            }
            key.close();
            if (!nextSubset(pick, use.size())) {
                break;
            }
        }
        throw new CorruptDataException("the shares do not rebuild key " + first.fingerprint().shortForm()
                + " (they give key " + firstGot.shortForm() + (use.size() > k ? ", and no " + k + " of the " + use.size()
                        + " given agree" : "") + "): one of them is damaged or altered, or they come from "
                + "different splits of the key (compare their 'Made:' dates)");
    }

    /** Whether {@code s} lies on the polynomials of {@code good}: it rebuilds the key in place of any one of them. */
    private static boolean fits(RecoveryShare s, List<RecoveryShare> good, KeyFingerprint fp) {
        List<RecoveryShare> swapped = new ArrayList<>(good.subList(1, good.size()));
        swapped.add(s);
        try (DataKey key = interpolate(swapped)) {
            return key.fingerprint().equals(fp);
        }
    }

    private static DataKey interpolate(List<RecoveryShare> use) {
        int[] xs = new int[use.size()];
        byte[][] ys = new byte[use.size()][];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = use.get(i).index();
            ys[i] = use.get(i).y();
        }
        byte[] secret = Shamir.combine(xs, ys);
        try {
            return DataKey.fromBytesDangerous(secret);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /** Advances {@code pick} (ascending indexes into n items) to the next combination; false after the last. */
    private static boolean nextSubset(int[] pick, int n) {
        int k = pick.length;
        int i = k - 1;
        while (i >= 0 && pick[i] == n - k + i) {
            i--;
        }
        if (i < 0) {
            return false;
        }
        pick[i]++;
        for (int j = i + 1; j < k; j++) {
            pick[j] = pick[j - 1] + 1;
        }
        return true;
    }

    public byte[] payload() {
        byte[] p = new byte[4 + 4 + 32 + 32];
        System.arraycopy(MAGIC, 0, p, 0, 4);
        p[4] = 1;
        p[5] = (byte) threshold;
        p[6] = (byte) shares;
        p[7] = (byte) index;
        System.arraycopy(fingerprint.bytes(), 0, p, 8, 32);
        System.arraycopy(y, 0, p, 40, 32);
        return p;
    }

    public static RecoveryShare fromPayload(byte[] p) {
        if (p.length != 72 || !Arrays.equals(p, 0, 4, MAGIC, 0, 4) || p[4] != 1) {
            throw new CorruptDataException("this is not a Coffer recovery share (or a newer version of one)");
        }
        int k = p[5] & 0xff;
        int n = p[6] & 0xff;
        int x = p[7] & 0xff;
        if (k < 2 || n < k || x < 1 || x > n) {
            throw new CorruptDataException("recovery share: numbers out of range");
        }
        return new RecoveryShare(k, n, x, KeyFingerprint.of(Arrays.copyOfRange(p, 8, 40)), Arrays.copyOfRange(p, 40, 72));
    }

    /** Reads a typed sheet, its QR string, or a whole printed page. */
    public static RecoveryShare parse(String text) {
        return fromPayload(LineCode.decode(TAG, text));
    }

    public String qrText() {
        return LineCode.compact(TAG, payload());
    }

    public String sheet(java.time.Instant created) {
        StringBuilder sb = new StringBuilder();
        sb.append("Coffer recovery share ").append(index).append(" of ").append(shares).append(", any ")
                .append(threshold).append(" recover the key\n\n");
        sb.append("Key fingerprint: ").append(fingerprint).append('\n');
        sb.append("Made:            ").append(created).append("\n\n");
        sb.append("Keep this sheet apart from the other shares. Fewer than ").append(threshold)
                .append(" shares reveal nothing about the key.\n");
        sb.append("Recover with 'coffer key combine SHARE_FILE ...' (typed sheets or QR images).\n\n");
        for (String l : LineCode.encode(TAG, payload())) {
            sb.append(l).append('\n');
        }
        sb.append('\n').append(QrCodes.asText(qrText()));
        return sb.toString();
    }
}
