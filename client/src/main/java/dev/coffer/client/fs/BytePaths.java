package dev.coffer.client.fs;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Paths as raw bytes, the way the kernel sees them: any byte but NUL, components split by '/'. */
public final class BytePaths {
    private BytePaths() {
    }

    /** The UTF-8 bytes of a path typed by a user. */
    public static byte[] of(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] join(byte[] dir, byte[] name) {
        boolean slash = dir.length > 0 && dir[dir.length - 1] == '/';
        byte[] r = new byte[dir.length + (slash ? 0 : 1) + name.length];
        System.arraycopy(dir, 0, r, 0, dir.length);
        int at = dir.length;
        if (!slash) {
            r[at++] = '/';
        }
        System.arraycopy(name, 0, r, at, name.length);
        return r;
    }

    /** UTF-8 text, with every byte that is not part of valid UTF-8 written as \xNN. */
    public static String display(byte[] path) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return dec.decode(ByteBuffer.wrap(path)).toString();
        } catch (CharacterCodingException e) {
            StringBuilder sb = new StringBuilder();
            ByteBuffer in = ByteBuffer.wrap(path);
            CharBuffer out = CharBuffer.allocate(path.length * 2 + 4);
            dec.reset();
            while (in.hasRemaining()) {
                var res = dec.decode(in, out, true);
                out.flip();
                sb.append(out);
                out.clear();
                if (res.isError()) {
                    for (int i = 0; i < res.length(); i++) {
                        sb.append(String.format("\\x%02x", in.get() & 0xff));
                    }
                } else if (res.isUnderflow()) {
                    break;
                }
            }
            return sb.toString();
        }
    }

    /** True for a name that can be one path component: not empty, not . or .., no '/' and no NUL. */
    public static boolean isSafeComponent(byte[] name) {
        if (name.length == 0 || (name.length == 1 && name[0] == '.') || (name.length == 2 && name[0] == '.' && name[1] == '.')) {
            return false;
        }
        for (byte b : name) {
            if (b == '/' || b == 0) {
                return false;
            }
        }
        return true;
    }
}
