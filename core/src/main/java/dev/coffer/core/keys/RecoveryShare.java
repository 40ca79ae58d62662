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
        if (use.size() < first.threshold()) {
            throw new CofferException(first.threshold() + " shares are needed to recover key " + first.fingerprint().shortForm()
                    + ", " + use.size() + " given");
        }
        use = use.subList(0, first.threshold());
        int[] xs = new int[use.size()];
        byte[][] ys = new byte[use.size()][];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = use.get(i).index();
            ys[i] = use.get(i).y();
        }
        byte[] secret = Shamir.combine(xs, ys);
        DataKey key = DataKey.fromBytesDangerous(secret);
        Arrays.fill(secret, (byte) 0);
        if (!key.fingerprint().equals(first.fingerprint())) {
            KeyFingerprint got = key.fingerprint();
            key.close();
            throw new CorruptDataException("the shares do not rebuild key " + first.fingerprint().shortForm()
                    + " (they give key " + got.shortForm() + "): one of them is damaged or altered, or they come from "
                    + "different splits of the key (compare their 'Made:' dates)");
        }
        return key;
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
