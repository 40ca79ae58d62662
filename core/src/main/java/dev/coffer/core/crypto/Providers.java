package dev.coffer.core.crypto;

import java.security.Provider;
import java.security.Security;

/**
 * Puts Amazon Corretto Crypto Provider first when it loads and passes its self-test: its AES-GCM and
 * HMAC run at full speed from the first call, where the JDK's need seconds of JIT warm-up. Without it the
 * JDK providers are used; the formats are identical.
 */
public final class Providers {
    private static volatile boolean installed;

    private Providers() {
    }

    public static void install() {
        if (installed) {
            return;
        }
        synchronized (Providers.class) {
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
                }
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                // not available on this platform: the JDK providers serve
            }
            installed = true;
        }
    }

    /** The provider that serves AES-GCM, for benchmark and diagnostic output. */
    public static String aeadProviderName() {
        install();
        try {
            return javax.crypto.Cipher.getInstance("AES/GCM/NoPadding").getProvider().getName();
        } catch (java.security.GeneralSecurityException e) {
            return "none";
        }
    }
}
