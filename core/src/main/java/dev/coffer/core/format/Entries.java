package dev.coffer.core.format;

import java.util.Arrays;

/** Equality, hashing and text of archive entries (records would compare arrays by reference). */
final class Entries {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Entries() {
    }

    static boolean same(ArchiveEntry a, ArchiveEntry b) {
        if (a == b) {
            return true;
        }
        if (a.getClass() != b.getClass() || !Arrays.equals(a.path(), b.path()) || !a.meta().equals(b.meta())) {
            return false;
        }
        return switch (a) {
            case FileEntry f -> {
                FileEntry g = (FileEntry) b;
                yield f.size() == g.size() && f.payloadOffset() == g.payloadOffset()
                        && Arrays.equals(f.sha256(), g.sha256());
            }
            case SymlinkEntry s -> Arrays.equals(s.target(), ((SymlinkEntry) b).target());
            case HardlinkEntry h -> Arrays.equals(h.targetPath(), ((HardlinkEntry) b).targetPath());
            case DeviceEntry d -> {
                DeviceEntry e = (DeviceEntry) b;
                yield d.block() == e.block() && d.major() == e.major() && d.minor() == e.minor();
            }
            case DirEntry d -> true;
            case FifoEntry f -> true;
            case SocketEntry s -> true;
        };
    }

    static int hash(ArchiveEntry e) {
        return e.getClass().hashCode() * 31 + Arrays.hashCode(e.path());
    }

    static String describe(ArchiveEntry e) {
        EntryMeta m = e.meta();
        StringBuilder sb = new StringBuilder(e.getClass().getSimpleName()).append('[');
        sb.append(e.path().length == 0 ? "(root)" : display(e.path()));
        sb.append(", mode ").append(String.format("%04o", m.mode())).append(", ").append(m.uid()).append(':')
                .append(m.gid()).append(", mtime ").append(m.mtimeSec()).append('.')
                .append(String.format("%09d", m.mtimeNsec()));
        switch (e) {
            case FileEntry f -> sb.append(", ").append(f.size()).append(" bytes at ").append(f.payloadOffset());
            case SymlinkEntry s -> sb.append(" -> ").append(display(s.target()));
            case HardlinkEntry h -> sb.append(" = ").append(display(h.targetPath()));
            case DeviceEntry d -> sb.append(d.block() ? ", block " : ", char ").append(d.major()).append(',')
                    .append(d.minor());
            default -> {
            }
        }
        if (!m.xattrs().isEmpty()) {
            sb.append(", ").append(m.xattrs().size()).append(" xattrs");
        }
        return sb.append(']').toString();
    }

    /** {@link #display}, cut to about 200 characters: for naming a path in a one-line message. */
    static String brief(byte[] b) {
        String s = display(b.length > 200 ? java.util.Arrays.copyOf(b, 200) : b);
        return b.length > 200 ? s + "…" : s;
    }

    /**
     * UTF-8 text with every byte that is not part of a well-formed sequence (RFC 3629: no overlong forms,
     * no surrogates, nothing above U+10FFFF), and every control character (C0, DEL, C1), shown as {@code \xNN}.
     */
    static String display(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length + 8);
        int i = 0;
        while (i < b.length) {
            int c = b[i] & 0xff;
            int n = sequenceLength(b, i);
            if (n == 0 || c < 0x20 || c == 0x7f || (c == 0xc2 && (b[i + 1] & 0xff) < 0xa0)) {
                // a stray byte, or a control character: C0, DEL, or C1 (U+0080..U+009F, encoded c2 80..c2 9f)
                int k = n == 0 ? 1 : n;
                for (int j = 0; j < k; j++) {
                    int x = b[i + j] & 0xff;
                    sb.append('\\').append('x').append(HEX[x >> 4]).append(HEX[x & 0xf]);
                }
                i += k;
            } else if (n == 1) {
                sb.append((char) c);
                i++;
            } else {
                int cp = switch (n) {
                    case 2 -> (c & 0x1f) << 6 | (b[i + 1] & 0x3f);
                    case 3 -> (c & 0x0f) << 12 | (b[i + 1] & 0x3f) << 6 | (b[i + 2] & 0x3f);
                    default -> (c & 0x07) << 18 | (b[i + 1] & 0x3f) << 12 | (b[i + 2] & 0x3f) << 6 | (b[i + 3] & 0x3f);
                };
                sb.appendCodePoint(cp);
                i += n;
            }
        }
        return sb.toString();
    }

    /** The length of the well-formed UTF-8 sequence at {@code i}, or 0 if there is none. */
    private static int sequenceLength(byte[] b, int i) {
        int c = b[i] & 0xff;
        if (c < 0x80) {
            return 1;
        }
        int n;
        int lo = 0x80;
        int hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 3;
            if (c == 0xe0) {
                lo = 0xa0;
            } else if (c == 0xed) {
                hi = 0x9f;
            }
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 4;
            if (c == 0xf0) {
                lo = 0x90;
            } else if (c == 0xf4) {
                hi = 0x8f;
            }
        } else {
            return 0;
        }
        if (i + n > b.length) {
            return 0;
        }
        int second = b[i + 1] & 0xff;
        if (second < lo || second > hi) {
            return 0;
        }
        for (int j = 2; j < n; j++) {
            if ((b[i + j] & 0xc0) != 0x80) {
                return 0;
            }
        }
        return n;
    }
}
