package dev.coffer.client.restore;

import dev.coffer.client.snapshot.OpenSnapshot;
import dev.coffer.client.snapshot.StreamReader;
import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import dev.coffer.core.format.ArchiveEntry;
import dev.coffer.core.format.ArchiveReader;
import dev.coffer.core.format.ArchiveRef;
import dev.coffer.core.format.Index;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/** The entries of a directory archive, read from its meta stream. */
public final class ArchiveContents {
    private ArchiveContents() {
    }

    public static List<ArchiveEntry> read(OpenSnapshot snap, ArchiveRef archive, Executor executor) {
        if (!archive.type().equals("dir")) {
            throw new CofferException(archive.name() + " is an image, not a directory archive",
                    "restore it to a file: coffer restore SNAPSHOT " + archive.name() + " FILE");
        }
        Index metaIndex = snap.index(archive, "meta");
        Index payloadIndex = snap.index(archive, "payload");
        StreamReader meta = new StreamReader(snap.repository(), snap.ref(), snap.codec(), metaIndex, executor, 2);
        List<ArchiveEntry> entries = new ArrayList<>();
        try (InputStream in = meta.sequential(); ArchiveReader reader = new ArchiveReader(in, payloadIndex.size())) {
            for (ArchiveEntry e = reader.next(); e != null; e = reader.next()) {
                entries.add(e);
            }
        } catch (CorruptDataException e) {
            throw new CorruptDataException("archive " + archive.name() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new CofferException("reading archive " + archive.name() + ": " + e.getMessage(), null, e);
        }
        return entries;
    }
}
