package dev.coffer.store;

import dev.coffer.core.CofferException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Turns I/O failures into one-line user messages. */
final class IoErrors {
    private IoErrors() {
    }

    /** The short reason of an I/O failure, e.g. "permission denied" or "No space left on device". */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** {@code what + ": " + reason}, e.g. "cannot write /srv/x: No space left on device". */
    static CofferException fail(String what, IOException e) {
        return new CofferException(what + ": " + reason(e), null, e);
    }
}
