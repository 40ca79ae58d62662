package dev.coffer.client.snapshot;

import dev.coffer.core.crypto.KeySet;

/**
 * Supplies the key only when it is needed, so that an unencrypted snapshot or a missing repository never
 * prompts for a passphrase.
 */
@FunctionalInterface
public interface KeyProvider {
    /** @throws dev.coffer.core.CofferException when no key can be had (missing file, wrong passphrase) */
    KeySet keys();

    KeyProvider NONE = () -> {
        throw new dev.coffer.core.keys.MissingKeyException("no key file given");
    };
}
