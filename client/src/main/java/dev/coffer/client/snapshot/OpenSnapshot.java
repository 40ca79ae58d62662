package dev.coffer.client.snapshot;

import dev.coffer.client.repo.Repository;
import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.BlobCodec;
import dev.coffer.core.crypto.CryptMode;
import dev.coffer.core.crypto.KeySet;
import dev.coffer.core.crypto.WrongKeyException;
import dev.coffer.core.format.ArchiveRef;
import dev.coffer.core.format.Index;
import dev.coffer.core.format.IndexRef;
import dev.coffer.core.format.Manifest;
import dev.coffer.core.format.ManifestBody;
import dev.coffer.core.util.Hex;
import dev.coffer.store.SnapshotRef;
import java.security.MessageDigest;

/**
 * A snapshot whose manifest has been read and authenticated: the key fingerprint is compared first (so a
 * wrong key is named as such), then the manifest's tag, and each index against the checksum the manifest
 * records for it.
 */
public final class OpenSnapshot {
    private final Repository repo;
    private final SnapshotRef ref;
    private final Manifest manifest;
    private final KeySet keys;
    private final BlobCodec codec;

    private OpenSnapshot(Repository repo, SnapshotRef ref, Manifest manifest, KeySet keys) {
        this.repo = repo;
        this.ref = ref;
        this.manifest = manifest;
        this.keys = keys;
        this.codec = new BlobCodec(manifest.body().cryptMode(), keys);
    }

    public static OpenSnapshot open(Repository repo, SnapshotRef ref, KeyProvider keyProvider) {
        Manifest manifest = readManifest(repo, ref);
        ManifestBody body = manifest.body();
        KeySet keys = null;
        if (body.cryptMode() != CryptMode.NONE) {
            keys = keyProvider.keys();
            if (!keys.fingerprint().equals(body.keyFingerprint())) {
                throw new WrongKeyException("snapshot " + ref.name(), body.keyFingerprint(), keys.fingerprint());
            }
            KeySet k = keys;
            manifest.verifyTag(b -> k.manifestTag(b, 0, b.length));
        } else {
            manifest.verifyTag(Manifest::sha256Tag);
        }
        if (!body.backupType().equals(ref.group().type()) || !body.backupId().equals(ref.group().id())
                || !body.backupTime().equals(ref.time())) {
            throw new CorruptDataException("snapshot " + ref.name() + ": manifest belongs to "
                    + body.backupType() + "/" + body.backupId() + "/" + body.backupTime()
                    + " (moved or swapped snapshot)");
        }
        return new OpenSnapshot(repo, ref, manifest, keys);
    }

    /** Parses the manifest without any key: what a keyless verifier or a listing can see. */
    public static Manifest readManifest(Repository repo, SnapshotRef ref) {
        byte[] bytes = repo.readSnapshotFile(ref, "manifest.cfm");
        try {
            return Manifest.parse(bytes);
        } catch (CorruptDataException e) {
            throw new CorruptDataException("snapshot " + ref.name() + ": " + e.getMessage(), e);
        }
    }

    public SnapshotRef ref() {
        return ref;
    }

    public ManifestBody body() {
        return manifest.body();
    }

    public Manifest manifest() {
        return manifest;
    }

    public BlobCodec codec() {
        return codec;
    }

    /** The key, or null for an unencrypted, unsigned snapshot. */
    public KeySet keys() {
        return keys;
    }

    public Repository repository() {
        return repo;
    }

    public ArchiveRef archive(String name) {
        return manifest.archive(name);
    }

    /** Reads an index and checks it against the manifest. */
    public Index index(ArchiveRef archive, String role) {
        for (IndexRef ir : archive.indexes()) {
            if (ir.role().equals(role)) {
                return index(ir);
            }
        }
        throw new CorruptDataException("snapshot " + ref.name() + ": archive " + archive.name() + " has no "
                + role + " index");
    }

    public Index index(IndexRef ir) {
        byte[] bytes = repo.readSnapshotFile(ref, ir.file());
        Index index;
        try {
            index = Index.parse(bytes);
        } catch (CorruptDataException e) {
            throw new CorruptDataException("snapshot " + ref.name() + ", " + ir.file() + ": " + e.getMessage(), e);
        }
        if (!MessageDigest.isEqual(index.sha256(), Hex.decode(ir.sha256()))) {
            throw new CorruptDataException("snapshot " + ref.name() + ", " + ir.file()
                    + ": index does not match the manifest (replaced or tampered)");
        }
        if (index.size() != ir.size()) {
            throw new CorruptDataException("snapshot " + ref.name() + ", " + ir.file()
                    + ": index size does not match the manifest");
        }
        if (index.cryptMode() != body().cryptMode()) {
            throw new CofferException("snapshot " + ref.name() + ", " + ir.file() + ": crypt mode "
                    + index.cryptMode() + " differs from the manifest's " + body().cryptMode());
        }
        return index;
    }
}
