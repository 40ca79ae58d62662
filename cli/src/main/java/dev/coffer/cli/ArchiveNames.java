package dev.coffer.cli;

import dev.coffer.client.snapshot.OpenSnapshot;
import dev.coffer.core.format.ArchiveRef;

/** Lets users write an archive's name with or without its .cfar/.img suffix. */
final class ArchiveNames {
    private ArchiveNames() {
    }

    static String resolve(OpenSnapshot snap, String name) {
        for (ArchiveRef a : snap.body().archives()) {
            if (a.name().equals(name) || a.name().equals(name + ".cfar") || a.name().equals(name + ".img")) {
                return a.name();
            }
        }
        return snap.archive(name).name(); // throws, naming the archives there are
    }
}
