package dev.coffer.core.crypto;

import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.Security;
import javax.crypto.Cipher;

/**
 * Puts Amazon Corretto Crypto Provider (ACCP) first when it loads and passes its self-tests: its AES-GCM,
 * HMAC and SHA-256 run at full speed from the first call, where the JDK's need seconds of JIT warm-up.
 * Without it (another platform, a failed self-test) the JDK providers are used; the formats are identical.
 *
 * <p>Loading ACCP costs a few hundred milliseconds (native library and self-tests). Every crypto class
 * calls {@link #install()} when it is initialized, so callers need not; a command-line program can call
 * {@link #preload()} first thing so that the cost overlaps its other start-up work.
 */
public final class Providers {
    private static final Object LOCK = new Object();
    private static volatile boolean installed;
    private static volatile boolean fast;
    private static Thread preloader;

    private Providers() {
    }

    /** Installs the fast provider if it can be had. Idempotent and thread-safe; waits for a running preload. */
    public static void install() {
        if (installed) {
            return;
        }
        synchronized (LOCK) {
            if (installed) {
                return;
            }
            try {
                Class<?> c = Class.forName("com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider");
                Provider p = (Provider) c.getField("INSTANCE").get(null);
                Object err = c.getMethod("getLoadingError").invoke(p);
                if (err == null) {
                    c.getMethod("assertHealthy").invoke(p);
                    Security.insertProviderAt(p, 1);
                    fast = Security.getProvider(p.getName()) != null;
                }
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                // not available on this platform, or its self-test failed: the JDK providers serve
            }
            installed = true;
        }
    }

    /**
     * Starts {@link #install()}, the loading of the zstd native library and one use of each primitive
     * (on a throwaway key) on a background daemon thread, and returns at once. Idempotent; optional.
     */
    public static void preload() {
        synchronized (LOCK) {
            if (installed || preloader != null) {
                return;
            }
            preloader = Thread.ofPlatform().daemon().name("coffer-crypto-preload").start(() -> {
                install();
                try {
                    // load the zstd library and run each primitive once, on a throwaway key
                    byte[] sample = new byte[64 << 10];
                    KeySet throwaway = KeySet.derive(DataKey.generate());
                    BlobCodec codec = new BlobCodec(CryptMode.ENCRYPT, throwaway);
                    BlobCodec.Encoded e = codec.encodeChunk(sample, 0, sample.length);
                    codec.decodeChunk(e.id(), e.blob());
                    Digests.sha256(sample);
                } catch (RuntimeException | LinkageError e) {
                    // reported where the primitive is used
                }
            });
        }
    }

    /** Whether the fast provider is installed (after {@link #install()}). */
    public static boolean fastProviderInstalled() {
        install();
        return fast;
    }

    /** The provider that serves AES-GCM, for benchmark and diagnostic output. */
    public static String aeadProviderName() {
        install();
        try {
            return Cipher.getInstance("AES/GCM/NoPadding").getProvider().getName();
        } catch (GeneralSecurityException e) {
            return "none";
        }
    }
}
