package dev.coffer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coffer.client.remote.RemoteRepository;
import dev.coffer.client.snapshot.OpenSnapshot;
import dev.coffer.core.CofferException;
import dev.coffer.core.crypto.KeySet;
import dev.coffer.core.format.Index;
import dev.coffer.core.format.IndexRef;
import dev.coffer.store.SnapshotRef;
import java.io.PrintWriter;
import java.util.List;

/**
 * {@code verify} against a server: without a key the server verifies (and records the result); with
 * {@code --decrypt} this host fetches every chunk and authenticates and decrypts it, which only the key holder can.
 */
final class RemoteVerify {
    private RemoteVerify() {
    }

    static int run(RemoteRepository remote, String ns, SnapshotRef one, List<SnapshotRef> list, KeySet keys, Integer outdatedAfter,
            PrintWriter out) {
        int failed = 0;
        if (keys == null) {
            JsonNode res = remote.verify(ns, one, outdatedAfter);
            for (JsonNode n : res) {
                String result = n.path("result").asText();
                String name = n.path("snapshot").asText();
                switch (result) {
                    case "skipped" -> out.println("skip   " + name + " (verified recently)");
                    case "ok" -> out.println("ok     " + name + " (" + n.path("chunks").asLong() + " chunks)");
                    default -> {
                        failed++;
                        out.println("FAILED " + name);
                        n.path("errors").forEach(e -> out.println("       " + e.asText()));
                    }
                }
            }
            list = null;
            if (failed > 0) {
                throw new CofferException(failed + " of " + res.size() + " snapshots failed verification",
                        "back up the same data again to restore the moved-aside chunks, then verify again");
            }
            out.println("verified " + res.size() + " snapshots");
            return Main.OK;
        }
        for (SnapshotRef s : list) {
            OpenSnapshot.open(remote, s, () -> keys); // a wrong key stops here, naming both fingerprints
        }
        for (SnapshotRef s : list) {
            OpenSnapshot snap = OpenSnapshot.open(remote, s, () -> keys);
            long chunks = 0;
            String error = null;
            for (var a : snap.body().archives()) {
                for (IndexRef ir : a.indexes()) {
                    Index idx = snap.index(ir);
                    for (int i = 0; i < idx.chunkCount() && error == null; i++) {
                        try {
                            snap.codec().decodeChunk(idx.id(i), remote.readChunk(s, idx.id(i)));
                            chunks++;
                        } catch (CofferException e) {
                            error = e.getMessage();
                        }
                    }
                }
            }
            if (error == null) {
                out.println("ok     " + s.name() + " (" + chunks + " chunks authenticated and decrypted)");
            } else {
                failed++;
                out.println("FAILED " + s.name());
                out.println("       " + error);
            }
        }
        if (failed > 0) {
            throw new CofferException(failed + " of " + list.size() + " snapshots failed verification",
                    "run a keyless 'coffer verify' on the server side to move bad chunks aside, then back up again");
        }
        out.println("verified " + list.size() + " snapshots");
        return Main.OK;
    }
}
