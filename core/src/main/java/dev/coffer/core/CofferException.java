package dev.coffer.core;

/**
 * The one error type of Coffer. Its message is a single line meant for the user: what happened and,
 * where it helps, what to do ({@link #hint()}). It never carries key material.
 */
public class CofferException extends RuntimeException {
    private final String hint;

    public CofferException(String message) {
        this(message, null, null);
    }

    public CofferException(String message, String hint) {
        this(message, hint, null);
    }

    public CofferException(String message, String hint, Throwable cause) {
        super(message, cause);
        this.hint = hint;
    }

    /** A suggestion of what to do next, or null. */
    public String hint() {
        return hint;
    }
}
