package dev.coffer.store;

import dev.coffer.core.CofferException;

/** The path given as a datastore does not exist or is not a Coffer datastore. */
public class RepositoryNotFoundException extends CofferException {
    public RepositoryNotFoundException(String message, String hint) {
        super(message, hint);
    }
}
