package dev.coffer.core.format;

/** One index of an archive as the manifest records it. */
public record IndexRef(String role, String file, long size, String sha256) {
}
