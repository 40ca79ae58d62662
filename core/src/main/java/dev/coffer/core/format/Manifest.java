package dev.coffer.core.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.crypto.KeyFingerprint;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/** A snapshot's manifest file (design.md 5): magic, length, JSON body, tag. */
public final class Manifest {
    static final byte[] MAGIC = {'C', 'F', 'M', 1};
    public static final int MAX_BODY = 16 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern FILE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]{0,254}");
    private static final Pattern ARCHIVE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]{0,100}\\.(cfar|img)");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    private final byte[] file;
    private final int bodyLength;
    private final ManifestBody body;

    private Manifest(byte[] file, int bodyLength, ManifestBody body) {
        this.file = file;
        this.bodyLength = bodyLength;
        this.body = body;
    }

    /** Encodes and tags a manifest; {@code tagger} computes the 32-byte tag over bytes 0..8+L. */
    public static byte[] encode(ManifestBody b, Function<byte[], byte[]> tagger) {
        ObjectNode o = JSON.createObjectNode();
        o.put("version", b.version());
        o.put("backup-type", b.backupType());
        o.put("backup-id", b.backupId());
        o.put("backup-time", b.backupTime().toString());
        o.put("crypt-mode", b.cryptMode().cliName());
        if (b.keyFingerprint() != null) {
            o.put("key-fingerprint", b.keyFingerprint().toString());
        }
        ArrayNode archives = o.putArray("archives");
        for (ArchiveRef a : b.archives()) {
            ObjectNode an = archives.addObject();
            an.put("name", a.name());
            an.put("type", a.type());
            ArrayNode idx = an.putArray("indexes");
            for (IndexRef r : a.indexes()) {
                ObjectNode rn = idx.addObject();
                rn.put("role", r.role());
                rn.put("file", r.file());
                rn.put("size", r.size());
                rn.put("sha256", r.sha256());
            }
        }
        ObjectNode ch = o.putObject("chunker");
        ch.put("average", b.chunkerAverage());
        ch.put("keyed", b.chunkerKeyed());
        ObjectNode st = o.putObject("stats");
        new java.util.TreeMap<>(b.stats()).forEach(st::put);
        o.put("created-by", b.createdBy());
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        byte[] out = new byte[8 + json.length + 32];
        System.arraycopy(MAGIC, 0, out, 0, 4);
        int l = json.length;
        out[4] = (byte) l;
        out[5] = (byte) (l >>> 8);
        out[6] = (byte) (l >>> 16);
        out[7] = (byte) (l >>> 24);
        System.arraycopy(json, 0, out, 8, l);
        byte[] tag = tagger.apply(Arrays.copyOf(out, 8 + l));
        if (tag.length != 32) {
            throw new IllegalArgumentException("a manifest tag has 32 bytes");
        }
        System.arraycopy(tag, 0, out, 8 + l, 32);
        return out;
    }

    /** SHA-256 tag, for unsigned manifests. */
    public static byte[] sha256Tag(byte[] signed) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(signed);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses and validates the structure; does not check the tag (see {@link #verifyTag}). */
    public static Manifest parse(byte[] file) {
        if (file.length < 4 || !Arrays.equals(file, 0, 4, MAGIC, 0, 4)) {
            throw new CorruptDataException("manifest: bad magic");
        }
        if (file.length < 8) {
            throw new CorruptDataException("manifest: truncated");
        }
        long l = (file[4] & 0xffL) | (file[5] & 0xffL) << 8 | (file[6] & 0xffL) << 16 | (file[7] & 0xffL) << 24;
        if (l > MAX_BODY) {
            throw new CorruptDataException("manifest: body length " + l + " exceeds the limit");
        }
        if (file.length != 8 + l + 32) {
            throw new CorruptDataException(file.length < 8 + l + 32 ? "manifest: truncated"
                    : "manifest: trailing bytes after the tag");
        }
        JsonNode o;
        try {
            o = JSON.readTree(new String(file, 8, (int) l, StandardCharsets.UTF_8));
        } catch (JsonProcessingException | RuntimeException e) {
            throw new CorruptDataException("manifest: body is not valid JSON");
        }
        if (o == null || !o.isObject()) {
            throw new CorruptDataException("manifest: body is not a JSON object");
        }
        return new Manifest(file, (int) l, body(o));
    }

    private static ManifestBody body(JsonNode o) {
        int version = intField(o, "version");
        if (version != 1) {
            throw new CorruptDataException("manifest: unsupported version " + version);
        }
        String type = matching(o, "backup-type", NAME);
        String id = matching(o, "backup-id", NAME);
        Instant time;
        try {
            time = Instant.parse(text(o, "backup-time"));
        } catch (DateTimeParseException e) {
            throw new CorruptDataException("manifest: backup-time is not an RFC 3339 time");
        }
        CryptMode mode;
        try {
            mode = CryptMode.fromCliName(text(o, "crypt-mode"));
        } catch (CofferException e) {
            throw new CorruptDataException("manifest: unknown crypt-mode");
        }
        KeyFingerprint fp = null;
        if (mode != CryptMode.NONE) {
            try {
                fp = KeyFingerprint.parse(text(o, "key-fingerprint"));
            } catch (IllegalArgumentException e) {
                throw new CorruptDataException("manifest: malformed key-fingerprint");
            }
        }
        JsonNode arr = o.get("archives");
        if (arr == null || !arr.isArray() || arr.size() > 10_000) {
            throw new CorruptDataException("manifest: archives missing or not a list");
        }
        List<ArchiveRef> archives = new ArrayList<>();
        for (JsonNode a : arr) {
            if (!a.isObject()) {
                throw new CorruptDataException("manifest: archive entry is not an object");
            }
            String name = matching(a, "name", ARCHIVE);
            String at = text(a, "type");
            if (!at.equals("dir") && !at.equals("image") || at.equals("dir") != name.endsWith(".cfar")) {
                throw new CorruptDataException("manifest: archive " + name + " has a wrong type");
            }
            JsonNode idx = a.get("indexes");
            if (idx == null || !idx.isArray() || idx.size() > 16) {
                throw new CorruptDataException("manifest: archive " + name + " has no index list");
            }
            List<IndexRef> refs = new ArrayList<>();
            for (JsonNode r : idx) {
                if (!r.isObject()) {
                    throw new CorruptDataException("manifest: index entry is not an object");
                }
                long size = r.path("size").canConvertToLong() && r.path("size").isIntegralNumber() ? r.get("size").longValue() : -1;
                if (size < 0) {
                    throw new CorruptDataException("manifest: index size missing or negative");
                }
                refs.add(new IndexRef(matching(r, "role", NAME), matching(r, "file", FILE), size,
                        matching(r, "sha256", HEX64)));
            }
            archives.add(new ArchiveRef(name, at, refs));
        }
        JsonNode ch = o.get("chunker");
        long average = ch != null && ch.path("average").isIntegralNumber() ? ch.get("average").longValue() : 0;
        boolean keyed = ch != null && ch.path("keyed").asBoolean(false);
        Map<String, Long> stats = new LinkedHashMap<>();
        JsonNode st = o.get("stats");
        if (st != null && st.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = st.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isIntegralNumber() && stats.size() < 100) {
                    stats.put(e.getKey(), e.getValue().longValue());
                }
            }
        }
        JsonNode cb = o.get("created-by");
        return new ManifestBody(version, type, id, time, mode, fp, archives, average, keyed, stats,
                cb != null && cb.isTextual() ? cb.textValue() : "");
    }

    private static String text(JsonNode o, String f) {
        JsonNode n = o.get(f);
        if (n == null || !n.isTextual()) {
            throw new CorruptDataException("manifest: " + f + " missing or not text");
        }
        return n.textValue();
    }

    private static String matching(JsonNode o, String f, Pattern p) {
        String s = text(o, f);
        if (!p.matcher(s).matches() || s.contains("..")) {
            throw new CorruptDataException("manifest: " + f + " '" + (s.length() > 64 ? s.substring(0, 64) : s)
                    + "' is not valid");
        }
        return s;
    }

    private static int intField(JsonNode o, String f) {
        JsonNode n = o.get(f);
        if (n == null || !n.isInt()) {
            throw new CorruptDataException("manifest: " + f + " missing or not an integer");
        }
        return n.intValue();
    }

    public ManifestBody body() {
        return body;
    }

    /** The bytes the tag covers. */
    public byte[] signedBytes() {
        return Arrays.copyOf(file, 8 + bodyLength);
    }

    public void verifyTag(Function<byte[], byte[]> tagger) {
        byte[] expected = tagger.apply(signedBytes());
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(file, 8 + bodyLength, file.length))) {
            throw new CorruptDataException("manifest: authentication failed (tampered, or signed with another key)");
        }
    }

    public ArchiveRef archive(String name) {
        List<String> names = new ArrayList<>();
        for (ArchiveRef a : body.archives()) {
            if (a.name().equals(name)) {
                return a;
            }
            names.add(a.name());
        }
        throw new CofferException("archive '" + name + "' not in snapshot; it has: " + String.join(", ", names));
    }
}
