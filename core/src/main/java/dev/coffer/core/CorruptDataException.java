package dev.coffer.core;

/** Stored bytes failed a parse, checksum or authentication check: corrupt, truncated or tampered data. */
public class CorruptDataException extends CofferException {
    public CorruptDataException(String message) {
        super(message);
    }

    public CorruptDataException(String message, Throwable cause) {
        super(message, null, cause);
    }
}
