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
        List<ArchiveEntry> entries = new ArrayList<>();
        forEach(snap, archive, executor, entries::add);
        return entries;
    }

    /**
     * Reads the entries one by one, in archive order, without keeping them: {@code action} sees each entry
     * before the next is read, and whatever it throws ends the reading.
     */
    public static void forEach(OpenSnapshot snap, ArchiveRef archive, Executor executor,
            java.util.function.Consumer<ArchiveEntry> action) {
        if (!archive.type().equals("dir")) {
            throw new CofferException(archive.name() + " is an image, not a directory archive",
                    "restore it to a file: coffer restore SNAPSHOT " + archive.name() + " FILE");
        }
        Index metaIndex = snap.index(archive, "meta");
        Index payloadIndex = snap.index(archive, "payload");
        StreamReader meta = new StreamReader(snap.repository(), snap.ref(), snap.codec(), metaIndex, executor, 2);
        try (InputStream in = meta.sequential(); ArchiveReader reader = new ArchiveReader(in, payloadIndex.size())) {
            for (ArchiveEntry e = next(reader, archive); e != null; e = next(reader, archive)) {
                action.accept(e);
            }
        } catch (IOException e) {
            throw new CofferException("reading archive " + archive.name() + ": " + e.getMessage(), null, e);
        }
    }

    /** The next entry; damage in the meta stream is reported with the archive's name. */
    private static ArchiveEntry next(ArchiveReader reader, ArchiveRef archive) throws IOException {
        try {
            return reader.next();
        } catch (CorruptDataException e) {
            throw new CorruptDataException("archive " + archive.name() + ": " + e.getMessage(), e);
        }
    }
}
