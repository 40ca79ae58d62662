package dev.coffer.core.format;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** One entry of a directory archive (design.md 6). Paths are raw bytes relative to the archive root. */
public sealed interface ArchiveEntry
        permits FileEntry, DirEntry, SymlinkEntry, HardlinkEntry, DeviceEntry, FifoEntry, SocketEntry {
    byte[] path();

    EntryMeta meta();

    /** The path as text: UTF-8, with invalid bytes shown as \xNN. */
    default String displayPath() {
        return display(path());
    }

    static String display(byte[] bytes) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        StringBuilder sb = new StringBuilder();
        while (true) {
            CoderResult r = dec.decode(in, out, true);
            out.flip();
            sb.append(out);
            out.clear();
            if (r.isError()) {
                for (int i = 0; i < r.length(); i++) {
                    sb.append(String.format("\\x%02x", in.get() & 0xff));
                }
            } else {
                break;
            }
        }
        return sb.toString();
    }
}
