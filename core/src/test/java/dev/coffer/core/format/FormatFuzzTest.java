package dev.coffer.core.format;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.coffer.core.CorruptDataException;
import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * Coverage-guided fuzz targets for the parsers of stored bytes. Garbage must give a CorruptDataException and
 * nothing else; whatever parses must be canonical (written again, it gives the same bytes or the same value).
 * In the normal suite Jazzer only replays its inputs; {@link FormatRandomTest} drives these same checks with
 * seeded random and mutated inputs. A coverage-guided run takes one target at a time:
 * {@code JAZZER_FUZZ=1 ./mvnw -pl core test -Dtest='FormatFuzzTest#archiveRead'}.
 */
public class FormatFuzzTest {
    /** Payload size the archive targets assume: seeds and mutations are built with it. */
    static final long PAYLOAD = 1000;

    @FuzzTest(maxDuration = "10m")
    void indexParse(byte[] data) {
        checkIndex(data);
    }

    /** With the checksum repaired first, so the fuzzer reaches the checks behind it. */
    @FuzzTest(maxDuration = "10m")
    void indexParseRepaired(byte[] data) {
        checkIndex(data.length >= 32 ? Samples.resum(data) : data);
    }

    @FuzzTest(maxDuration = "10m")
    void manifestParse(byte[] data) {
        checkManifest(data);
    }

    /** Arbitrary bytes as the JSON body of a well-framed manifest. */
    @FuzzTest(maxDuration = "10m")
    void manifestBody(byte[] data) {
        checkManifest(frame(data));
    }

    @FuzzTest(maxDuration = "10m")
    void archiveRead(byte[] data) {
        checkArchive(data);
    }

    /** Valid archives built from the fuzzer's choices read back equal. */
    @FuzzTest(maxDuration = "10m")
    void archiveRoundTrip(FuzzedDataProvider data) {
        checkRoundTrip(TreeGenerator.generate(TreeGenerator.of(data)));
    }

    static void checkIndex(byte[] data) {
        Index idx;
        try {
            idx = Index.parse(data);
        } catch (CorruptDataException expected) {
            return;
        }
        IndexWriter w = idx.type() == IndexType.DYNAMIC ? IndexWriter.dynamic(idx.cryptMode())
                : IndexWriter.fixed(idx.cryptMode(), idx.fixedChunkSize());
        for (int i = 0; i < idx.chunkCount(); i++) {
            assertThat(idx.end(i)).isGreaterThan(idx.start(i));
            assertThat(idx.chunkIndexAt(idx.start(i))).isEqualTo(i);
            assertThat(idx.chunkIndexAt(idx.end(i) - 1)).isEqualTo(i);
            if (idx.type() == IndexType.DYNAMIC) {
                w.addDynamic(idx.end(i), idx.id(i));
            } else {
                w.addFixed(idx.id(i), (int) (idx.end(i) - idx.start(i)));
            }
        }
        assertThat(w.size()).isEqualTo(idx.size());
        assertThat(w.finish()).isEqualTo(data);
    }

    static void checkManifest(byte[] data) {
        Manifest m;
        try {
            m = Manifest.parse(data);
        } catch (CorruptDataException expected) {
            return;
        }
        try {
            m.verifyTag(Manifest::sha256Tag);
        } catch (CorruptDataException expected) {
            // a wrong tag is the caller's concern
        }
        byte[] again = Manifest.encode(m.body(), Manifest::sha256Tag);
        assertThat(Manifest.parse(again).body()).isEqualTo(m.body());
    }

    static void checkArchive(byte[] data) {
        List<ArchiveEntry> entries;
        try {
            entries = ArchiveReader.readAll(data, PAYLOAD);
        } catch (CorruptDataException expected) {
            return;
        }
        assertThat(Samples.write(PAYLOAD, entries)).isEqualTo(data);
    }

    static void checkRoundTrip(TreeGenerator.Archive a) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ArchiveWriter w = new ArchiveWriter(out)) {
            a.entries().forEach(w::add);
            w.finish(a.payloadSize());
        }
        assertThat(ArchiveReader.readAll(out.toByteArray(), a.payloadSize())).containsExactlyElementsOf(a.entries());
    }

    /** Magic, length and a SHA-256 tag around {@code body} (cut to the 16 MiB limit). */
    static byte[] frame(byte[] body) {
        ByteWriter w = new ByteWriter(body.length + 40);
        w.bytes(Manifest.MAGIC).u32(Math.min(body.length, Manifest.MAX_BODY)).bytes(body, 0,
                Math.min(body.length, Manifest.MAX_BODY));
        w.bytes(Manifest.sha256Tag(w.toByteArray()));
        return w.toByteArray();
    }
}
