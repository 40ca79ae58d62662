package dev.coffer.store.maint;

import dev.coffer.core.CorruptDataException;
import dev.coffer.core.format.Index;
import dev.coffer.core.format.IndexRef;
import dev.coffer.core.format.Manifest;
import dev.coffer.core.util.Hex;
import dev.coffer.store.Datastore;
import dev.coffer.store.SnapshotRef;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/** What a keyless reader can check of a snapshot's manifest and indexes. */
final class SnapshotIndexes {
    private SnapshotIndexes() {
    }

    record Loaded(Manifest manifest, List<Index> indexes) {
    }

    /** Parses the manifest and every index it names, checking each index against its recorded SHA-256. */
    static Loaded load(Datastore ds, SnapshotRef s) {
        Manifest m;
        try {
            m = Manifest.parse(ds.readSnapshotFile(s, "manifest.cfm"));
        } catch (CorruptDataException e) {
            throw new CorruptDataException("snapshot " + s.name() + ": " + e.getMessage(), e);
        }
        List<Index> out = new ArrayList<>();
        for (var a : m.body().archives()) {
            for (IndexRef ir : a.indexes()) {
                Index idx;
                try {
                    idx = Index.parse(ds.readSnapshotFile(s, ir.file()));
                } catch (CorruptDataException e) {
                    throw new CorruptDataException("snapshot " + s.name() + ", " + ir.file() + ": " + e.getMessage(), e);
                }
                if (!MessageDigest.isEqual(idx.sha256(), Hex.decode(ir.sha256())) || idx.size() != ir.size()) {
                    throw new CorruptDataException("snapshot " + s.name() + ", " + ir.file()
                            + ": index does not match the manifest");
                }
                if (idx.cryptMode() != m.body().cryptMode()) {
                    throw new CorruptDataException("snapshot " + s.name() + ", " + ir.file()
                            + ": crypt mode differs from the manifest's");
                }
                out.add(idx);
            }
        }
        return new Loaded(m, out);
    }
}
