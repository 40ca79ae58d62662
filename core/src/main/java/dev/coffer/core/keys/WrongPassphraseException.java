package dev.coffer.core.keys;

import dev.coffer.core.CofferException;

/** The passphrase does not open the key file. */
public final class WrongPassphraseException extends CofferException {
    public WrongPassphraseException(String message) {
        super(message, "check COFFER_KEY_PASSPHRASE, --passphrase-file or --passphrase-command");
    }
}
