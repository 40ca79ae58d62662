package dev.coffer.client.remote;

import dev.coffer.core.CofferException;
import dev.coffer.store.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Remembered server certificate fingerprints, one {@code HOST:PORT FINGERPRINT} line each, in
 * {@code ~/.config/coffer/fingerprints} (0600).
 */
public final class Fingerprints {
    private static final Pattern FP = Pattern.compile("([0-9a-f]{2}:){31}[0-9a-f]{2}");
    private final Path file;

    public Fingerprints(Path file) {
        this.file = file;
    }

    /** Lower-case, colon-separated: accepts the hex with or without colons, in either case. */
    public static String normalize(String fp) {
        String hex = fp.strip().replace(":", "").toLowerCase(Locale.ROOT);
        if (!hex.matches("[0-9a-f]{64}")) {
            throw new CofferException("invalid certificate fingerprint \"" + fp + "\"",
                    "give the SHA-256 fingerprint that 'coffer server fingerprint' prints (64 hex digits, colons optional)");
        }
        StringBuilder b = new StringBuilder(95);
        for (int i = 0; i < 64; i += 2) {
            if (i > 0) {
                b.append(':');
            }
            b.append(hex, i, i + 2);
        }
        return b.toString();
    }

    public String get(String endpoint) {
        return read().get(endpoint);
    }

    public void put(String endpoint, String fingerprint) {
        Map<String, String> m = read();
        m.put(endpoint, normalize(fingerprint));
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> b.append(k).append(' ').append(v).append('\n'));
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new CofferException("cannot create " + file.getParent() + ": " + e.getMessage());
        }
        AtomicFiles.write(file, b.toString().getBytes(StandardCharsets.UTF_8), PosixFilePermissions.fromString("rw-------"));
    }

    private Map<String, String> read() {
        Map<String, String> m = new LinkedHashMap<>();
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return m;
        } catch (IOException e) {
            throw new CofferException("cannot read " + file + ": " + e.getMessage());
        }
        int n = 0;
        for (String line : text.split("\n")) {
            n++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] p = l.split("\\s+");
            if (p.length != 2 || !FP.matcher(p[1]).matches()) {
                throw new CofferException(file + " line " + n + " is damaged",
                        "each line is HOST:PORT followed by a colon-separated SHA-256 fingerprint; fix or remove the line");
            }
            m.put(p[0], p[1]);
        }
        return m;
    }
}
