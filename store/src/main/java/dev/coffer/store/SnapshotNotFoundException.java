package dev.coffer.store;

import dev.coffer.core.CofferException;

/** The named snapshot does not exist (or no longer exists) in the datastore. */
public class SnapshotNotFoundException extends CofferException {
    public SnapshotNotFoundException(SnapshotRef snapshot) {
        super("snapshot " + snapshot + " not found");
    }
}
