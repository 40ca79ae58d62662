package dev.coffer.core.keys;

import dev.coffer.core.CorruptDataException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bytes as lines a person can type back (design.md 12): {@code TAG NN/TT: xxxx xxxx … cccc}, 16 bytes a line
 * in hex, each line with its own checksum so a typing mistake is caught on the line where it was made. The
 * same bytes also travel as one string {@code COFFER-TAG:base64url} inside QR codes.
 */
public final class LineCode {
    static final int PER_LINE = 16;
    private static final Pattern LINE = Pattern.compile("^\\s*([A-Z]+)\\s+(\\d{1,3})\\s*/\\s*(\\d{1,3})\\s*:(.*)$");

    private LineCode() {
    }

    public static List<String> encode(String tag, byte[] payload) {
        int total = Math.max(1, (payload.length + PER_LINE - 1) / PER_LINE);
        if (total > 999) {
            throw new IllegalArgumentException("payload too large for a typed block");
        }
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            int from = i * PER_LINE;
            int to = Math.min(payload.length, from + PER_LINE);
            byte[] chunk = java.util.Arrays.copyOfRange(payload, from, to);
            StringBuilder sb = new StringBuilder(String.format("%s %02d/%02d:", tag, i + 1, total));
            String hex = java.util.HexFormat.of().formatHex(chunk);
            for (int k = 0; k < hex.length(); k += 4) {
                sb.append(' ').append(hex, k, Math.min(hex.length(), k + 4));
            }
            sb.append("  ").append(checksum(tag, i + 1, total, chunk));
            lines.add(sb.toString());
        }
        return lines;
    }

    /** The single-string form used in QR codes. */
    public static String compact(String tag, byte[] payload) {
        return "COFFER-" + tag + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(payload);
    }

    static String checksum(String tag, int line, int total, byte[] chunk) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(("coffer-line-v1/" + tag).getBytes(StandardCharsets.US_ASCII));
            md.update((byte) line);
            md.update((byte) total);
            md.update(chunk);
            byte[] d = md.digest();
            return String.format("%02x%02x", d[0], d[1]);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads either form. Lines that do not start with {@code TAG NN/TT:} are ignored (headings, notes), so a
     * whole printed sheet can be given. Errors name the line by its number in the block.
     */
    public static byte[] decode(String tag, String text) {
        String prefix = "COFFER-" + tag + ":";
        for (String raw : text.split("\\R")) {
            String t = raw.strip();
            if (t.startsWith(prefix)) {
                try {
                    return Base64.getUrlDecoder().decode(t.substring(prefix.length()));
                } catch (IllegalArgumentException e) {
                    throw new CorruptDataException("the " + prefix + " string is damaged (not base64url)");
                }
            }
        }
        byte[][] chunks = null;
        int total = -1;
        for (String raw : text.split("\\R")) {
            Matcher m = LINE.matcher(raw);
            if (!m.matches() || !m.group(1).equals(tag)) {
                continue;
            }
            int no = Integer.parseInt(m.group(2));
            int tot = Integer.parseInt(m.group(3));
            if (total < 0) {
                total = tot;
                chunks = new byte[tot][];
            }
            if (tot != total || no < 1 || no > total) {
                throw new CorruptDataException("line " + no + ": numbered " + no + "/" + tot + ", but the block has "
                        + total + " lines; check what you typed");
            }
            String[] parts = m.group(4).strip().split("\\s+");
            if (parts.length < 2) {
                throw new CorruptDataException("line " + no + ": too short; check what you typed");
            }
            String sum = parts[parts.length - 1].toLowerCase(java.util.Locale.ROOT);
            StringBuilder hex = new StringBuilder();
            for (int i = 0; i < parts.length - 1; i++) {
                hex.append(parts[i]);
            }
            byte[] chunk;
            try {
                if (hex.length() % 2 != 0 || hex.length() > 2 * PER_LINE) {
                    throw new IllegalArgumentException();
                }
                chunk = java.util.HexFormat.of().parseHex(hex.toString().toLowerCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CorruptDataException("line " + no + ": not valid hex; check what you typed");
            }
            if (!checksum(tag, no, total, chunk).equals(sum)) {
                throw new CorruptDataException("line " + no + ": checksum mismatch; check what you typed on this line");
            }
            if (chunks[no - 1] != null && !java.util.Arrays.equals(chunks[no - 1], chunk)) {
                throw new CorruptDataException("line " + no + ": given twice with different contents");
            }
            chunks[no - 1] = chunk;
        }
        if (chunks == null) {
            throw new CorruptDataException("no " + tag + " lines found (lines start with '" + tag + " 01/')");
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < chunks.length; i++) {
            if (chunks[i] == null) {
                throw new CorruptDataException("line " + (i + 1) + " of " + chunks.length + " is missing");
            }
            if (i < chunks.length - 1 && chunks[i].length != PER_LINE) {
                throw new CorruptDataException("line " + (i + 1) + ": too short; check what you typed");
            }
            out.writeBytes(chunks[i]);
        }
        return out.toByteArray();
    }
}
