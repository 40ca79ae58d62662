package dev.coffer.client.remote;

/** The retry constants of {@link ServerClient}, for tests in other packages. */
public final class ServerClientAccess {
    private ServerClientAccess() {
    }

    public static int busyTries() {
        return ServerClient.BUSY_TRIES;
    }

    public static int netTries() {
        return ServerClient.NET_TRIES;
    }

    public static long delay(String retryAfter, int attempt) {
        return ServerClient.retryDelayMs(retryAfter, attempt);
    }
}
