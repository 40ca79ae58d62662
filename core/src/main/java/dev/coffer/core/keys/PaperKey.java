package dev.coffer.core.keys;

import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.KeyFingerprint;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * A key file on paper (design.md 12): the wrapped key and its KDF parameters as a typed block with line
 * checksums and as a QR code. A paper key of a passphrase-protected key file still needs the passphrase.
 */
public final class PaperKey {
    public static final String TAG = "KEY";
    private static final byte[] MAGIC = {'C', 'F', 'P', 'K'};

    private PaperKey() {
    }

    public static byte[] payload(KeyFile kf) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(MAGIC);
        o.write(1);
        switch (kf.kdf()) {
            case KeyFile.NoKdf n -> o.write(0);
            case KeyFile.ScryptParams p -> {
                o.write(1);
                o.write(Integer.numberOfTrailingZeros(p.n()));
                o.write(p.r());
                o.write(p.p());
            }
            case KeyFile.Argon2Params a -> {
                o.write(2);
                o.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(a.memoryKib()).array());
                o.write(a.iterations());
                o.write(a.parallelism());
            }
        }
        byte[] salt = kf.salt();
        if (salt != null) {
            o.write(salt.length);
            o.writeBytes(salt);
        }
        o.writeBytes(kf.wrapped());
        o.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(kf.created().getEpochSecond()).array());
        o.writeBytes(kf.fingerprint().bytes());
        return o.toByteArray();
    }

    public static KeyFile fromPayload(byte[] p) {
        try {
            ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[4];
            b.get(magic);
            if (!Arrays.equals(magic, MAGIC) || b.get() != 1) {
                throw new CorruptDataException("this is not a Coffer paper key (or a newer version of one)");
            }
            int kdfType = b.get();
            KeyFile.Kdf kdf = switch (kdfType) {
                case 0 -> new KeyFile.NoKdf();
                case 1 -> {
                    int log = b.get();
                    if (log < 1 || log > 22) {
                        throw new CorruptDataException("paper key: scrypt parameters out of range");
                    }
                    yield new KeyFile.ScryptParams(1 << log, b.get() & 0xff, b.get() & 0xff);
                }
                case 2 -> new KeyFile.Argon2Params(b.getInt(), b.get() & 0xff, b.get() & 0xff);
                default -> throw new CorruptDataException("paper key: unknown KDF " + kdfType);
            };
            byte[] salt = null;
            if (kdfType != 0) {
                salt = new byte[b.get() & 0xff];
                b.get(salt);
            }
            byte[] wrapped = new byte[60];
            b.get(wrapped);
            Instant created = Instant.ofEpochSecond(b.getLong());
            byte[] fp = new byte[32];
            b.get(fp);
            if (b.hasRemaining()) {
                throw new CorruptDataException("paper key: extra bytes at the end");
            }
            KeyFile kf = KeyFile.fromParts(kdf, salt, wrapped, KeyFingerprint.of(fp), created, null);
            return KeyFile.parse(kf.toJson()); // the same range checks as any key file
        } catch (java.nio.BufferUnderflowException | java.time.DateTimeException e) {
            throw new CorruptDataException("paper key: the block is incomplete");
        }
    }

    /** The typed block. */
    public static List<String> lines(KeyFile kf) {
        return LineCode.encode(TAG, payload(kf));
    }

    /** What the QR code holds. */
    public static String qrText(KeyFile kf) {
        return LineCode.compact(TAG, payload(kf));
    }

    /** Reads typed lines, a whole printed page, or the QR string. */
    public static KeyFile parse(String text) {
        return fromPayload(LineCode.decode(TAG, text));
    }

    public static String text(KeyFile kf, String path) {
        StringBuilder sb = new StringBuilder();
        sb.append("Coffer encryption key — paper copy\n\n");
        sb.append("Fingerprint: ").append(kf.fingerprint()).append('\n');
        sb.append("Created:     ").append(kf.created()).append('\n');
        sb.append("KDF:         ").append(kf.kdfType())
                .append(kf.needsPassphrase() ? " (you also need the passphrase)" : " (no passphrase: keep this page safe)")
                .append('\n');
        if (kf.hint() != null) {
            sb.append("Hint:        ").append(kf.hint()).append('\n');
        }
        sb.append("Key file:    ").append(path).append("\n\n");
        sb.append("Restore with 'coffer key import --paper FILE' (type the lines below; each ends with a checksum)\n");
        sb.append("or 'coffer key import --qr IMAGE' (a photo or scan of the code).\n\n");
        for (String l : lines(kf)) {
            sb.append(l).append('\n');
        }
        sb.append('\n').append(QrCodes.asText(qrText(kf)));
        return sb.toString();
    }

    public static String html(KeyFile kf, String path) {
        String png = Base64.getEncoder().encodeToString(QrCodes.asPng(qrText(kf), 6));
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Coffer paper key ")
                .append(kf.fingerprint().shortForm()).append("</title>\n<style>body{font-family:sans-serif;margin:2cm}"
                        + "pre{font-size:12pt}img{width:6cm;image-rendering:pixelated}</style></head><body>\n");
        sb.append("<h1>Coffer encryption key</h1>\n<table>\n");
        row(sb, "Fingerprint", kf.fingerprint().toString());
        row(sb, "Created", kf.created().toString());
        row(sb, "Printed", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        row(sb, "KDF", kf.kdfType() + (kf.needsPassphrase() ? " (the passphrase is also needed)" : " (no passphrase)"));
        if (kf.hint() != null) {
            row(sb, "Hint", kf.hint());
        }
        row(sb, "Key file", path);
        sb.append("</table>\n<p><img alt=\"QR code of the key\" src=\"data:image/png;base64,").append(png).append("\"></p>\n<pre>");
        for (String l : lines(kf)) {
            sb.append(escape(l)).append('\n');
        }
        sb.append("</pre>\n<p>Restore: <code>coffer key import --qr IMAGE</code> or <code>coffer key import --paper FILE</code>.</p>\n"
                + "</body></html>\n");
        return sb.toString();
    }

    private static void row(StringBuilder sb, String k, String v) {
        sb.append("<tr><th align=\"left\">").append(k).append("</th><td><code>").append(escape(v)).append("</code></td></tr>\n");
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
