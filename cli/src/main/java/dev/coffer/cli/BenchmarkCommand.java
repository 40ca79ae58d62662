package dev.coffer.cli;

import com.github.luben.zstd.Zstd;
import dev.coffer.core.chunking.CdcChunker;
import dev.coffer.core.crypto.BlobCodec;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.crypto.DataKey;
import dev.coffer.core.crypto.Digests;
import dev.coffer.core.crypto.KeySet;
import dev.coffer.core.crypto.Providers;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Throughput of the kernels a backup runs, one core each, in this fresh process: the first pass (what a
 * short backup sees) and the steady state after it, beside a published reference machine's figures.
 */
@Command(name = "benchmark", mixinStandardHelpOptions = true,
        description = "Measure SHA-256, HMAC-SHA256, the chunker, zstd-1, AES-256-GCM and chunk verification on "
                + "this machine, in MB/s, on one core, first pass and steady state.")
final class BenchmarkCommand implements Callable<Integer> {
    /** Reference figures (MB/s) of a Ryzen 7 2700X as published for a comparable tool; 0 where none is published. */
    private static final Map<String, Double> REFERENCE = Map.ofEntries(Map.entry("sha256", 2022.0),
            Map.entry("zstd-compress", 752.0), Map.entry("zstd-decompress", 1198.0), Map.entry("aes-256-gcm-encrypt", 3645.0),
            Map.entry("aes-256-gcm-decrypt", 3645.0), Map.entry("chunk-verify", 758.0), Map.entry("tls-upload", 1235.0));

    @Spec
    CommandSpec spec;

    @Option(names = "--seconds", defaultValue = "1", description = "Measuring time per kernel after the first pass")
    double seconds;

    @Option(names = "--output-format", paramLabel = "FORMAT", defaultValue = "text", description = "text or json")
    Output.Format format;

    @picocli.CommandLine.Mixin
    RepoOptions repo;

    private record Row(String name, double firstMbps, double steadyMbps) {
    }

    @Override
    public Integer call() {
        int size = 4 << 20;
        byte[] data = new byte[size];
        Random r = new Random(1);
        // half text-like (compressible), half random: what a mixed backup looks like to zstd
        for (int i = 0; i < size / 2; i++) {
            data[i] = (byte) ("abcdefghij klmnop\n".charAt(r.nextInt(18)));
        }
        byte[] rnd = new byte[size / 2];
        r.nextBytes(rnd);
        System.arraycopy(rnd, 0, data, size / 2, size / 2);
        KeySet keys = KeySet.derive(DataKey.generate());
        BlobCodec enc = new BlobCodec(CryptMode.ENCRYPT, keys);
        BlobCodec plain = new BlobCodec(CryptMode.NONE, null);
        CdcChunker cdc = new CdcChunker(keys.gearTable(), 1 << 20);
        byte[] compressed = Zstd.compress(data, 1);
        BlobCodec.Encoded encoded = enc.encodeChunk(data, 0, size);
        BlobCodec.Encoded plainBlob = plain.encodeChunk(data, 0, size);
        // every kernel writes into arrays made once, as backups and restores do with their pooled arrays: the
        // figures are the kernels', not the garbage collector's
        byte[] zstdOut = new byte[(int) Zstd.compressBound(size)];
        byte[] plainOut = new byte[size];
        byte[] gcm = new byte[12 + size + 16];
        int gcmLen = aes(data, size, gcm, true);
        byte[] gcmOut = new byte[size + 16];
        byte[] blobOut = new byte[BlobCodec.maxBlobLength(size)];
        byte[] blobWork = new byte[encoded.blob().length];
        dev.coffer.core.util.BufferPool pool = new dev.coffer.core.util.BufferPool(16 << 20);
        List<Row> rows = new ArrayList<>();
        rows.add(measure("sha256", size, i -> Digests.sha256Id(data, 0, size)));
        rows.add(measure("hmac-sha256", size, i -> keys.chunkId(data, 0, size)));
        rows.add(measure("chunker", size, i -> {
            for (int off = 0; off < size;) {
                off += cdc.findCut(data, off, size - off, true);
            }
        }));
        // one context per thread, reused, as the blob codec keeps them
        com.github.luben.zstd.ZstdCompressCtx zc = new com.github.luben.zstd.ZstdCompressCtx().setLevel(1);
        com.github.luben.zstd.ZstdDecompressCtx zd = new com.github.luben.zstd.ZstdDecompressCtx();
        rows.add(measure("zstd-compress", size, i -> zc.compressByteArray(zstdOut, 0, zstdOut.length, data, 0, size)));
        rows.add(measure("zstd-decompress", size, i -> zd.decompressByteArray(plainOut, 0, size, compressed, 0,
                compressed.length)));
        rows.add(measure("aes-256-gcm-encrypt", size, i -> aes(data, size, gcm, true)));
        rows.add(measure("aes-256-gcm-decrypt", size, i -> aes(gcm, gcmLen, gcmOut, false)));
        rows.add(measure("chunk-encode", size, i -> enc.encodeChunkInto(enc.idOf(data, 0, size), data, 0, size, blobOut)));
        rows.add(measure("chunk-decode", size, i -> {
            // restore decodes a blob in the array it was read into; the copy stands for that read
            System.arraycopy(encoded.blob(), 0, blobWork, 0, blobWork.length);
            pool.give(enc.decodeChunkInto(encoded.id(), blobWork, pool).data());
        }));
        ChunkId pid = plainBlob.id();
        rows.add(measure("chunk-verify", size, i -> plain.decodeChunk(pid, plainBlob.blob())));
        if (repo.repository != null || Env.get(Env.REPOSITORY) != null) {
            if (repo.isRemote()) {
                try (dev.coffer.client.repo.Repository remote = repo.open()) {
                    var client = ((dev.coffer.client.remote.RemoteRepository) remote).client();
                    // encrypted chunks look random on the wire; upload them as a backup does
                    rows.add(measure("tls-upload", rnd.length * 2, i -> client.send("POST", "benchmark/upload",
                            "application/octet-stream", encoded.blob())));
                }
            }
        }
        print(rows);
        return Main.OK;
    }

