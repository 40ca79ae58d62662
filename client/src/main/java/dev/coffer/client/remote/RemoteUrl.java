package dev.coffer.client.remote;

import dev.coffer.core.CofferException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code https://[AUTHID@]HOST[:PORT]/DATASTORE}; the port defaults to 8007. */
public record RemoteUrl(String authId, String host, int port, String datastore) {
    public static final int DEFAULT_PORT = 8007;
    private static final Pattern URL = Pattern.compile(
            "https://(?:([^@/?#]+)@)?(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+)(?::(\\d{1,5}))?/([A-Za-z0-9_][A-Za-z0-9_.-]{0,63})/?");

    public static boolean isRemote(String location) {
        return location != null && (location.startsWith("https://") || location.startsWith("http://"));
    }

    public static RemoteUrl parse(String text) {
        if (text.startsWith("http://")) {
            throw new CofferException("refusing the unencrypted URL " + text, "use https:// (the server speaks only TLS)");
        }
        Matcher m = URL.matcher(text);
        if (!m.matches()) {
            throw new CofferException("invalid repository URL \"" + text + "\"",
                    "use https://[AUTHID@]HOST[:PORT]/DATASTORE, like https://alice!nightly@backup.example:8007/store1");
        }
        int port = m.group(3) == null ? DEFAULT_PORT : Integer.parseInt(m.group(3));
        if (port < 1 || port > 65535) {
            throw new CofferException("invalid port " + port + " in " + text);
        }
        return new RemoteUrl(m.group(1), m.group(2), port, m.group(4));
    }

    /** {@code host:port}, the key under which a fingerprint is remembered. */
    public String endpoint() {
        return host + ":" + port;
    }

    public RemoteUrl withAuthId(String id) {
        return new RemoteUrl(id, host, port, datastore);
    }

    @Override
    public String toString() {
        return "https://" + (authId == null ? "" : authId + "@") + endpoint() + "/" + datastore;
    }
}
