package dev.coffer.server.tls;

import dev.coffer.core.CofferException;
import dev.coffer.store.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The server's TLS identity: {@code tls/server.p12} (PKCS#12, alias {@code coffer}) with its store password in
 * {@code tls/server.pass}, both 0600. {@link #ensure} makes a self-signed ECDSA P-256 certificate with the JDK's
 * keytool when there is none; an administrator may put their own PKCS#12 file there instead. Clients pin the
 * SHA-256 fingerprint of the leaf certificate.
 */
public final class ServerCertificate {
    public static final String STORE = "server.p12";
    public static final String PASS = "server.pass";
    public static final String ALIAS = "coffer";

    private final Path store;
    private final char[] password;
    private final KeyStore keyStore;
    private final X509Certificate leaf;

    private ServerCertificate(Path store, char[] password, KeyStore ks, X509Certificate leaf) {
        this.store = store;
        this.password = password;
        this.keyStore = ks;
        this.leaf = leaf;
    }

    /** Loads the certificate, generating a self-signed one first when the directory has none. */
    public static ServerCertificate ensure(Path tlsDir, String hostName) {
        Path store = tlsDir.resolve(STORE);
        if (!Files.exists(store)) {
            generate(tlsDir, hostName);
        }
        return load(tlsDir);
    }

    public static ServerCertificate load(Path tlsDir) {
        Path store = tlsDir.resolve(STORE);
        try {
            char[] pw = Files.readString(tlsDir.resolve(PASS), StandardCharsets.UTF_8).strip().toCharArray();
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                ks.load(in, pw);
            }
            String alias = ks.containsAlias(ALIAS) ? ALIAS : firstKeyAlias(ks);
            Certificate c = alias == null ? null : ks.getCertificate(alias);
            if (!(c instanceof X509Certificate x)) {
                throw new CofferException("TLS key store " + store + " holds no X.509 key entry",
                        "remove " + store + " and " + tlsDir.resolve(PASS) + " to generate a new certificate");
            }
            return new ServerCertificate(store, pw, ks, x);
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new CofferException("cannot read the TLS certificate " + store + ": " + e.getMessage(),
                    "check " + tlsDir.resolve(PASS) + ", or remove both files to generate a new certificate");
        }
    }

    private static String firstKeyAlias(KeyStore ks) throws java.security.KeyStoreException {
        for (var e = ks.aliases(); e.hasMoreElements(); ) {
            String a = e.nextElement();
            if (ks.isKeyEntry(a)) {
                return a;
            }
        }
        return null;
    }

    private static void generate(Path tlsDir, String hostName) {
        try {
            Files.createDirectories(tlsDir);
            Files.setPosixFilePermissions(tlsDir, PosixFilePermissions.fromString("rwx------"));
            byte[] raw = new byte[24];
            new SecureRandom().nextBytes(raw);
            String pw = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
            AtomicFiles.write(tlsDir.resolve(PASS), (pw + "\n").getBytes(StandardCharsets.UTF_8),
                    PosixFilePermissions.fromString("rw-------"));
            Path tmp = tlsDir.resolve(".tmp-" + STORE);
            Files.deleteIfExists(tmp);
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            String san = "dns:localhost,ip:127.0.0.1,ip:::1" + (hostName == null || hostName.isBlank() || hostName.equals("localhost")
                    ? "" : ",dns:" + hostName.replaceAll("[^A-Za-z0-9.-]", ""));
            List<String> cmd = new ArrayList<>(List.of(keytool, "-genkeypair", "-alias", ALIAS, "-keyalg", "EC",
                    "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA", "-validity", "3650",
                    "-dname", "CN=" + (hostName == null || hostName.isBlank() ? "coffer" : hostName.replaceAll("[^A-Za-z0-9.-]", "")),
                    "-ext", "SAN=" + san, "-keystore", tmp.toString(), "-storetype", "PKCS12",
                    "-storepass:env", "COFFER_KEYSTORE_PASS"));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("COFFER_KEYSTORE_PASS", pw);
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new CofferException("generating the TLS certificate failed: " + out.strip());
            }
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            Files.move(tmp, tlsDir.resolve(STORE), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CofferException("cannot create the TLS certificate in " + tlsDir + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CofferException("interrupted while generating the TLS certificate");
        }
    }

    public Path storePath() {
        return store;
    }

    public char[] storePassword() {
        return password.clone();
    }

    public KeyStore keyStore() {
        return keyStore;
    }

    public X509Certificate certificate() {
        return leaf;
    }

    /** SHA-256 of the DER certificate, as colon-separated lower-case hex pairs. */
    public String fingerprint() {
        return fingerprint(leaf);
    }

    public static String fingerprint(X509Certificate cert) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
            return HexFormat.ofDelimiter(":").formatHex(d);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
