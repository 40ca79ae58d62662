package dev.coffer.server.api;

/** A request that cannot be served: becomes an HTTP status with a JSON error body. */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String code;

    public ApiException(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, "bad-request", message);
    }

    static ApiException forbidden(String message) {
        return new ApiException(403, "forbidden", message);
    }

    static ApiException notFound(String message) {
        return new ApiException(404, "not-found", message);
    }

    static ApiException conflict(String message) {
        return new ApiException(409, "conflict", message);
    }
}
