package dev.coffer.core.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.crypto.KeyFingerprint;
import dev.coffer.core.util.Hex;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A snapshot's manifest file (design.md 5): magic, body length, JSON body, 32-byte tag. {@link #parse} checks
 * the structure and every field but not the tag: the caller first compares the key fingerprint with its key,
 * then calls {@link #verifyTag}.
 */
public final class Manifest {
    static final byte[] MAGIC = {'C', 'F', 'M', 1};
    /** The largest JSON body, 16 MiB. */
    public static final int MAX_BODY = 16 << 20;
    public static final int TAG_LENGTH = 32;
    static final int MAX_ARCHIVES = 10_000;
    static final int MAX_STATS = 1_000;
    static final int MAX_CREATED_BY = 256;

    private static final List<String> BACKUP_TYPES = List.of("host", "vm", "ct");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern ARCHIVE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]{0,100}\\.(cfar|img)");
    private static final Pattern FILE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]{0,249}\\.cidx");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){31}");
    private static final Pattern TIME = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z");
    private static final ObjectMapper JSON = JsonMapper
            .builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).maxNumberLength(100)
                            .maxStringLength(MAX_BODY).build())
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private final byte[] file;
    private final int bodyLength;
    private final ManifestBody body;

    private Manifest(byte[] file, int bodyLength, ManifestBody body) {
        this.file = file;
        this.bodyLength = bodyLength;
        this.body = body;
    }

    /**
     * Encodes and tags a manifest. {@code tagger} computes the 32-byte tag over bytes 0..8+L: HMAC-SHA256 with
     * the manifest key in {@code encrypt} and {@code sign-only} mode, {@link #sha256Tag} in {@code none} mode.
     * A body a reader would refuse is an IllegalArgumentException.
     */
    public static byte[] encode(ManifestBody b, Function<byte[], byte[]> tagger) {
        if ((b.cryptMode() == CryptMode.NONE) != (b.keyFingerprint() == null)) {
            throw new IllegalArgumentException("a manifest has a key fingerprint exactly when its mode is not none");
        }
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
                idx.addObject().put("role", r.role()).put("file", r.file()).put("size", r.size())
                        .put("sha256", r.sha256());
            }
        }
        o.putObject("chunker").put("average", b.chunkerAverage()).put("keyed", b.chunkerKeyed());
        ObjectNode st = o.putObject("stats");
        b.stats().forEach(st::put);
        o.put("created-by", b.createdBy());
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
        if (json.length > MAX_BODY) {
            throw new IllegalArgumentException("manifest body of " + json.length + " bytes exceeds 16 MiB");
        }
        int l = json.length;
        byte[] out = new byte[8 + l + TAG_LENGTH];
        System.arraycopy(MAGIC, 0, out, 0, 4);
        for (int i = 0; i < 4; i++) {
            out[4 + i] = (byte) (l >>> (8 * i));
        }
        System.arraycopy(json, 0, out, 8, l);
        // a writer never produces what a reader refuses
        ManifestBody back;
        try {
            back = parse(out).body();
        } catch (CorruptDataException e) {
            throw new IllegalArgumentException("manifest body refused: " + e.getMessage(), e);
        }
        if (!back.equals(b)) {
            throw new IllegalArgumentException("manifest body does not read back as written: " + b);
        }
        byte[] tag = tagger.apply(Arrays.copyOf(out, 8 + l));
        if (tag == null || tag.length != TAG_LENGTH) {
            throw new IllegalArgumentException("a manifest tag has 32 bytes");
        }
        System.arraycopy(tag, 0, out, 8 + l, TAG_LENGTH);
        return out;
    }

    /** The tag of a {@code none}-mode manifest: SHA-256 of bytes 0..8+L. */
    public static byte[] sha256Tag(byte[] signed) {
        return Index.sha256(signed, 0, signed.length);
    }

    /**
     * Parses a manifest file and checks its structure and fields; does not check the tag (see
     * {@link #verifyTag}). Every flaw is a CorruptDataException ("manifest: …").
     */
    public static Manifest parse(byte[] file) {
        int n = file.length;
        if (!Arrays.equals(file, 0, Math.min(4, n), MAGIC, 0, Math.min(4, n))) {
            throw new CorruptDataException("manifest: bad magic");
        }
        if (n < 8) {
            throw new CorruptDataException("manifest: truncated (" + n + " bytes)");
        }
        long l = new ByteReader(file, 4, 4, "manifest").u32();
        if (l > MAX_BODY) {
            throw new CorruptDataException("manifest: body length " + l + " exceeds the limit of 16 MiB");
        }
        long total = 8 + l + TAG_LENGTH;
        if (n < total) {
            throw new CorruptDataException("manifest: truncated (" + n + " bytes, the header announces " + total + ")");
        }
        if (n > total) {
            throw new CorruptDataException("manifest: " + (n - total) + " bytes after the tag");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(file, 8, (int) l))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new CorruptDataException("manifest: body is not valid UTF-8");
        }
        JsonNode o;
        try {
            o = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new CorruptDataException("manifest: body is not valid JSON (" + clean(e.getOriginalMessage(), 120)
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()) + ")");
        } catch (RuntimeException e) {
            throw new CorruptDataException("manifest: body is not valid JSON (" + clean(e.toString(), 120) + ")");
        }
        if (o == null || !o.isObject()) {
            throw new CorruptDataException("manifest: body is not a JSON object");
        }
        return new Manifest(file.clone(), (int) l, body(o));
    }

    private static ManifestBody body(JsonNode o) {
        JsonNode v = o.get("version");
        if (v == null || !v.isInt()) {
            throw new CorruptDataException("manifest: version missing or not an integer");
        }
        if (v.intValue() != 1) {
            throw new CorruptDataException("manifest: unsupported version " + v.intValue());
        }
        String type = text(o, "backup-type");
        if (!BACKUP_TYPES.contains(type)) {
            throw new CorruptDataException("manifest: backup-type " + quote(type) + " is not host, vm or ct");
        }
        String id = matching(o, "backup-id", NAME);
        String timeText = text(o, "backup-time");
        Instant time;
        try {
            if (!TIME.matcher(timeText).matches()) {
                throw new DateTimeParseException("shape", timeText, 0);
            }
            time = Instant.parse(timeText);
        } catch (DateTimeParseException e) {
            throw new CorruptDataException("manifest: backup-time " + quote(timeText)
                    + " is not an RFC 3339 UTC time with second precision");
        }
        String modeText = text(o, "crypt-mode");
        CryptMode mode = null;
        for (CryptMode m : CryptMode.values()) {
            if (m.cliName().equals(modeText)) {
                mode = m;
            }
        }
        if (mode == null) {
            throw new CorruptDataException("manifest: unknown crypt-mode " + quote(modeText));
        }
        KeyFingerprint fp = null;
        if (mode == CryptMode.NONE) {
            if (o.has("key-fingerprint")) {
                throw new CorruptDataException("manifest: key-fingerprint in a manifest of crypt-mode none");
            }
        } else {
            fp = KeyFingerprint.of(Hex.decode(matching(o, "key-fingerprint", FINGERPRINT).replace(":", "")));
        }
        List<ArchiveRef> archives = archives(o.get("archives"));
        JsonNode ch = o.get("chunker");
        if (ch == null || !ch.isObject()) {
            throw new CorruptDataException("manifest: chunker missing or not an object");
        }
        long average = integer(ch.get("average"), "chunker average");
        if (average < 1024 || average > 16 << 20 || Long.bitCount(average) != 1) {
            throw new CorruptDataException("manifest: chunker average " + average
                    + " is not a power of two from 1 KiB to 16 MiB");
        }
        JsonNode keyed = ch.get("keyed");
        if (keyed == null || !keyed.isBoolean()) {
            throw new CorruptDataException("manifest: chunker keyed missing or not true/false");
        }
        JsonNode st = o.get("stats");
        if (st == null || !st.isObject()) {
            throw new CorruptDataException("manifest: stats missing or not an object");
        }
        if (st.size() > MAX_STATS) {
            throw new CorruptDataException("manifest: more than " + MAX_STATS + " stats");
        }
        Map<String, Long> stats = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : st.properties()) {
            stats.put(e.getKey(), integer(e.getValue(), "stats " + quote(e.getKey())));
        }
        String createdBy = text(o, "created-by");
        if (createdBy.length() > MAX_CREATED_BY || !clean(createdBy, MAX_CREATED_BY).equals(createdBy)) {
            throw new CorruptDataException("manifest: created-by is longer than " + MAX_CREATED_BY
                    + " characters or holds control characters");
        }
        return new ManifestBody(1, type, id, time, mode, fp, archives, average, keyed.booleanValue(), stats,
                createdBy);
    }

    private static List<ArchiveRef> archives(JsonNode arr) {
        if (arr == null || !arr.isArray()) {
            throw new CorruptDataException("manifest: archives missing or not a list");
        }
        if (arr.size() > MAX_ARCHIVES) {
            throw new CorruptDataException("manifest: more than " + MAX_ARCHIVES + " archives");
        }
        List<ArchiveRef> archives = new ArrayList<>(arr.size());
        Set<String> names = new HashSet<>();
        Set<String> files = new HashSet<>();
        for (JsonNode a : arr) {
            if (!a.isObject()) {
                throw new CorruptDataException("manifest: an archive is not a JSON object");
            }
            String name = matching(a, "name", ARCHIVE);
            if (!names.add(name)) {
                throw new CorruptDataException("manifest: archive " + name + " appears twice");
            }
            boolean dir = name.endsWith(".cfar");
            String type = text(a, "type");
            if (!type.equals(dir ? ArchiveRef.DIR : ArchiveRef.IMAGE)) {
                throw new CorruptDataException("manifest: archive " + name + " has type " + quote(type) + ", not "
                        + (dir ? ArchiveRef.DIR : ArchiveRef.IMAGE));
            }
            List<String> roles = dir ? List.of("meta", "payload") : List.of("image");
            JsonNode idx = a.get("indexes");
            if (idx == null || !idx.isArray() || idx.size() != roles.size()) {
                throw new CorruptDataException("manifest: archive " + name + " needs exactly the indexes "
                        + String.join(" and ", roles));
            }
            List<IndexRef> refs = new ArrayList<>(roles.size());
            for (JsonNode r : idx) {
                if (!r.isObject()) {
                    throw new CorruptDataException("manifest: an index of archive " + name + " is not a JSON object");
                }
                String role = text(r, "role");
                if (!roles.contains(role) || refs.stream().anyMatch(x -> x.role().equals(role))) {
                    throw new CorruptDataException("manifest: archive " + name + " has an unexpected index role "
                            + quote(role));
                }
                String file = matching(r, "file", FILE);
                if (!files.add(file)) {
                    throw new CorruptDataException("manifest: index file " + file + " appears twice");
                }
                refs.add(new IndexRef(role, file, integer(r.get("size"), "size of " + file),
                        matching(r, "sha256", HEX64)));
            }
            archives.add(new ArchiveRef(name, type, refs));
        }
        return archives;
    }

    private static String text(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || !n.isTextual()) {
            throw new CorruptDataException("manifest: " + field + " missing or not a string");
        }
        return n.textValue();
    }

    private static String matching(JsonNode o, String field, Pattern p) {
        String s = text(o, field);
        if (!p.matcher(s).matches()) {
            throw new CorruptDataException("manifest: " + field + " " + quote(s) + " is not valid");
        }
        return s;
    }

    /** A non-negative integer that fits in 63 bits. */
    private static long integer(JsonNode n, String what) {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            throw new CorruptDataException("manifest: " + what + " missing or not a non-negative integer");
        }
        return n.longValue();
    }

    /** Text safe for a one-line message: control characters replaced, at most {@code max} characters. */
    private static String clean(String s, int max) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max));
        for (int i = 0; i < s.length() && sb.length() < max; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || (c >= 0x7f && c < 0xa0) || c == '\u2028' || c == '\u2029' ? '?' : c);
        }
        return sb.toString();
    }

    private static String quote(String s) {
        return "'" + clean(s, 64) + (s.length() > 64 ? "…" : "") + "'";
    }

    public ManifestBody body() {
        return body;
    }

    /** The bytes the tag covers: magic, length and body. */
    public byte[] signedBytes() {
        return Arrays.copyOf(file, 8 + bodyLength);
    }

    /** The stored tag. */
    public byte[] tag() {
        return Arrays.copyOfRange(file, 8 + bodyLength, file.length);
    }

    /**
     * Checks the tag in constant time; {@code tagger} as for {@link #encode}. A mismatch is a
     * CorruptDataException "manifest: authentication failed (tampered, or signed with another key)".
     */
    public void verifyTag(Function<byte[], byte[]> tagger) {
        byte[] expected = tagger.apply(signedBytes());
        if (expected == null || expected.length != TAG_LENGTH) {
            throw new IllegalArgumentException("a manifest tag has 32 bytes");
        }
        if (!MessageDigest.isEqual(expected, tag())) {
            throw new CorruptDataException("manifest: authentication failed (tampered, or signed with another key)");
        }
    }

    /** The archive with that name; a CofferException naming the archives there are when it is absent. */
    public ArchiveRef archive(String name) {
        List<String> names = new ArrayList<>();
        for (ArchiveRef a : body.archives()) {
            if (a.name().equals(name)) {
                return a;
            }
            names.add(a.name());
        }
        throw new CofferException("archive '" + name + "' not in snapshot; it has: "
                + (names.isEmpty() ? "none" : String.join(", ", names)));
    }
}
