package dev.coffer.store;

import dev.coffer.core.CofferException;

/** The datastore lock is held in a conflicting mode: a backup blocks garbage collection and vice versa. */
public class DatastoreBusyException extends CofferException {
    public DatastoreBusyException(String message, String hint) {
        super(message, hint);
    }
}
