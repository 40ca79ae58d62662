package dev.coffer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.format.Index;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of damage to stored data is detected with its own error and exit code 1; nothing wrong is restored. */
class TamperTest {
    @TempDir
    Path tmp;
    Path ds;
    Path key;
    Path src;
    Path snapshotDir;

    @BeforeEach
    void backup() throws Exception {
        ds = tmp.resolve("ds");
        key = tmp.resolve("key.json");
        src = tmp.resolve("src");
        Trees.write(src.resolve("a-big.bin"), Trees.random(5, 1 << 20));
        Trees.write(src.resolve("m-large.bin"), Trees.random(6, 5 << 20)); // larger than a writer batch
        Trees.write(src.resolve("z.txt"), "zzz".getBytes(StandardCharsets.UTF_8));
        assertThat(Cli.run("key", "create", "--kdf", "none", "--keyfile", key.toString()).code()).isZero();
        Cli.Result r = Cli.run("backup", "t.cfar:" + src, "--chunk-size", "64K", "--backup-id", "h",
                "--repository", ds.toString(), "--keyfile", key.toString(), "--quiet");
        assertThat(r.code()).as(r.toString()).isZero();
        try (var s = Files.list(ds.resolve("host/h"))) {
            snapshotDir = s.filter(p -> !p.getFileName().toString().startsWith(".")).findFirst().orElseThrow();
        }
    }

    private Index index(String role) throws Exception {
        return Index.parse(Files.readAllBytes(snapshotDir.resolve("t.cfar." + role + ".cidx")));
    }

    private Path chunkFile(ChunkId id) {
        return ds.resolve(".chunks").resolve(id.hex().substring(0, 4)).resolve(id.hex());
    }

    private Cli.Result restore(Path target) {
        return Cli.run("restore", "latest", "t.cfar", target.toString(), "--repository", ds.toString(), "--keyfile",
                key.toString());
    }

    private static void flip(Path file, int offset) throws Exception {
        byte[] b = Files.readAllBytes(file);
        int at = offset < 0 ? b.length + offset : offset;
        b[at] ^= 0x01;
        Files.write(file, b);
    }

    /** Rewrites the blob's CRC32C so that only the cryptographic checks can catch the change. */
    private static void fixCrc(Path blob) throws Exception {
        byte[] b = Files.readAllBytes(blob);
        CRC32C crc = new CRC32C();
        crc.update(b, 12, b.length - 12);
        int v = (int) crc.getValue();
        b[8] = (byte) v;
        b[9] = (byte) (v >>> 8);
        b[10] = (byte) (v >>> 16);
        b[11] = (byte) (v >>> 24);
        Files.write(blob, b);
    }

