package dev.coffer.core.format;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;

/**
 * The rules of design.md 6 that both {@link ArchiveWriter} and {@link ArchiveReader} enforce, so a writer
 * never produces what a reader refuses. Problems are returned as text; the caller picks the exception.
 */
final class EntryRules {
    static final int MAX_PATH = 64 << 10;
    static final int MAX_XATTRS = 1024;
    static final int MAX_XATTR_NAME = 255;
    static final int MAX_XATTR_VALUE = 64 << 10;
    static final long MAX_ID = 0xffff_ffffL;
    static final int NANOS = 1_000_000_000;

    private EntryRules() {
    }

    /** Why {@code p} is not a valid non-root path, or null. */
    static String pathProblem(byte[] p) {
        if (p.length == 0) {
            return "empty path";
        }
        if (p.length > MAX_PATH) {
            return "path longer than 64 KiB";
        }
        int start = 0;
        for (int i = 0; i <= p.length; i++) {
            if (i == p.length || p[i] == '/') {
                int n = i - start;
                if (n == 0) {
                    return "empty path component";
                }
                if (p[start] == '.' && (n == 1 || (n == 2 && p[start + 1] == '.'))) {
                    return "'.' or '..' as a path component";
                }
                start = i + 1;
            } else if (p[i] == 0) {
                return "NUL byte in the path";
            }
        }
        return null;
    }

    /** Why {@code m} breaks the limits, or null. */
    static String metaProblem(EntryMeta m) {
        if ((m.mode() & ~07777) != 0) {
            return String.format("mode %o has bits outside 07777", m.mode());
        }
        if (m.uid() < 0 || m.uid() > MAX_ID || m.gid() < 0 || m.gid() > MAX_ID) {
            return "uid or gid outside 0..2^32-1";
        }
        if (m.mtimeSec() < Varint.MIN_SIGNED || m.mtimeSec() > Varint.MAX_SIGNED || m.ctimeSec() < Varint.MIN_SIGNED
                || m.ctimeSec() > Varint.MAX_SIGNED) {
            return "time outside -2^62..2^62-1 seconds";
        }
        if (m.mtimeNsec() < 0 || m.mtimeNsec() >= NANOS || m.ctimeNsec() < 0 || m.ctimeNsec() >= NANOS) {
            return "nanoseconds outside 0..999999999";
        }
        if (m.inode() < 0) {
            return "inode number of 2^63 or more";
        }
        return xattrProblem(m.xattrs());
    }

    static String xattrProblem(List<Xattr> xattrs) {
        if (xattrs.size() > MAX_XATTRS) {
            return "more than " + MAX_XATTRS + " extended attributes";
        }
        byte[] prev = null;
        for (Xattr x : xattrs) {
            String bad = xattrNameProblem(x.name());
            if (bad != null) {
                return bad;
            }
            if (x.value().length > MAX_XATTR_VALUE) {
                return "extended attribute value longer than 64 KiB";
            }
            if (prev != null && Arrays.compareUnsigned(prev, x.name()) >= 0) {
                return "extended attributes not sorted by name or repeated";
            }
            prev = x.name();
        }
        return null;
    }

    static String xattrNameProblem(byte[] name) {
        if (name.length == 0 || name.length > MAX_XATTR_NAME) {
            return "extended attribute name of " + name.length + " bytes (1 to 255 allowed)";
        }
        for (byte c : name) {
            if (c == 0) {
                return "NUL byte in an extended attribute name";
            }
        }
        return null;
    }

    static String symlinkTargetProblem(byte[] t) {
        if (t.length == 0 || t.length > MAX_PATH) {
            return "symlink target of " + t.length + " bytes (1 byte to 64 KiB allowed)";
        }
        for (byte c : t) {
            if (c == 0) {
                return "NUL byte in the symlink target";
            }
        }
        return null;
    }

    /** Type-specific limits that need no context; payload ranges and link targets are checked elsewhere. */
    static String dataProblem(ArchiveEntry e) {
        return switch (e) {
            case FileEntry f -> f.size() < 0 || f.payloadOffset() < 0 ? "negative size or payload offset"
                    : f.sha256().length != 32 ? "SHA-256 of " + f.sha256().length + " bytes"
                    : f.size() > Long.MAX_VALUE - f.payloadOffset() ? "payload range beyond 2^63" : null;
            case SymlinkEntry s -> symlinkTargetProblem(s.target());
            case DeviceEntry d -> d.major() < 0 || d.major() > MAX_ID || d.minor() < 0 || d.minor() > MAX_ID
                    ? "device number outside 0..2^32-1" : null;
            default -> null;
        };
    }

    /**
     * Checks the order of entries as they come: the root directory first, then depth first with each
     * directory before its children and siblings sorted bytewise, so paths compared component by component
     * strictly increase. That also rules out duplicates and children of anything but a directory. A hard link
     * must name an earlier entry that is neither a directory nor a hard link.
     *
     * <p>Memory: the previous path, the stack of its directories, and 16 bytes per linkable entry (a keyed
     * 64-bit hash of its path, random per instance, so crafted collisions are not possible in advance).
     */
    static final class Order {
        private byte[] prev;
        private int[] dirs = new int[16]; // lengths of the prefixes of prev that are directory entries
        private int depth;
        private long count;
        private final LongSet linkable = new LongSet();
        private final long k0;
        private final long k1;

        Order() {
            SecureRandom r = new SecureRandom();
            k0 = r.nextLong();
            k1 = r.nextLong();
        }

        long count() {
            return count;
        }

