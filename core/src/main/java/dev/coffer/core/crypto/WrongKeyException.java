package dev.coffer.core.crypto;

import dev.coffer.core.CofferException;

/** Data was made with another key than the one at hand. Names both fingerprints, never key material. */
public final class WrongKeyException extends CofferException {
    private final KeyFingerprint expected;
    private final KeyFingerprint actual;

    public WrongKeyException(String what, KeyFingerprint expected, KeyFingerprint actual) {
        super(what + " was made with key " + expected + ", this key is " + actual,
                "use the key file with fingerprint " + expected.shortForm() + " (--keyfile or COFFER_KEYFILE)");
        this.expected = expected;
        this.actual = actual;
    }

    public KeyFingerprint expected() {
        return expected;
    }

    public KeyFingerprint actual() {
        return actual;
    }
}
