package dev.coffer.core.keys;

import dev.coffer.core.CofferException;

/** No key file where one is needed. */
public final class MissingKeyException extends CofferException {
    public MissingKeyException(String message) {
        super(message, "give the key file with --keyfile or COFFER_KEYFILE, or create one with 'coffer key create'");
    }
}
