package dev.coffer.server.api;

import dev.coffer.server.config.ServerConfig;
import dev.coffer.store.Datastore;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The open datastores, one {@link Datastore} per configured name, reopened when its path changes. */
final class Datastores implements AutoCloseable {
    private record Open(String path, Datastore ds) {
    }

    private final Map<String, Open> open = new HashMap<>();

    synchronized Datastore get(String name, ServerConfig.DatastoreEntry entry) {
        Open o = open.get(name);
        if (o != null && o.path().equals(entry.path())) {
            return o.ds();
        }
        if (o != null) {
            o.ds().close();
        }
        Datastore ds = Datastore.open(Path.of(entry.path()));
        open.put(name, new Open(entry.path(), ds));
        return ds;
    }

    @Override
    public synchronized void close() {
        for (Open o : open.values()) {
            o.ds().close();
        }
        open.clear();
    }
}
