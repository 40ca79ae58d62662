package dev.coffer.client.snapshot;

import dev.coffer.client.repo.Repository;
import dev.coffer.core.CofferException;
import dev.coffer.store.BackupGroup;
import dev.coffer.store.SnapshotRef;
import java.util.List;

/** Resolves what users type: {@code latest}, {@code TYPE/ID} (newest of that group) or {@code TYPE/ID/TIME}. */
public final class SnapshotSpec {
    private SnapshotSpec() {
    }

    public static SnapshotRef resolve(Repository repo, String ns, String spec) {
        String s = spec.trim();
        if (s.equals("latest")) {
            List<SnapshotRef> all = repo.snapshots(ns);
            if (all.isEmpty()) {
                throw new CofferException("no snapshots in " + where(repo, ns), "make one with 'coffer backup'");
            }
            return all.stream().max((a, b) -> a.time().compareTo(b.time())).orElseThrow();
        }
        String[] parts = s.split("/", -1);
        if (parts.length == 2) {
            BackupGroup g = new BackupGroup(ns, parts[0], parts[1]);
            List<SnapshotRef> list = repo.snapshots(g);
            if (list.isEmpty()) {
                throw new CofferException("no snapshots of " + s + " in " + where(repo, ns),
                        "list them with 'coffer snapshots'");
            }
            return list.getLast();
        }
        if (parts.length == 3) {
            SnapshotRef ref = SnapshotRef.parse(ns, s);
            for (SnapshotRef r : repo.snapshots(ref.group())) {
                if (r.equals(ref)) {
                    return r;
                }
            }
            throw new CofferException("snapshot " + s + " not found in " + where(repo, ns),
                    "list them with 'coffer snapshots'");
        }
        throw new CofferException("'" + spec + "' is not a snapshot",
                "write TYPE/ID/TIME (e.g. host/web1/2026-11-23T10:15:00Z), TYPE/ID for its newest, or latest");
    }

    private static String where(Repository repo, String ns) {
        return ns.isEmpty() ? repo.location() : repo.location() + " (namespace " + ns + ")";
    }
}
