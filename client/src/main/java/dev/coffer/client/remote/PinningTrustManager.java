package dev.coffer.client.remote;

import java.net.Socket;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts exactly one server certificate, named by its SHA-256 fingerprint: no CA and no host name are
 * consulted, and any other certificate fails the handshake, before a request (and its credentials) is sent.
 * With no expected fingerprint it trusts nothing and only records what it was shown.
 */
final class PinningTrustManager extends X509ExtendedTrustManager {
    private final String expected;
    private volatile String seen;

    PinningTrustManager(String expected) {
        this.expected = expected;
    }

    String seen() {
        return seen;
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the server sent no certificate");
        }
        String fp;
        try {
            fp = HexFormat.ofDelimiter(":").formatHex(MessageDigest.getInstance("SHA-256").digest(chain[0].getEncoded()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new CertificateException(e);
        }
        seen = fp;
        if (expected == null || !MessageDigest.isEqual(fp.getBytes(), expected.getBytes())) {
            throw new CertificateException("certificate fingerprint is not the expected one");
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("not a server");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
