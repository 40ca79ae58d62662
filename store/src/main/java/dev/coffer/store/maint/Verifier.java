package dev.coffer.store.maint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.BlobCodec;
import dev.coffer.core.crypto.ChunkId;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.format.Index;
import dev.coffer.core.util.IdSet;
import dev.coffer.store.ChunkMissingException;
import dev.coffer.store.Datastore;
import dev.coffer.store.SnapshotRef;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks snapshots without a key (design.md 13): manifest and indexes parse and agree, every chunk exists,
 * has a valid header, CRC32C and size, and the crypt mode its index expects; unencrypted chunks are
 * decompressed and re-hashed. A corrupt chunk is moved aside so the next backup holding its data stores it
 * again. Each snapshot's outcome is written to its {@code verify.json}. A {@link ChunkCheck} given by a
 * client with the key can check more (authentication and decryption).
 */
public final class Verifier {
    public static final String STATE_FILE = "verify.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Checks one chunk's stored bytes; throws CorruptDataException when it is bad. */
    @FunctionalInterface
    public interface ChunkCheck {
        void check(ChunkId id, byte[] blob, CryptMode mode);
    }

    /**
     * A chunk that is intact but of another crypt mode than the index that lists it: the index (the snapshot)
     * is what is wrong, so the chunk, which other snapshots may use, stays where it is.
     */
    public static final class WrongModeException extends CorruptDataException {
        public WrongModeException(String message) {
            super(message);
        }
    }

    /** The keyless check. */
    public static final ChunkCheck KEYLESS = (id, blob, mode) -> {
        BlobCodec.BlobInfo info = BlobCodec.inspect(blob);
        if (info.encrypted() != (mode == CryptMode.ENCRYPT)) {
            throw new WrongModeException("chunk " + id.hex() + ": crypt mode differs from its index's (" + mode
                    + "); the chunk is kept");
        }
        if (!info.encrypted()) {
            new BlobCodec(CryptMode.NONE, null).decodeChunk(id, blob);
        }
    };

    public record Outcome(SnapshotRef snapshot, boolean ok, long chunks, List<String> errors, boolean skipped) {
    }

    /** A snapshot's last verify: its state, when, and whether it decrypted the chunks (a verify with a key). */
    public record State(String state, Instant time, boolean decrypted) {
    }

    private final Datastore ds;
    private final ChunkCheck check;
    /** Chunks found good in this run, for indexes of encrypted and of other snapshots: about 41 bytes each (see {@link IdSet}). */
    private final IdSet good = new IdSet();
    private final IdSet goodPlain = new IdSet();
    /** Chunks found of the other crypt mode than an index of mode ENCRYPT, and than one of another mode. */
    private final Map<ChunkId, String> wrongForEncrypted = new HashMap<>();
    private final Map<ChunkId, String> wrongForPlain = new HashMap<>();
    /** Chunks found bad in this run, with the error, so each is reported (and moved aside) once. */
    private final Map<ChunkId, String> bad = new HashMap<>();
    private final byte[] scratch = new byte[ChunkId.LENGTH];

    public Verifier(Datastore ds, ChunkCheck check) {
        this.ds = ds;
        this.check = check;
    }

    /** The recorded verify state of a snapshot, or null when never verified. */
    public static State state(Datastore ds, SnapshotRef s) {
        byte[] b = ds.readSnapshotSideFile(s, STATE_FILE);
        if (b == null) {
            return null;
        }
        try {
            JsonNode o = JSON.readTree(b);
            return new State(o.path("state").asText("failed"), Instant.parse(o.path("time").asText()),
                    o.path("decrypted").asBoolean(false));
        } catch (IOException | RuntimeException e) {
            return new State("failed", Instant.EPOCH, false);
        }
    }

    /**
     * Verifies a snapshot unless it was verified ok less than {@code outdatedAfter} ago (null: always), by a verify
     * at least as thorough: a verify that decrypts skips only snapshots that a verify that decrypted found ok, not
     * those a keyless one did.
     */
    public Outcome verify(SnapshotRef s, Duration outdatedAfter) {
        if (outdatedAfter != null) {
            State st = state(ds, s);
            if (st != null && st.state().equals("ok") && st.time().isAfter(Instant.now().minus(outdatedAfter))
                    && (check == KEYLESS || st.decrypted())) {
                return new Outcome(s, true, 0, List.of(), true);
            }
        }
        List<String> errors = new ArrayList<>();
        long chunks = 0;
        try {
            SnapshotIndexes.Loaded l = SnapshotIndexes.load(ds, s);
            CryptMode mode = l.manifest().body().cryptMode();
            for (Index idx : l.indexes()) {
                for (int i = 0; i < idx.chunkCount(); i++) {
                    chunks++;
                    String err = chunk(idx.id(i), mode);
                    if (err != null && errors.size() < 20 && !errors.contains(err)) {
                        errors.add(err);
                    }
                }
            }
        } catch (CofferException e) {
            errors.add(e.getMessage());
        }
        boolean ok = errors.isEmpty();
        ObjectNode o = JSON.createObjectNode();
        o.put("state", ok ? "ok" : "failed");
        o.put("time", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        o.put("chunks", chunks);
        o.put("decrypted", check != KEYLESS);
        errors.forEach(o.putArray("errors")::add);
        try {
            ds.writeSnapshotSideFile(s, STATE_FILE, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(o));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new Outcome(s, ok, chunks, errors, false);
    }

    /** Distinct chunks this verifier has checked so far (good and bad). */
    public long checkedChunks() {
        return good.size() + goodPlain.size() + bad.size(); // a chunk listed under both modes counts twice
    }

    /** Heap bytes of the set of chunks found good, which lives as long as this verifier. */
    public long knownChunkSetBytes() {
        return good.memoryBytes() + goodPlain.memoryBytes();
    }

    /** Null when the chunk is good; each chunk is checked once per run. */
    private String chunk(ChunkId id, CryptMode mode) {
        id.copyTo(scratch, 0);
        IdSet goodFor = mode == CryptMode.ENCRYPT ? good : goodPlain;
        if (goodFor.contains(scratch, 0)) {
            return null;
        }
        if (bad.containsKey(id)) {
            return bad.get(id);
        }
        Map<ChunkId, String> wrongFor = mode == CryptMode.ENCRYPT ? wrongForEncrypted : wrongForPlain;
        if (wrongFor.containsKey(id)) {
            return wrongFor.get(id);
        }
        String err = null;
        try {
            check.check(id, ds.readChunk(id), mode);
        } catch (ChunkMissingException e) {
            err = e.getMessage();
        } catch (WrongModeException e) {
            // the index's fault, not the chunk's: not moved aside, and remembered for this mode only
            wrongFor.put(id, e.getMessage());
            return e.getMessage();
        } catch (CorruptDataException e) {
            String msg = e.getMessage().startsWith("chunk ") ? e.getMessage()
                    : "chunk " + id.hex() + ": " + e.getMessage().replaceFirst("^blob: ", "");
            err = msg + (ds.moveChunkAside(id) ? " (moved aside; the next backup of this data stores it again)" : "");
        }
        if (err == null) {
            goodFor.add(scratch, 0);
        } else {
            bad.put(id, err);
        }
        return err;
    }
}
