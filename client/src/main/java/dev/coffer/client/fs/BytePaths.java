package dev.coffer.client.fs;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Paths as raw bytes, the way the Linux kernel sees them: any byte but NUL, components separated by
 * {@code '/'}. Byte paths never carry a trailing NUL; {@link Posix} adds it when calling the C library.
 */
public final class BytePaths {
    private static final byte[] EMPTY = new byte[0];
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final Charset JNU = jnuCharset();

    private BytePaths() {
    }

    /** The UTF-8 bytes of a path given as text (typed by a user, read from a configuration file). */
    public static byte[] of(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The bytes the JDK itself would pass to the kernel for {@code p} (its string encoded with the
     * platform's file-name encoding, UTF-8 in any UTF-8 locale). Meant for paths that arrived as text,
     * such as command-line arguments: a {@link Path} obtained by listing a directory whose names are not
     * valid in that encoding has already lost those bytes, so names found on disk must come from
     * {@link Posix#listDir} instead.
     */
    public static byte[] of(Path p) {
        return p.toString().getBytes(JNU);
    }

    /**
     * {@code dir + "/" + name}, without doubling a slash {@code dir} already ends with. An empty
     * {@code dir} (the archive root's relative path) gives {@code name} itself.
     */
    public static byte[] join(byte[] dir, byte[] name) {
        if (dir.length == 0) {
            return name.clone();
        }
        boolean slash = dir[dir.length - 1] == '/';
        byte[] r = new byte[dir.length + (slash ? 0 : 1) + name.length];
        System.arraycopy(dir, 0, r, 0, dir.length);
        int at = dir.length;
        if (!slash) {
            r[at++] = '/';
        }
        System.arraycopy(name, 0, r, at, name.length);
        return r;
    }

    /** The empty path (the root of a walk or archive). */
    static byte[] empty() {
        return EMPTY;
    }

    /**
     * The path as one line of text for messages: valid UTF-8 is shown as such; every byte that is not
     * part of valid UTF-8, and every control character (C0, DEL, C1), is written {@code \xNN}. The
     * result never contains a line break or a terminal escape.
     */
    public static String display(byte[] path) {
        StringBuilder sb = null;
        int i = 0;
        int n = path.length;
        while (i < n) {
            int b = path[i] & 0xff;
            if (b >= 0x20 && b < 0x7f) {
                if (sb != null) {
                    sb.append((char) b);
                }
                i++;
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(n + 16);
                for (int k = 0; k < i; k++) {
                    sb.append((char) path[k]);
                }
            }
            int len = validSequence(path, i);
            if (len == 0) {
                escape(sb, b);
                i++;
                continue;
            }
            int cp = decode(path, i, len);
            if (cp < 0xa0) { // DEL and the C1 controls
                for (int k = 0; k < len; k++) {
                    escape(sb, path[i + k] & 0xff);
                }
            } else {
                sb.appendCodePoint(cp);
            }
            i += len;
        }
        return sb == null ? new String(path, StandardCharsets.ISO_8859_1) : sb.toString();
    }

    /**
     * True for a name that can be one path component: not empty, not {@code .} or {@code ..}, no
     * {@code '/'} and no NUL.
     */
    public static boolean isSafeComponent(byte[] name) {
        int n = name.length;
        if (n == 0 || (name[0] == '.' && (n == 1 || (n == 2 && name[1] == '.')))) {
            return false;
        }
        for (byte b : name) {
            if (b == '/' || b == 0) {
                return false;
            }
        }
        return true;
    }

    private static void escape(StringBuilder sb, int b) {
        sb.append('\\').append('x').append(HEX[b >> 4]).append(HEX[b & 15]);
    }

    /** The length of the well-formed UTF-8 sequence at {@code i} (RFC 3629), or 0 if there is none. */
    private static int validSequence(byte[] s, int i) {
        int b0 = s[i] & 0xff;
        if (b0 < 0x80) {
            return 1;
        }
        int len;
        int lo = 0x80;
        int hi = 0xbf;
        if (b0 >= 0xc2 && b0 <= 0xdf) {
            len = 2;
        } else if (b0 >= 0xe0 && b0 <= 0xef) {
            len = 3;
            if (b0 == 0xe0) {
                lo = 0xa0; // no overlong forms
            } else if (b0 == 0xed) {
                hi = 0x9f; // no surrogates
            }
        } else if (b0 >= 0xf0 && b0 <= 0xf4) {
            len = 4;
            if (b0 == 0xf0) {
                lo = 0x90;
            } else if (b0 == 0xf4) {
                hi = 0x8f; // nothing above U+10FFFF
            }
        } else {
            return 0;
        }
        if (i + len > s.length) {
            return 0;
        }
        int b1 = s[i + 1] & 0xff;
        if (b1 < lo || b1 > hi) {
            return 0;
        }
        for (int k = 2; k < len; k++) {
            int b = s[i + k] & 0xff;
            if (b < 0x80 || b > 0xbf) {
                return 0;
            }
        }
        return len;
    }

    private static int decode(byte[] s, int i, int len) {
        int cp = switch (len) {
            case 1 -> s[i];
            case 2 -> s[i] & 0x1f;
            case 3 -> s[i] & 0x0f;
            default -> s[i] & 0x07;
        };
        for (int k = 1; k < len; k++) {
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        return cp;
    }

    private static Charset jnuCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }
}