    private static void assertFailed(Cli.Result r, String... fragments) {
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString()).contains("coffer: error: ").doesNotContain("\tat ").doesNotContain("Exception");
        for (String f : fragments) {
            assertThat(r.err()).as(r.toString()).contains(f);
        }
    }

    @Test
    void untouchedRestoreWorks() throws Exception {
        Cli.Result r = restore(tmp.resolve("ok"));
        assertThat(r.code()).as(r.toString()).isZero();
        Trees.assertSameTree(src, tmp.resolve("ok"));
    }

    @Test
    void flippedByteInADataChunkNamesArchiveAndFileAndLeavesNoWrongFile() throws Exception {
        ChunkId first = index("payload").id(0);
        flip(chunkFile(first), 40);
        Path out = tmp.resolve("out");
        assertFailed(restore(out), "archive t.cfar, file a-big.bin", "chunk " + first.hex(), "CRC32C mismatch");
        assertThat(out.resolve("a-big.bin")).doesNotExist();
    }

    @Test
    void aDamagedChunkInTheMiddleOfALargeFileLeavesNoPartOfIt() throws Exception {
        // m-large.bin starts at payload offset 1 MiB; the chunk at 4 MiB comes after 3 MiB of it were handed
        // to the writer threads
        Index payload = index("payload");
        int i = 0;
        while (payload.end(i) <= 4L << 20) {
            i++;
        }
        assertThat(payload.start(i)).isGreaterThan(2L << 20);
        flip(chunkFile(payload.id(i)), 40);
        Path out = tmp.resolve("out");
        assertFailed(restore(out), "archive t.cfar, file m-large.bin", "chunk " + payload.id(i).hex());
        assertThat(out.resolve("m-large.bin")).doesNotExist();
        for (Path f : Trees.allFiles(out)) { // whatever was written before the error is whole
            assertThat(f).hasSameBinaryContentAs(src.resolve(out.relativize(f)));
        }
    }

    @Test
    void flippedByteWithRepairedCrcFailsAuthentication() throws Exception {
        ChunkId first = index("payload").id(0);
        flip(chunkFile(first), 40);
        fixCrc(chunkFile(first));
        Path out = tmp.resolve("out");
        assertFailed(restore(out), "archive t.cfar, file a-big.bin", "authentication failed");
        assertThat(out.resolve("a-big.bin")).doesNotExist();
    }

    /**
     * Writes, in place of chunk {@code id}, a blob that a key holder made of {@code plaintext} and stored under
     * that id: valid CRC32C and GCM tag, so only the id or a file's checksum can catch it. Built from
     * design.md §1.1 and §2 alone (HKDF-SHA256 sub-key, AAD of magic text, kind, flags and id).
     */
    private void forge(ChunkId id, byte[] plaintext) throws Exception {
        byte[] k;
        try (dev.coffer.core.crypto.DataKey dk = dev.coffer.core.keys.KeyFile.read(key).unwrap(null)) {
            k = dk.exposeBytesDangerous();
        }
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(new byte[32], "HmacSHA256"));
        byte[] prk = mac.doFinal(k);
        mac.init(new javax.crypto.spec.SecretKeySpec(prk, "HmacSHA256"));
        mac.update("coffer/v1/aead".getBytes(StandardCharsets.US_ASCII));
        byte[] aeadKey = mac.doFinal(new byte[] {1});
        byte[] nonce = new byte[12];
        new java.security.SecureRandom().nextBytes(nonce);
        javax.crypto.Cipher c = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
        c.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(aeadKey, "AES"),
                new javax.crypto.spec.GCMParameterSpec(128, nonce));
        java.io.ByteArrayOutputStream aad = new java.io.ByteArrayOutputStream();
        aad.write("coffer-blob-v1".getBytes(StandardCharsets.US_ASCII));
        aad.write(1); // kind: data chunk
        aad.write(1); // flags: encrypted, not compressed
        aad.write(id.bytes());
        c.updateAAD(aad.toByteArray());
        byte[] body = c.doFinal(plaintext);
        byte[] blob = new byte[12 + 12 + body.length];
        blob[0] = 'C';
        blob[1] = 'F';
        blob[2] = 'B';
        blob[3] = 1;
        blob[4] = 1;
        blob[5] = 1;
        System.arraycopy(nonce, 0, blob, 12, 12);
        System.arraycopy(body, 0, blob, 24, body.length);
        Files.write(chunkFile(id), blob);
        fixCrc(chunkFile(id));
    }

    /** The plaintext of payload chunk i, with one byte changed. */
    private byte[] changedPlaintext(Index payload, int i) throws Exception {
        byte[] stream = Files.readAllBytes(src.resolve("a-big.bin"));
        byte[] large = Files.readAllBytes(src.resolve("m-large.bin"));
        byte[] all = java.util.Arrays.copyOf(stream, stream.length + large.length);
        System.arraycopy(large, 0, all, stream.length, large.length);
        byte[] p = java.util.Arrays.copyOfRange(all, (int) payload.start(i), (int) payload.end(i));
        p[p.length / 2] ^= 0x01;
        return p;
    }

    @Test
    void aForgedChunkThatPassesItsTagIsCaughtByTheFileChecksumInBothWritePaths() throws Exception {
        // a directory restore does not hash encrypted payload chunks again (design.md §10): a chunk whose
        // content a key holder got wrong must still never be restored, whether it is in a small file
        // (written from a batch) or in a large one (written in pieces)
        Index payload = index("payload");
        assertThat(payload.end(0)).isLessThanOrEqualTo(1 << 20); // chunk 0 lies in a-big.bin
        int inLarge = 0;
        while (payload.end(inLarge) <= 3L << 20) {
            inLarge++;
        }
        assertThat(payload.start(inLarge)).isGreaterThan(1L << 20); // and this one in m-large.bin
        for (int i : new int[] {0, inLarge}) {
            ChunkId id = payload.id(i);
            byte[] original = Files.readAllBytes(chunkFile(id));
            forge(id, changedPlaintext(payload, i));
            String file = i == 0 ? "a-big.bin" : "m-large.bin";
            Path out = tmp.resolve("out-" + i);
            assertFailed(restore(out), "archive t.cfar, file " + file
                    + ": restored content does not match the checksum recorded at backup");
            assertThat(out.resolve(file)).doesNotExist();
            for (Path f : Trees.allFiles(out)) {
                assertThat(f).hasSameBinaryContentAs(src.resolve(out.relativize(f)));
            }
            // a verify that decrypts still names the chunk itself
            Cli.Result v = Cli.run("verify", "--decrypt", "--repository", ds.toString(), "--keyfile", key.toString());
            assertThat(v.code()).as(v.toString()).isEqualTo(1);
            assertThat(v.out() + v.err()).contains(id.hex()).contains("content does not match its id");
            Files.write(chunkFile(id), original);
        }
        assertThat(restore(tmp.resolve("ok")).code()).isZero();
        Trees.assertSameTree(src, tmp.resolve("ok"));
    }

    @Test
    void aForgedChunkInAnImageIsCaughtByItsId() throws Exception {
        Path img = tmp.resolve("disk.raw");
        Files.write(img, Trees.random(11, 9 << 20)); // three fixed 4 MiB chunks, the last shorter
        Cli.Result b = Cli.run("backup", "disk.img:" + img, "--backup-id", "vm", "--repository", ds.toString(),
                "--keyfile", key.toString(), "--quiet");
        assertThat(b.code()).as(b.toString()).isZero();
        Path dir;
        try (var s = Files.list(ds.resolve("host/vm"))) {
            dir = s.filter(p -> !p.getFileName().toString().startsWith(".")).findFirst().orElseThrow();
        }
        Index image = Index.parse(Files.readAllBytes(dir.resolve("disk.img.cidx")));
        byte[] changed = java.util.Arrays.copyOfRange(Files.readAllBytes(img), (int) image.start(1), (int) image.end(1));
        changed[7] ^= 0x01;
        forge(image.id(1), changed);
        Path out = tmp.resolve("out.raw");
        Cli.Result r = Cli.run("restore", "host/vm", "disk.img", out.toString(), "--repository", ds.toString(), "--keyfile",
                key.toString());
        assertFailed(r, "chunk " + image.id(1).hex() + ": content does not match its id");
        assertThat(out).doesNotExist();
    }

    @Test
    void flippedByteInTheMetaStreamIsDetected() throws Exception {
        ChunkId meta = index("meta").id(0);
        flip(chunkFile(meta), -3);
        assertFailed(restore(tmp.resolve("out")), "archive t.cfar", "chunk " + meta.hex(), "CRC32C mismatch");
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void flippedByteInAnIndexIsDetected() throws Exception {
        flip(snapshotDir.resolve("t.cfar.payload.cidx"), 40);
        assertFailed(restore(tmp.resolve("out")), "t.cfar.payload.cidx", "index: checksum mismatch");
    }

    @Test
    void indexReplacedByAnotherValidIndexIsDetected() throws Exception {
        Files.copy(snapshotDir.resolve("t.cfar.meta.cidx"), snapshotDir.resolve("t.cfar.payload.cidx"),
                StandardCopyOption.REPLACE_EXISTING);
        assertFailed(restore(tmp.resolve("out")), "t.cfar.payload.cidx", "does not match the manifest");
    }

    @Test
    void flippedByteInTheManifestIsDetected() throws Exception {
        Path m = snapshotDir.resolve("manifest.cfm");
        byte[] b = Files.readAllBytes(m);
        String body = new String(b, StandardCharsets.ISO_8859_1);
        int at = body.indexOf("\"backup-id\"");
        flip(m, at + 2); // still valid JSON shape? no matter: either parse or authentication fails
        assertFailed(restore(tmp.resolve("out")), "manifest");
        // a change that keeps the JSON valid must fail authentication precisely
        Files.write(m, b);
        String changed = body.replace("\"new-chunks\":", "\"new-chunkz\":");
        Files.write(m, changed.getBytes(StandardCharsets.ISO_8859_1));
        assertFailed(restore(tmp.resolve("out2")), "manifest: authentication failed");
    }

    @Test
    void twoSwappedChunksFailAuthentication() throws Exception {
        Index payload = index("payload");
        assertThat(payload.chunkCount()).isGreaterThan(2);
        Path a = chunkFile(payload.id(0));
        Path b = chunkFile(payload.id(1));
        Path t = tmp.resolve("swap");
        Files.move(a, t);
        Files.move(b, a);
        Files.move(t, b);
        Path out = tmp.resolve("out");
        assertFailed(restore(out), "file a-big.bin", "authentication failed");
        assertThat(out.resolve("a-big.bin")).doesNotExist();
    }

    @Test
    void truncatedChunkIsDetected() throws Exception {
        Path c = chunkFile(index("payload").id(1));
        byte[] b = Files.readAllBytes(c);
        Files.write(c, java.util.Arrays.copyOf(b, b.length / 2));
        assertFailed(restore(tmp.resolve("out")), "file a-big.bin", "CRC32C mismatch");
    }

    @Test
    void missingChunkIsNamed() throws Exception {
        ChunkId id = index("payload").id(2);
        Files.delete(chunkFile(id));
        assertFailed(restore(tmp.resolve("out")), "file a-big.bin", "chunk " + id.hex() + " is missing");
    }

    @Test
    void chunkPresentedAsManifestIsRejected() throws Exception {
        Files.copy(chunkFile(index("payload").id(0)), snapshotDir.resolve("manifest.cfm"),
                StandardCopyOption.REPLACE_EXISTING);
        assertFailed(restore(tmp.resolve("out")), "manifest: bad magic");
    }

    @Test
    void wrongKeyNamesBothFingerprints() throws Exception {
        Path other = tmp.resolve("other.json");
        assertThat(Cli.run("key", "create", "--kdf", "none", "--keyfile", other.toString()).code()).isZero();
        String mine = fingerprint(key);
        String theirs = fingerprint(other);
        Cli.Result r = Cli.run("restore", "latest", "t.cfar", tmp.resolve("out").toString(), "--repository",
                ds.toString(), "--keyfile", other.toString());
        assertFailed(r, "was made with key " + mine + ", this key is " + theirs);
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void missingKeyFileIsNamed() {
        Path none = tmp.resolve("absent.json");
        Cli.Result r = Cli.run("restore", "latest", "t.cfar", tmp.resolve("out").toString(), "--repository",
                ds.toString(), "--keyfile", none.toString());
        assertFailed(r, "no key file at " + none);
    }

    @Test
    void missingRepositoryIsNamedNotAWrongPassword() {
        Path nowhere = tmp.resolve("nowhere");
        Cli.Result r = Cli.run("restore", "latest", "t.cfar", tmp.resolve("out").toString(), "--repository",
                nowhere.toString(), "--keyfile", key.toString());
        assertFailed(r, "no datastore at " + nowhere);
        assertThat(r.err()).doesNotContain("passphrase");
        Cli.Result s = Cli.run("snapshots", "--repository", nowhere.toString());
        assertFailed(s, "no datastore at " + nowhere);
    }

    @Test
    void usageErrorsExitTwo() {
        Cli.Result r = Cli.run("backup", "no-colon-here", "--repository", ds.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("NAME.cfar:DIRECTORY");
        assertThat(Cli.run("restore", "latest").code()).isEqualTo(2);
        assertThat(Cli.run("frobnicate").code()).isEqualTo(2);
        assertThat(Cli.run("backup", "x.cfar:" + src, "--crypt-mode", "rot13", "--repository", ds.toString()).code())
                .isEqualTo(2);
    }

    private static String fingerprint(Path keyFile) throws Exception {
        Cli.Result r = Cli.run("key", "show", "--output-format", "json", "--keyfile", keyFile.toString());
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out()).get("fingerprint").asText();
    }

    static List<Path> chunkFiles(Path ds) throws Exception {
        try (var s = Files.walk(ds.resolve(".chunks"))) {
            return s.filter(Files::isRegularFile).toList();
        }
    }
}
