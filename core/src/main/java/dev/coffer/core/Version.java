package dev.coffer.core;

/** The release, as recorded in manifests. */
public final class Version {
    public static final String VERSION = "0.1.0";

    private Version() {
    }
}
