package dev.coffer.core.format;

import static dev.coffer.core.format.Samples.HMAC;
import static dev.coffer.core.format.Samples.body;
import static dev.coffer.core.format.Samples.json;
import static dev.coffer.core.format.Samples.manifestFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.CryptMode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ManifestTest {
    static final String AUTH_FAILED = "manifest: authentication failed (tampered, or signed with another key)";

    static Function<byte[], byte[]> tagger(CryptMode mode) {
        return mode == CryptMode.NONE ? Manifest::sha256Tag : HMAC;
    }

    @ParameterizedTest
    @EnumSource(CryptMode.class)
    void roundTrip(CryptMode mode) {
        ManifestBody body = body(mode);
        byte[] file = Manifest.encode(body, tagger(mode));
        Manifest m = Manifest.parse(file);
        assertThat(m.body()).isEqualTo(body);
        assertThat(m.body().stats().keySet()).containsExactly("bytes", "new-bytes", "chunks", "duration-ms");
        m.verifyTag(tagger(mode));
        assertThat(m.signedBytes()).isEqualTo(Arrays.copyOf(file, file.length - 32));
        assertThat(m.tag()).isEqualTo(Arrays.copyOfRange(file, file.length - 32, file.length));
        assertThat(m.archive("disk.img").indexes()).singleElement().extracting(IndexRef::size).isEqualTo(2147483648L);
        assertThat(m.archive("docs.cfar").index("payload").file()).isEqualTo("docs.cfar.payload.cidx");
        assertThat(m.archive("docs.cfar").isImage()).isFalse();
        assertThat(json(file)).contains("\"crypt-mode\":\"" + mode.cliName() + "\"");
        assertThat(json(file).contains("key-fingerprint")).isEqualTo(mode != CryptMode.NONE);
    }

    @Test
    void layoutIsAsSpecified() {
        byte[] file = Manifest.encode(body(CryptMode.NONE), Manifest::sha256Tag);
        assertThat(Arrays.copyOf(file, 4)).containsExactly('C', 'F', 'M', 1);
        int l = (file[4] & 0xff) | (file[5] & 0xff) << 8 | (file[6] & 0xff) << 16 | (file[7] & 0xff) << 24;
        assertThat(file).hasSize(8 + l + 32);
        assertThat(Arrays.copyOfRange(file, 8 + l, file.length)).isEqualTo(Manifest.sha256Tag(Arrays.copyOf(file, 8 + l)));
        assertThat(json(file)).startsWith("{\"version\":1,\"backup-type\":\"host\",\"backup-id\":\"web1\","
                + "\"backup-time\":\"2026-11-23T10:15:00Z\",\"crypt-mode\":\"none\",\"archives\":[{\"name\":\"docs.cfar\"");
    }

    @Test
    void tagFailures() {
        byte[] file = Manifest.encode(body(CryptMode.ENCRYPT), HMAC);
        // the body changed, its length kept: parses, fails authentication
        byte[] changed = file.clone();
        String json = json(file);
        byte[] altered = json.replace("\"web1\"", "\"web2\"").getBytes(StandardCharsets.UTF_8);
        System.arraycopy(altered, 0, changed, 8, altered.length);
        Manifest m = Manifest.parse(changed);
        assertThat(m.body().backupId()).isEqualTo("web2");
        assertThatThrownBy(() -> m.verifyTag(HMAC)).isInstanceOf(CorruptDataException.class).hasMessage(AUTH_FAILED);
        byte[] tag = file.clone();
        tag[tag.length - 1] ^= 1;
        assertThatThrownBy(() -> Manifest.parse(tag).verifyTag(HMAC)).hasMessage(AUTH_FAILED);
        // another key, or a plain checksum where a key signature is expected
        assertThatThrownBy(() -> Manifest.parse(file).verifyTag(Samples.hmac(new byte[] {1})))
                .hasMessage(AUTH_FAILED);
        assertThatThrownBy(() -> Manifest.parse(file).verifyTag(Manifest::sha256Tag)).hasMessage(AUTH_FAILED);
        assertThatThrownBy(() -> Manifest.parse(file).verifyTag(b -> new byte[16]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyTruncationIsRefused() {
        byte[] file = Manifest.encode(body(CryptMode.SIGN_ONLY), HMAC);
        for (int n = 0; n < file.length; n++) {
            byte[] cut = Arrays.copyOf(file, n);
            assertThatThrownBy(() -> Manifest.parse(cut)).as("%d bytes", n).isInstanceOf(CorruptDataException.class)
                    .hasMessageStartingWith("manifest: truncated");
        }
        assertThatThrownBy(() -> Manifest.parse(Arrays.copyOf(file, file.length + 2)))
                .hasMessage("manifest: 2 bytes after the tag");
    }

    @Test
    void headerChecks() {
        assertThatThrownBy(() -> Manifest.parse("CFX\1xxxx".getBytes(StandardCharsets.ISO_8859_1)))
                .hasMessage("manifest: bad magic");
        byte[] huge = {'C', 'F', 'M', 1, 1, 0, 0, 1};
        assertThatThrownBy(() -> Manifest.parse(huge)).hasMessage("manifest: body length 16777217 exceeds the limit of 16 MiB");
        byte[] max = {'C', 'F', 'M', 1, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThatThrownBy(() -> Manifest.parse(max)).hasMessage("manifest: body length 4294967295 exceeds the limit of 16 MiB");
        byte[] bad = manifestFile("{}");
        bad[8] = (byte) 0xff;
        assertThatThrownBy(() -> Manifest.parse(bad)).hasMessage("manifest: body is not valid UTF-8");
    }

    /** Replaces {@code from} by {@code to} in the JSON of a valid none-mode manifest and parses the result. */
    static Manifest edited(String from, String to) {
        String json = json(Manifest.encode(body(CryptMode.NONE), Manifest::sha256Tag));
        assertThat(json).contains(from);
        return Manifest.parse(manifestFile(json.replace(from, to)));
    }

    static Manifest editedEncrypt(String from, String to) {
        String json = json(Manifest.encode(body(CryptMode.ENCRYPT), HMAC));
        assertThat(json).contains(from);
        return Manifest.parse(manifestFile(json.replace(from, to)));
    }

    static void refused(String from, String to, String message) {
        assertThatThrownBy(() -> edited(from, to)).as("%s -> %s", from, to).isInstanceOf(CorruptDataException.class)
                .hasMessage(message);
    }

    @Test
    void indexFileNamesCannotEscapeTheSnapshot() {
        refused("docs.cfar.meta.cidx", "../x.cidx", "manifest: file '../x.cidx' is not valid");
        refused("docs.cfar.meta.cidx", "../x", "manifest: file '../x' is not valid");
        refused("docs.cfar.meta.cidx", "a/b.cidx", "manifest: file 'a/b.cidx' is not valid");
        refused("docs.cfar.meta.cidx", ".hidden.cidx", "manifest: file '.hidden.cidx' is not valid");
        refused("docs.cfar.meta.cidx", "manifest.cfm", "manifest: file 'manifest.cfm' is not valid");
        refused("docs.cfar.meta.cidx", "docs.cfar.payload.cidx", "manifest: index file docs.cfar.payload.cidx appears twice");
        refused("\"name\":\"docs.cfar\"", "\"name\":\"../docs.cfar\"", "manifest: name '../docs.cfar' is not valid");
        refused("\"name\":\"docs.cfar\"", "\"name\":\"docs.tar\"", "manifest: name 'docs.tar' is not valid");
        assertThat(edited("docs.cfar.meta.cidx", "a..b+c.cidx").archive("docs.cfar").index("meta").file())
                .isEqualTo("a..b+c.cidx");
    }

    @Test
    void fieldChecks() {
        refused("\"version\":1", "\"version\":2", "manifest: unsupported version 2");
        refused("\"version\":1", "\"version\":1.0", "manifest: version missing or not an integer");
        refused("\"version\":1,", "", "manifest: version missing or not an integer");
        refused("\"host\"", "\"desktop\"", "manifest: backup-type 'desktop' is not host, vm or ct");
        refused("\"web1\"", "\"..\"", "manifest: backup-id '..' is not valid");
        refused("\"web1\"", "\"a\\nb\"", "manifest: backup-id 'a?b' is not valid");
        refused("\"web1\"", "1", "manifest: backup-id missing or not a string");
        refused("10:15:00Z", "10:15:00.5Z", "manifest: backup-time '2026-11-23T10:15:00.5Z' is not an RFC 3339 UTC "
                + "time with second precision");
        refused("10:15:00Z", "10:15:00+01:00", "manifest: backup-time '2026-11-23T10:15:00+01:00' is not an RFC 3339 "
                + "UTC time with second precision");
        refused("2026-11-23", "2026-13-23", "manifest: backup-time '2026-13-23T10:15:00Z' is not an RFC 3339 UTC time "
                + "with second precision");
        refused("\"none\"", "\"NONE\"", "manifest: unknown crypt-mode 'NONE'");
        refused("\"crypt-mode\":\"none\"", "\"crypt-mode\":\"none\",\"key-fingerprint\":\"" + Samples.FINGERPRINT + "\"",
                "manifest: key-fingerprint in a manifest of crypt-mode none");
        refused("\"crypt-mode\":\"none\"", "\"crypt-mode\":\"sign-only\"", "manifest: key-fingerprint missing or not a string");
        String fp = Samples.FINGERPRINT.toString();
        assertThatThrownBy(() -> editedEncrypt(fp, fp.toUpperCase())).hasMessageStartingWith("manifest: key-fingerprint '");
        assertThatThrownBy(() -> editedEncrypt(fp, fp.substring(3))).hasMessageEndingWith("is not valid");
        assertThat(editedEncrypt("\"keyed\":true", "\"keyed\":false").body().chunkerKeyed()).isFalse();
        refused("\"type\":\"dir\"", "\"type\":\"image\"", "manifest: archive docs.cfar has type 'image', not dir");
        refused("\"role\":\"meta\"", "\"role\":\"payload\"", "manifest: archive docs.cfar has an unexpected index role 'payload'");
        refused("\"role\":\"image\"", "\"role\":\"meta\"", "manifest: archive disk.img has an unexpected index role 'meta'");
        refused("\"size\":5120", "\"size\":-1", "manifest: size of docs.cfar.meta.cidx missing or not a non-negative integer");
        refused("\"size\":5120", "\"size\":5e3", "manifest: size of docs.cfar.meta.cidx missing or not a non-negative integer");
        refused("\"size\":5120", "\"size\":\"5120\"", "manifest: size of docs.cfar.meta.cidx missing or not a non-negative integer");
        refused("\"size\":5120", "\"size\":9223372036854775808", "manifest: size of docs.cfar.meta.cidx missing or not a "
                + "non-negative integer");
        refused("\"ab", "\"AB", "manifest: sha256 'ABababababababababababababababababababababababababababababababab' is not valid");
        refused("\"average\":4194304", "\"average\":4194303", "manifest: chunker average 4194303 is not a power of two "
                + "from 1 KiB to 16 MiB");
        refused("\"average\":4194304", "\"average\":33554432", "manifest: chunker average 33554432 is not a power of two "
                + "from 1 KiB to 16 MiB");
        refused("\"keyed\":false", "\"keyed\":0", "manifest: chunker keyed missing or not true/false");
        refused("\"chunks\":3", "\"chunks\":-3", "manifest: stats 'chunks' missing or not a non-negative integer");
        refused("\"created-by\":\"coffer 0.1.0\"", "\"created-by\":\"\\u001b[31m\"", "manifest: created-by is longer than "
                + "256 characters or holds control characters");
        refused("\"archives\":[", "\"archives\":[{\"name\":\"docs.cfar\",\"type\":\"dir\",\"indexes\":[]},",
                "manifest: archive docs.cfar needs exactly the indexes meta and payload");
        refused("{\"name\":\"disk.img\"", "{\"name\":\"docs.cfar\"", "manifest: archive docs.cfar appears twice");
    }

    @Test
    void jsonShape() {
        assertThatThrownBy(() -> Manifest.parse(manifestFile("[]"))).hasMessage("manifest: body is not a JSON object");
        assertThatThrownBy(() -> Manifest.parse(manifestFile(""))).hasMessage("manifest: body is not a JSON object");
        assertThatThrownBy(() -> Manifest.parse(manifestFile("{\"version\":1} x")))
                .hasMessageStartingWith("manifest: body is not valid JSON (");
        assertThatThrownBy(() -> Manifest.parse(manifestFile("{\"version\":1,\"version\":1}")))
                .hasMessageStartingWith("manifest: body is not valid JSON (Duplicate field 'version'");
        assertThatThrownBy(() -> Manifest.parse(manifestFile("[".repeat(10_000))))
                .hasMessageStartingWith("manifest: body is not valid JSON (");
        assertThatThrownBy(() -> Manifest.parse(manifestFile("{\"version\":1" + "0".repeat(200) + "}")))
                .hasMessageStartingWith("manifest: body is not valid JSON (");
        assertThatThrownBy(() -> Manifest.parse(manifestFile("{\"a\":\"\n")))
                .isInstanceOf(CorruptDataException.class).message().doesNotContain("\n");
        // unknown members are ignored
        assertThatCode(() -> edited("\"version\":1,", "\"version\":1,\"future\":{\"x\":[1,2]},")).doesNotThrowAnyException();
    }

    @Test
    void encodeRefusesWhatReadersRefuse() {
        ManifestBody ok = body(CryptMode.NONE);
        assertThatThrownBy(() -> Manifest.encode(withArchives(ok, List.of(new ArchiveRef("x.cfar", "dir",
                List.of(new IndexRef("meta", "../x.cidx", 1, "00".repeat(32)),
                        new IndexRef("payload", "p.cidx", 1, "00".repeat(32)))))), Manifest::sha256Tag))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'../x.cidx' is not valid");
        assertThatThrownBy(() -> Manifest.encode(new ManifestBody(1, "host", "a", Instant.parse("2026-01-01T00:00:00.5Z"),
                CryptMode.NONE, null, List.of(), 1 << 22, false, Map.of(), "c"), Manifest::sha256Tag))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backup-time");
        assertThatThrownBy(() -> Manifest.encode(new ManifestBody(1, "host", "a", Instant.parse("2026-01-01T00:00:00Z"),
                CryptMode.ENCRYPT, null, List.of(), 1 << 22, false, Map.of(), "c"), HMAC))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Manifest.encode(new ManifestBody(2, "host", "a", Instant.parse("2026-01-01T00:00:00Z"),
                CryptMode.NONE, null, List.of(), 1 << 22, false, Map.of(), "c"), Manifest::sha256Tag))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unsupported version 2");
        assertThatThrownBy(() -> Manifest.encode(ok, b -> new byte[31])).isInstanceOf(IllegalArgumentException.class);
        // an empty snapshot is valid
        ManifestBody empty = new ManifestBody(1, "ct", "a", Instant.EPOCH, CryptMode.NONE, null, List.of(), 1024, false,
                Map.of(), "");
        assertThat(Manifest.parse(Manifest.encode(empty, Manifest::sha256Tag)).body()).isEqualTo(empty);
    }

    static ManifestBody withArchives(ManifestBody b, List<ArchiveRef> archives) {
        return new ManifestBody(b.version(), b.backupType(), b.backupId(), b.backupTime(), b.cryptMode(),
                b.keyFingerprint(), archives, b.chunkerAverage(), b.chunkerKeyed(), b.stats(), b.createdBy());
    }

    @Test
    void missingArchiveIsNamed() {
        Manifest m = Manifest.parse(Manifest.encode(body(CryptMode.NONE), Manifest::sha256Tag));
        assertThatThrownBy(() -> m.archive("x.cfar")).isExactlyInstanceOf(CofferException.class)
                .hasMessage("archive 'x.cfar' not in snapshot; it has: docs.cfar, disk.img");
        Manifest none = Manifest.parse(Manifest.encode(withArchives(body(CryptMode.NONE), List.of()), Manifest::sha256Tag));
        assertThatThrownBy(() -> none.archive("x.cfar")).hasMessage("archive 'x.cfar' not in snapshot; it has: none");
    }
}