    /**
     * AES-256-GCM alone, with the blob codec's provider and key size: encrypts {@code in[0..len)} into
     * {@code out} as nonce, ciphertext and tag (a fresh random nonce each call), or decrypts such a
     * {@code in[0..len)} into {@code out}; returns the bytes written.
     */
    private static int aes(byte[] in, int len, byte[] out, boolean encrypt) {
        try {
            javax.crypto.Cipher c = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
            javax.crypto.spec.SecretKeySpec k = new javax.crypto.spec.SecretKeySpec(BenchKey.KEY, "AES");
            if (encrypt) {
                byte[] nonce = new byte[12];
                BenchKey.RANDOM.nextBytes(nonce);
                c.init(javax.crypto.Cipher.ENCRYPT_MODE, k, new javax.crypto.spec.GCMParameterSpec(128, nonce));
                System.arraycopy(nonce, 0, out, 0, 12);
                return 12 + c.doFinal(in, 0, len, out, 12);
            }
            c.init(javax.crypto.Cipher.DECRYPT_MODE, k, new javax.crypto.spec.GCMParameterSpec(128, in, 0, 12));
            return c.doFinal(in, 12, len - 12, out, 0);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A throwaway key for the AES figures only, made on first use (picocli instantiates every command at start-up). */
    private static final class BenchKey {
        static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
        static final byte[] KEY = RANDOM.generateSeed(32);
    }

    private Row measure(String name, int bytes, IntConsumer op) {
        long t0 = System.nanoTime();
        op.accept(0);
        long first = System.nanoTime() - t0;
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long n = 0;
        long start = System.nanoTime();
        while (System.nanoTime() < deadline || n == 0) {
            op.accept(1);
            n++;
        }
        long steady = System.nanoTime() - start;
        return new Row(name, bytes / 1e6 / (first / 1e9), n * bytes / 1e6 / (steady / 1e9));
    }

    private void print(List<Row> rows) {
        PrintWriter out = spec.commandLine().getOut();
        if (format == Output.Format.json) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (Row r : rows) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("kernel", r.name());
                m.put("first-mbps", Math.round(r.firstMbps()));
                m.put("steady-mbps", Math.round(r.steadyMbps()));
                Double ref = REFERENCE.get(r.name());
                m.put("reference-mbps", ref);
                list.add(m);
            }
            Output.json(out, Output.ordered("aead-provider", Providers.aeadProviderName(), "cores-used", 1, "kernels", list));
            return;
        }
        out.println("AEAD provider: " + Providers.aeadProviderName() + "; one core; 4 MiB buffers (half text, half random)");
        List<List<String>> table = new ArrayList<>();
        for (Row r : rows) {
            Double ref = REFERENCE.get(r.name());
            table.add(List.of(r.name(), String.format(Locale.ROOT, "%.0f", r.firstMbps()),
                    String.format(Locale.ROOT, "%.0f", r.steadyMbps()),
                    ref == null ? "-" : String.format(Locale.ROOT, "%.0f (%.0f%%)", ref, 100 * r.steadyMbps() / ref)));
        }
        Output.table(out, List.of("KERNEL", "FIRST MB/s", "STEADY MB/s", "REFERENCE MB/s (steady %)"), table);
        out.println("first = the very first 4 MiB in this process (what a short run sees); steady = after that.");
        if (rows.stream().anyMatch(r -> r.name().equals("tls-upload"))) {
            out.println("tls-upload = one 4 MiB encrypted chunk per request to " + repo.location()
                    + " over HTTPS (the server reads and discards it); first includes the TLS handshake.");
        }
    }
}