        /** Accepts {@code e} as the next entry, or returns why it cannot come next (leaving the state as is). */
        String accept(ArchiveEntry e) {
            byte[] p = e.path();
            if (count == 0) {
                if (p.length != 0 || !(e instanceof DirEntry)) {
                    return "the first entry is not the root directory (a directory with the empty path)";
                }
                prev = p;
                dirs[0] = 0;
                depth = 1;
                count = 1;
                return null;
            }
            String bad = pathProblem(p);
            if (bad != null) {
                return "invalid path \"" + Entries.brief(p) + "\" (" + bad + ")";
            }
            int slash = lastSlash(p);
            int parentLen = Math.max(slash, 0);
            int nameStart = slash + 1;
            int d = depth;
            while (dirs[d - 1] > parentLen) { // dirs[0] is the root, 0: the loop stops there
                d--;
            }
            if (dirs[d - 1] != parentLen || !Arrays.equals(p, 0, parentLen, prev, 0, parentLen)) {
                return Entries.brief(p)
                        + " does not follow its directory (missing, not a directory, or out of order)";
            }
            if (prev.length > parentLen) { // prev lies below the parent: compare with its name at this depth
                int end = nameStart;
                while (end < prev.length && prev[end] != '/') {
                    end++;
                }
                int c = Arrays.compareUnsigned(prev, nameStart, end, p, nameStart, p.length);
                if (c == 0) {
                    return Entries.brief(p) + " appears twice";
                }
                if (c > 0) {
                    return Entries.brief(p) + " is out of order (entries go depth first, siblings sorted bytewise)";
                }
            }
            if (e instanceof HardlinkEntry h) {
                byte[] t = h.targetPath();
                if (pathProblem(t) != null || !linkable.contains(hash(t))) {
                    return "hard link " + Entries.brief(p) + " points to no earlier entry (" + Entries.brief(t)
                            + "; a directory or hard link does not count)";
                }
            }
            depth = d;
            if (e instanceof DirEntry) {
                if (depth == dirs.length) {
                    dirs = Arrays.copyOf(dirs, depth * 2);
                }
                dirs[depth++] = p.length;
            } else if (!(e instanceof HardlinkEntry)) {
                linkable.add(hash(p));
            }
            prev = p;
            count++;
            return null;
        }

        private static int lastSlash(byte[] p) {
            for (int i = p.length - 1; i >= 0; i--) {
                if (p[i] == '/') {
                    return i;
                }
            }
            return -1;
        }

        private long hash(byte[] b) {
            return SipHash.hash(k0, k1, b);
        }
    }

    /** A set of longs, open addressing with linear probing; 0 marks a free slot (0 itself is kept aside). */
    static final class LongSet {
        private long[] slots = new long[64];
        private int size;
        private boolean hasZero;

        boolean contains(long v) {
            if (v == 0) {
                return hasZero;
            }
            int mask = slots.length - 1;
            for (int i = mix(v) & mask;; i = (i + 1) & mask) {
                long s = slots[i];
                if (s == v) {
                    return true;
                }
                if (s == 0) {
                    return false;
                }
            }
        }

        void add(long v) {
            if (v == 0) {
                hasZero = true;
                return;
            }
            if (2 * (size + 1) > slots.length) {
                grow();
            }
            if (insert(slots, v)) {
                size++;
            }
        }

        private static boolean insert(long[] t, long v) {
            int mask = t.length - 1;
            for (int i = mix(v) & mask;; i = (i + 1) & mask) {
                if (t[i] == v) {
                    return false;
                }
                if (t[i] == 0) {
                    t[i] = v;
                    return true;
                }
            }
        }

        private void grow() {
            if (slots.length >= 1 << 30) {
                throw new IllegalStateException("too many entries");
            }
            long[] t = new long[slots.length * 2];
            for (long v : slots) {
                if (v != 0) {
                    insert(t, v);
                }
            }
            slots = t;
        }

        private static int mix(long v) {
            return (int) (v ^ (v >>> 32));
        }
    }

    /** SipHash-2-4 (Aumasson and Bernstein), a keyed 64-bit hash. */
    static final class SipHash {
        private SipHash() {
        }

        static long hash(long k0, long k1, byte[] m) {
            long v0 = k0 ^ 0x736f6d6570736575L;
            long v1 = k1 ^ 0x646f72616e646f6dL;
            long v2 = k0 ^ 0x6c7967656e657261L;
            long v3 = k1 ^ 0x7465646279746573L;
            int n = m.length;
            int full = n & ~7;
            long[] v = {v0, v1, v2, v3};
            for (int i = 0; i < full; i += 8) {
                long w = word(m, i, 8);
                v[3] ^= w;
                round(v);
                round(v);
                v[0] ^= w;
            }
            long last = word(m, full, n - full) | ((long) n << 56);
            v[3] ^= last;
            round(v);
            round(v);
            v[0] ^= last;
            v[2] ^= 0xff;
            for (int i = 0; i < 4; i++) {
                round(v);
            }
            return v[0] ^ v[1] ^ v[2] ^ v[3];
        }

        private static long word(byte[] m, int at, int len) {
            long w = 0;
            for (int i = len - 1; i >= 0; i--) {
                w = (w << 8) | (m[at + i] & 0xff);
            }
            return w;
        }

        private static void round(long[] v) {
            v[0] += v[1];
            v[1] = Long.rotateLeft(v[1], 13);
            v[1] ^= v[0];
            v[0] = Long.rotateLeft(v[0], 32);
            v[2] += v[3];
            v[3] = Long.rotateLeft(v[3], 16);
            v[3] ^= v[2];
            v[0] += v[3];
            v[3] = Long.rotateLeft(v[3], 21);
            v[3] ^= v[0];
            v[2] += v[1];
            v[1] = Long.rotateLeft(v[1], 17);
            v[1] ^= v[2];
            v[2] = Long.rotateLeft(v[2], 32);
        }
    }
}
