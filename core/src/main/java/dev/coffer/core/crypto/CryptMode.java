package dev.coffer.core.crypto;

import dev.coffer.core.CofferException;

/** How a backup protects its data. The code is what stored formats carry. */
public enum CryptMode {
    /** Plaintext chunks (SHA-256 ids), manifest with a plain SHA-256 checksum. */
    NONE("none", 0),
    /** Plaintext chunks (SHA-256 ids), manifest authenticated with the key's manifest key. */
    SIGN_ONLY("sign-only", 1),
    /** AES-256-GCM chunks (HMAC-SHA256 ids), keyed chunker, authenticated manifest. */
    ENCRYPT("encrypt", 2);

    private final String cliName;
    private final int code;

    CryptMode(String cliName, int code) {
        this.cliName = cliName;
        this.code = code;
    }

    public String cliName() {
        return cliName;
    }

    public int code() {
        return code;
    }

    public boolean needsKey() {
        return this != NONE;
    }

    public static CryptMode fromCode(int code) {
        for (CryptMode m : values()) {
            if (m.code == code) {
                return m;
            }
        }
        throw new dev.coffer.core.CorruptDataException("unknown crypt mode code " + code);
    }

    public static CryptMode fromCliName(String name) {
        for (CryptMode m : values()) {
            if (m.cliName.equals(name)) {
                return m;
            }
        }
        throw new CofferException("unknown crypt mode '" + name + "'", "use encrypt, sign-only or none");
    }

    @Override
    public String toString() {
        return cliName;
    }
}
