package dev.coffer.server.api;

import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.format.Index;
import dev.coffer.core.format.IndexRef;
import dev.coffer.core.format.Manifest;
import dev.coffer.core.util.Hex;
import dev.coffer.store.Datastore;
import dev.coffer.store.SnapshotRef;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The chunk ids a finished snapshot references, read from its manifest and indexes without a key. The server
 * serves and confirms only chunks that a snapshot the caller may read references, so no one learns whether
 * another tenant stored some data. A few recent sets are cached.
 */
final class SnapshotChunks {
    private static final int CACHE = 16;
    private final Map<String, Set<ChunkId>> cache = new LinkedHashMap<>(CACHE, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Set<ChunkId>> e) {
            return size() > CACHE;
        }
    };

    synchronized Set<ChunkId> of(String datastore, Datastore ds, SnapshotRef ref) {
        String key = datastore + "\0" + ref.path();
        Set<ChunkId> s = cache.get(key);
        if (s == null) {
            s = load(ds, ref);
            cache.put(key, s);
        }
        return s;
    }

    synchronized void forget(String datastore, SnapshotRef ref) {
        cache.remove(datastore + "\0" + ref.path());
    }

    static Set<ChunkId> load(Datastore ds, SnapshotRef ref) {
        Manifest m = Manifest.parse(ds.readSnapshotFile(ref, "manifest.cfm"));
        Set<ChunkId> ids = new HashSet<>();
        for (var a : m.body().archives()) {
            for (IndexRef ir : a.indexes()) {
                Index idx = Index.parse(ds.readSnapshotFile(ref, ir.file()));
                if (!MessageDigest.isEqual(idx.sha256(), Hex.decode(ir.sha256()))) {
                    throw new CorruptDataException("snapshot " + ref.name() + ", " + ir.file() + ": index does not match the manifest");
                }
                idx.forEachId(ids::add);
            }
        }
        return Set.copyOf(ids);
    }
}
