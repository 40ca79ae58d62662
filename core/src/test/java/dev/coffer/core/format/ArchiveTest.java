package dev.coffer.core.format;

import static dev.coffer.core.format.Samples.META;
import static dev.coffer.core.format.Samples.PLAIN;
import static dev.coffer.core.format.Samples.b;
import static dev.coffer.core.format.Samples.dir;
import static dev.coffer.core.format.Samples.everyType;
import static dev.coffer.core.format.Samples.file;
import static dev.coffer.core.format.Samples.raw;
import static dev.coffer.core.format.Samples.rawExact;
import static dev.coffer.core.format.Samples.root;
import static dev.coffer.core.format.Samples.sha;
import static dev.coffer.core.format.Samples.write;
import static dev.coffer.core.format.Samples.x;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArchiveTest {
    @Test
    void everyEntryTypeRoundTrips() {
        List<ArchiveEntry> all = everyType();
        byte[] stream = write(10, all);
        assertThat(ArchiveReader.readAll(stream, 10)).containsExactlyElementsOf(all);
        // one byte per read: every buffer boundary inside every field
        List<ArchiveEntry> slow = new ArrayList<>();
        try (ArchiveReader r = new ArchiveReader(new TrickleInputStream(stream), 10)) {
            for (ArchiveEntry e = r.next(); e != null; e = r.next()) {
                slow.add(e);
            }
            assertThat(r.next()).isNull();
            assertThat(r.count()).isEqualTo(all.size());
        }
        assertThat(slow).containsExactlyElementsOf(all);
    }

    @Test
    void extremeValuesRoundTrip() {
        byte[] big = new byte[EntryRules.MAX_XATTR_VALUE];
        Arrays.fill(big, (byte) 7);
        List<Xattr> many = new ArrayList<>();
        for (int i = 0; i < EntryRules.MAX_XATTRS; i++) {
            many.add(x(String.format("user.%04d", i), i == 5 ? big : new byte[] {(byte) i}));
        }
        byte[] longName = new byte[255];
        Arrays.fill(longName, (byte) 'n');
        byte[] longPath = new byte[EntryRules.MAX_PATH];
        Arrays.fill(longPath, (byte) 'p');
        for (int i = 200; i < longPath.length; i += 200) {
            longPath[i] = '/';
        }
        List<ArchiveEntry> dirs = new ArrayList<>();
        dirs.add(new DirEntry(new byte[0], new EntryMeta(07777, 0, 0, Varint.MIN_SIGNED, 0, Varint.MAX_SIGNED,
                999_999_999, 0, many)));
        for (int i = 200; i < longPath.length; i += 200) {
            dirs.add(new DirEntry(Arrays.copyOf(longPath, i), PLAIN));
        }
        byte[] lastPath = longPath.clone();
        dirs.add(new FileEntry(lastPath, new EntryMeta(0, 4294967295L, 4294967295L, -1, 999_999_999, -62_135_596_800L,
                1, Long.MAX_VALUE, List.of(new Xattr(longName, big))), 0, Long.MAX_VALUE, sha(0)));
        byte[] target = new byte[EntryRules.MAX_PATH];
        Arrays.fill(target, (byte) 0xff);
        dirs.add(new SymlinkEntry(b("q"), PLAIN, target));
        dirs.add(new DeviceEntry(b("r"), PLAIN, false, 4294967295L, 4294967295L));
        byte[] stream = write(Long.MAX_VALUE, dirs);
        assertThat(ArchiveReader.readAll(stream, Long.MAX_VALUE)).containsExactlyElementsOf(dirs);
    }

    @Test
    void siblingsAreOrderedComponentByComponent() {
        // "a" < "a/b" < "a-c" although '-' < '/' bytewise: siblings compare by name, depth first
        List<ArchiveEntry> ok = List.of(root(), dir("a"), file("a/b", 0, 0), file("a-c", 0, 0), dir("b"), dir("b/c"),
                file("b/c/d", 0, 0), file("b/d", 0, 0), file("c", 0, 0),
                new FileEntry(new byte[] {(byte) 0x80}, PLAIN, 0, 0, sha(0)));
        assertThat(ArchiveReader.readAll(write(0, ok), 0)).containsExactlyElementsOf(ok);
        assertRefused(raw(0, dir("a"), file("a-c", 0, 0), file("a/b", 0, 0)),
                "archive: a/b does not follow its directory (missing, not a directory, or out of order)");
        assertRefused(raw(0, file("b", 0, 0), file("a", 0, 0)),
                "archive: a is out of order (entries go depth first, siblings sorted bytewise)");
        assertRefused(raw(0, dir("a"), file("a/z", 0, 0), dir("b"), file("a/y", 0, 0)),
                "archive: a/y does not follow its directory (missing, not a directory, or out of order)");
        assertRefused(raw(0, new FileEntry(new byte[] {(byte) 0x80}, PLAIN, 0, 0, sha(0)), file("c", 0, 0)),
                "archive: c is out of order (entries go depth first, siblings sorted bytewise)");
    }

    @Test
    void hostileStructuresAreRefused() {
        // a child of a symlink: restoring it would write through the link
        assertRefused(raw(0, new SymlinkEntry(b("l"), PLAIN, b("/etc")), file("l/passwd", 0, 0)),
                "archive: l/passwd does not follow its directory (missing, not a directory, or out of order)");
        assertRefused(raw(0, file("f", 0, 0), file("f", 0, 0)), "archive: f appears twice");
        assertRefused(raw(0, dir("d"), file("d/x", 0, 0), dir("d")), "archive: d appears twice");
        assertRefused(raw(0, dir("d"), dir("d/e"), file("d", 0, 0)), "archive: d appears twice");
        assertRefused(raw(0, file("a/b", 0, 0)),
                "archive: a/b does not follow its directory (missing, not a directory, or out of order)");
        assertRefused(raw(0, new HardlinkEntry(b("h"), PLAIN, b("nothing"))),
                "archive: hard link h points to no earlier entry (nothing; a directory or hard link does not count)");
        assertRefused(raw(0, dir("d"), new HardlinkEntry(b("h"), PLAIN, b("d"))),
                "archive: hard link h points to no earlier entry (d; a directory or hard link does not count)");
        assertRefused(raw(0, file("a", 0, 0), new HardlinkEntry(b("b"), PLAIN, b("a")),
                new HardlinkEntry(b("c"), PLAIN, b("b"))),
                "archive: hard link c points to no earlier entry (b; a directory or hard link does not count)");
        assertRefused(raw(0, new HardlinkEntry(b("a"), PLAIN, b("a"))),
                "archive: hard link a points to no earlier entry (a; a directory or hard link does not count)");
        assertRefused(raw(0, file("f", 0, 0), new HardlinkEntry(b("h"), PLAIN, b("./f"))),
                "archive: hard link h points to no earlier entry (./f; a directory or hard link does not count)");
        // links to any earlier non-directory are fine
        List<ArchiveEntry> links = List.of(root(), new FifoEntry(b("a"), PLAIN), new HardlinkEntry(b("b"), PLAIN, b("a")),
                new SymlinkEntry(b("c"), PLAIN, b("x")), new HardlinkEntry(b("d"), PLAIN, b("c")));
        assertThat(ArchiveReader.readAll(write(0, links), 0)).containsExactlyElementsOf(links);
        assertRefused(rawExact(0, 1, List.of(dir("a"))),
                "archive: the first entry is not the root directory (a directory with the empty path)");
        assertRefused(rawExact(0, 1, List.of(new FileEntry(new byte[0], PLAIN, 0, 0, sha(0)))),
                "archive: the first entry is not the root directory (a directory with the empty path)");
        assertRefused(raw(0, root()), "archive: invalid path \"\" (empty path)");
        assertRefused(rawExact(0, 0, List.of()), "archive: no root directory");
    }

    @Test
    void invalidPathsAreRefused() {
        for (String p : List.of(".", "..", "a/..", "./a", "a//b", "/abs", "a/", "a/./b")) {
            assertThatThrownBy(() -> ArchiveReader.readAll(raw(0, dir("a"), new FifoEntry(b(p), PLAIN)), 0))
                    .as(p).isInstanceOf(CorruptDataException.class).hasMessageStartingWith("archive: invalid path \"" + p + "\" (");
            ArchiveWriter w = new ArchiveWriter(OutputStream.nullOutputStream());
            w.add(root());
            assertThatThrownBy(() -> w.add(new DirEntry(b(p), PLAIN))).as(p).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("archive entry refused: invalid path");
        }
        assertRefused(raw(0, new FifoEntry(new byte[] {'a', 0, 'b'}, PLAIN)),
                "archive: invalid path \"a\\x00b\" (NUL byte in the path)");
        List<ArchiveEntry> dotted = List.of(root(), file("...", 0, 0), dir(".a"), file(".a/..b", 0, 0), file(".a/b.", 0, 0));
        assertThat(ArchiveReader.readAll(write(0, dotted), 0)).containsExactlyElementsOf(dotted);
        byte[] longName = new byte[EntryRules.MAX_PATH];
        Arrays.fill(longName, (byte) 'a');
        assertThatThrownBy(() -> ArchiveReader.readAll(raw(0, new FifoEntry(longName, PLAIN), new FifoEntry(longName, PLAIN)), 0))
                .isInstanceOf(CorruptDataException.class).hasMessageEndingWith("… appears twice")
                .message().hasSizeLessThan(300);
        byte[] tooLong = new byte[EntryRules.MAX_PATH + 1];
        Arrays.fill(tooLong, (byte) 'a');
        assertRefused(raw(0, new FifoEntry(tooLong, PLAIN)),
                "archive: path of 65537 bytes exceeds the limit of 65536 at byte 50 (entry 1)");
    }

    @Test
    void fieldLimitsAreEnforced() {
        assertRefused(raw(0, new FifoEntry(b("a"), new EntryMeta(010000, 0, 0, 0, 0, 0, 0, 0))),
                "archive: mode 10000 has bits outside 07777 (entry 1, a)");
        assertRefused(raw(0, new FifoEntry(b("a"), new EntryMeta(0, 0, 0, 0, 1_000_000_000, 0, 0, 0))),
                "archive: mtime nanoseconds 1000000000 out of range (entry 1, a)");
        assertRefused(raw(0, new FifoEntry(b("a"), new EntryMeta(0, 0, 0, 0, 0, 0, 1_000_000_000, 0))),
                "archive: ctime nanoseconds 1000000000 out of range (entry 1, a)");
        assertRefused(raw(0, new FifoEntry(b("a"), new EntryMeta(0, 1L << 32, 0, 0, 0, 0, 0, 0))),
                "archive: uid or gid outside 0..2^32-1 (entry 1, a)");
        assertRefused(raw(0, new FifoEntry(b("a"), new EntryMeta(0, 0, 0, 0, 0, 0, 0, 0,
                List.of(x("user.b", new byte[0]), x("user.a", new byte[0]))))),
                "archive: extended attributes not sorted by name or repeated (entry 1, a)");
        assertRefused(raw(0, new FifoEntry(b("a"), new EntryMeta(0, 0, 0, 0, 0, 0, 0, 0,
                List.of(x("user.a", new byte[0]), x("user.a", new byte[1]))))),
                "archive: extended attributes not sorted by name or repeated (entry 1, a)");
        assertRefused(raw(0, new FifoEntry(b("a"), new EntryMeta(0, 0, 0, 0, 0, 0, 0, 0, List.of(x("", new byte[0]))))),
                "archive: extended attribute name of 0 bytes (1 to 255 allowed) (entry 1, a)");
        assertRefused(raw(0, new FifoEntry(b("a"), new EntryMeta(0, 0, 0, 0, 0, 0, 0, 0, List.of(x("a\0b", new byte[0]))))),
                "archive: NUL byte in an extended attribute name (entry 1, a)");
        assertRefused(raw(0, new SymlinkEntry(b("a"), PLAIN, new byte[0])),
                "archive: symlink target of 0 bytes (1 byte to 64 KiB allowed) (entry 1, a)");
        assertRefused(raw(0, new SymlinkEntry(b("a"), PLAIN, new byte[] {'x', 0})),
                "archive: NUL byte in the symlink target (entry 1, a)");
        assertRefused(raw(0, new DeviceEntry(b("a"), PLAIN, true, 1L << 32, 0)),
                "archive: device number outside 0..2^32-1 (entry 1, a)");
        // 1,025 xattrs: refused from the count alone
        ByteWriter w = new ByteWriter().bytes(ArchiveWriter.MAGIC).u8(1);
        ArchiveWriter.encode(w, root());
        w.u8(1).lengthPrefixed(b("a")).u8(5).varint(0).varint(0).varint(0).varint(0).varint(0).varint(0).varint(0)
                .varint(0).varint(1025);
        assertRefused(w.toByteArray(), "archive: 1025 extended attributes exceed the limit of 1024 (entry 1, a)");
        byte[] name = new byte[256];
        Arrays.fill(name, (byte) 'n');
        assertRefused(raw(0, new FifoEntry(b("a"), new EntryMeta(0, 0, 0, 0, 0, 0, 0, 0, List.of(new Xattr(name, new byte[0]))))),
                "archive: extended attribute name of 256 bytes exceeds the limit of 255 at byte 62 (entry 1, a)");
    }

    @Test
    void payloadRangesMustLieInsideThePayloadStream() {
        assertRefused(raw(100, file("f", 50, 60)),
                "archive: file f lies outside the payload stream (bytes 60 to 110 of 100)");
        assertRefused(raw(100, file("f", 0, 101)),
                "archive: file f lies outside the payload stream (bytes 101 to 101 of 100)");
        assertRefused(raw(100, file("f", Long.MAX_VALUE, 1)), "archive: payload range beyond 2^63 (entry 1, f)");
        assertThat(ArchiveReader.readAll(raw(100, file("f", 0, 100), file("g", 100, 0), file("h", 1, 0)), 100)).hasSize(4);
        ArchiveWriter w = new ArchiveWriter(OutputStream.nullOutputStream());
        w.add(root());
        w.add(file("f", 50, 60));
        assertThatThrownBy(() -> w.finish(100)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("payload stream of 100 bytes ends before the end of f (110)");
        w.finish(110);
    }

    @Test
    void headerTrailerAndRecordChecks() {
        byte[] ok = write(5, List.of(root()));
        assertThat(HexFormat.of().formatHex(ok)).startsWith("4346415201").endsWith("ff0105");
        assertRefused(ok, 6, "archive: trailer says payload of 5 bytes, the index has 6");
        assertRefused(Arrays.copyOf(ok, ok.length + 1), 5, "archive: data after the trailer at byte " + ok.length);
        byte[] count = ok.clone();
        count[count.length - 2] = 2;
        assertRefused(count, 5, "archive: trailer says 2 entries, found 1");
        byte[] magic = ok.clone();
        magic[1] = 'X';
        assertRefused(magic, 5, "archive: bad magic");
        byte[] version = ok.clone();
        version[4] = 2;
        assertRefused(version, 5, "archive: unsupported version 2");
        byte[] record = ok.clone();
        record[5] = 7;
        assertRefused(record, 5, "archive: unknown record type 7 at byte 5 (entry 0)");
        byte[] type = ok.clone();
        type[7] = 9; // after record type, path length 0
        assertRefused(type, 5, "archive: unknown entry type 9 (entry 0, the root)");
        byte[] digest = write(0, List.of(root(), file("f", 0, 0)));
        digest[digest.length - 3 - 33] = 2;
        assertRefused(digest, 0, "archive: unknown digest algorithm 2 (entry 1, f)");
        byte[] overlong = ok.clone();
        overlong[8] = (byte) 0x80; // mode 0755 = ed 03: make it ed 83 and insert 00
        byte[] bad = new byte[ok.length + 1];
        System.arraycopy(ok, 0, bad, 0, 9);
        bad[8] = (byte) 0x83;
        bad[9] = 0;
        System.arraycopy(ok, 9, bad, 10, ok.length - 9);
        assertRefused(bad, 5, "archive: varint not in its shortest form at byte 9 (entry 0, the root)");
        assertRefused(new byte[0], 0, "archive: truncated at byte 0 (header)");
        assertRefused(new byte[] {'C', 'F'}, 0, "archive: truncated at byte 2 (header)");
        assertRefused(new byte[] {'C', 'X'}, 0, "archive: bad magic");
        assertRefused(ArchiveWriter.MAGIC, 0, "archive: truncated at byte 4 (header)");
        assertRefused(Arrays.copyOf(ok, 5), 5, "archive: truncated at byte 5 (entry 0)");
        assertRefused(Arrays.copyOf(ok, ok.length - 1), 5, "archive: truncated at byte " + (ok.length - 1) + " (trailer)");
    }

    @Test
    void everyTruncationIsRefused() {
        byte[] stream = write(10, everyType());
        for (int n = 0; n < stream.length; n++) {
            byte[] cut = Arrays.copyOf(stream, n);
            assertThatThrownBy(() -> ArchiveReader.readAll(cut, 10)).as("%d bytes", n)
                    .isInstanceOf(CorruptDataException.class).hasMessageStartingWith("archive: truncated at byte " + n);
        }
    }

    @Test
    void writerRefusesWhatReadersRefuse() {
        ArchiveWriter w = new ArchiveWriter(OutputStream.nullOutputStream());
        assertThatThrownBy(() -> w.add(dir("a"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("archive entry refused: the first entry is not the root directory (a directory with the empty path)");
        assertThatThrownBy(() -> w.finish(0)).isInstanceOf(IllegalStateException.class);
        w.add(root());
        w.add(dir("b"));
        assertThatThrownBy(() -> w.add(dir("a"))).hasMessage(
                "archive entry refused: a is out of order (entries go depth first, siblings sorted bytewise)");
        assertThatThrownBy(() -> w.add(new SymlinkEntry(b("c"), PLAIN, new byte[0])))
                .hasMessage("archive entry refused: c: symlink target of 0 bytes (1 byte to 64 KiB allowed)");
        assertThatThrownBy(() -> w.add(new FifoEntry(b("c"), new EntryMeta(0, 0, 0, 0, 0, 0, 0, -1))))
                .hasMessage("archive entry refused: c: inode number of 2^63 or more");
        assertThatThrownBy(() -> w.add(new FifoEntry(b("c"), new EntryMeta(0, 0, 0, Varint.MAX_SIGNED + 1, 0, 0, 0, 0))))
                .hasMessage("archive entry refused: c: time outside -2^62..2^62-1 seconds");
        assertThatThrownBy(() -> w.add(new FifoEntry(b("c"), new EntryMeta(0, -1, 0, 0, 0, 0, 0, 0))))
                .hasMessage("archive entry refused: c: uid or gid outside 0..2^32-1");
        assertThatThrownBy(() -> w.add(new FileEntry(b("c"), PLAIN, 0, 0, new byte[31])))
                .hasMessage("archive entry refused: c: SHA-256 of 31 bytes");
        assertThatThrownBy(() -> w.add(new FileEntry(b("c"), PLAIN, -1, 0, new byte[32])))
                .hasMessage("archive entry refused: c: negative size or payload offset");
        assertThatThrownBy(() -> w.add(new HardlinkEntry(b("c"), PLAIN, b("b"))))
                .hasMessage("archive entry refused: hard link c points to no earlier entry (b; a directory or hard link does not count)");
        w.add(file("c", 0, 0)); // the refusals changed nothing
        w.finish(0);
        assertThatThrownBy(() -> w.add(file("d", 0, 0))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> w.finish(0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void writerBuffersAndPropagatesErrors() {
        List<Integer> writes = new ArrayList<>();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        OutputStream counting = new OutputStream() {
            @Override
            public void write(int b) {
                throw new AssertionError("single-byte write");
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writes.add(len);
                sink.write(b, off, len);
            }
        };
        List<ArchiveEntry> entries = new ArrayList<>();
        entries.add(root());
        for (int i = 0; i < 5000; i++) {
            entries.add(new FileEntry(b(String.format("f%05d", i)), META, 1, i, sha(i)));
        }
        try (ArchiveWriter w = new ArchiveWriter(counting)) {
            entries.forEach(w::add);
            assertThat(w.count()).isEqualTo(5001);
            w.finish(5000);
        }
        assertThat(writes.size()).isBetween(2, 20);
        assertThat(writes.subList(0, writes.size() - 1)).allMatch(n -> n >= 64 << 10);
        assertThat(ArchiveReader.readAll(sink.toByteArray(), 5000)).containsExactlyElementsOf(entries);

        OutputStream failing = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("disk full");
            }
        };
        ArchiveWriter w = new ArchiveWriter(failing);
        w.add(root());
        assertThatThrownBy(() -> w.finish(0)).isInstanceOf(java.io.UncheckedIOException.class);
        assertThatThrownBy(() -> w.add(dir("a"))).isInstanceOf(IllegalStateException.class)
                .hasMessage("an earlier write of this archive failed");
    }

    @Test
    void readErrorsAreNotCorruption() {
        InputStream broken = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("connection reset");
            }
        };
        try (ArchiveReader r = new ArchiveReader(broken, 0)) {
            assertThatThrownBy(r::next).isExactlyInstanceOf(CofferException.class)
                    .hasMessage("archive: cannot read the meta stream at byte 0: connection reset")
                    .hasCauseInstanceOf(IOException.class);
            assertThatThrownBy(r::next).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void displayPaths() {
        assertThat(ArchiveEntry.display(b("plain/ascii é ✓ 😀"))).isEqualTo("plain/ascii é ✓ 😀");
        assertThat(ArchiveEntry.display(new byte[] {'a', (byte) 0xff, (byte) 0xfe})).isEqualTo("a\\xff\\xfe");
        assertThat(ArchiveEntry.display(new byte[] {'a', '\n', 0x1b, '[', 0x7f})).isEqualTo("a\\x0a\\x1b[\\x7f");
        assertThat(ArchiveEntry.display(new byte[] {(byte) 0xc2, (byte) 0x9b, (byte) 0xc2, (byte) 0xa0}))
                .isEqualTo("\\xc2\\x9b\u00a0"); // C1 control shown as bytes, no-break space kept
        assertThat(ArchiveEntry.display(new byte[] {(byte) 0xc0, (byte) 0xaf})).isEqualTo("\\xc0\\xaf"); // overlong
        assertThat(ArchiveEntry.display(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80})).isEqualTo("\\xed\\xa0\\x80");
        assertThat(ArchiveEntry.display(new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}))
                .isEqualTo("\\xf4\\x90\\x80\\x80"); // above U+10FFFF
        assertThat(ArchiveEntry.display(new byte[] {(byte) 0xe2, (byte) 0x9c})).isEqualTo("\\xe2\\x9c"); // cut short
        assertThat(ArchiveEntry.display(new byte[] {(byte) 0xe2, (byte) 0x9c, 'x'})).isEqualTo("\\xe2\\x9cx");
        assertThat(dir("d").displayPath()).isEqualTo("d");
        assertThat(root().toString()).startsWith("DirEntry[(root), mode 0755");
    }

    @Test
    void valueSemantics() {
        FileEntry a = new FileEntry(b("f"), META, 1, 2, sha(1));
        FileEntry same = new FileEntry(b("f"), new EntryMeta(META.mode(), META.uid(), META.gid(), META.mtimeSec(),
                META.mtimeNsec(), META.ctimeSec(), META.ctimeNsec(), META.inode(), List.copyOf(META.xattrs())), 1, 2, sha(1));
        assertThat(a).isEqualTo(same).hasSameHashCodeAs(same);
        assertThat(a).isNotEqualTo(new FileEntry(b("f"), META, 1, 2, sha(2)));
        assertThat(a).isNotEqualTo(new FifoEntry(b("f"), META));
        assertThat(new DeviceEntry(b("d"), PLAIN, true, 1, 2)).isNotEqualTo(new DeviceEntry(b("d"), PLAIN, false, 1, 2));
        assertThat(a.mode()).isEqualTo(0755);
        assertThat(a.mtimeNsec()).isEqualTo(123_456_789);
        assertThat(a.xattrs()).hasSize(2);
    }

    @Test
    void sipHashKnownAnswers() {
        // the reference vectors: key 00..0f, messages 00..(n-1)
        long k0 = 0x0706050403020100L;
        long k1 = 0x0f0e0d0c0b0a0908L;
        assertThat(EntryRules.SipHash.hash(k0, k1, new byte[0])).isEqualTo(0x726fdb47dd0e0e31L);
        byte[] m = new byte[15];
        for (int i = 0; i < m.length; i++) {
            m[i] = (byte) i;
        }
        assertThat(EntryRules.SipHash.hash(k0, k1, m)).isEqualTo(0xa129ca6149be45e5L);
        EntryRules.LongSet set = new EntryRules.LongSet();
        for (long v = -500; v < 500_000; v += 3) {
            set.add(v * 0x9e3779b97f4a7c15L);
        }
        for (long v = -500; v < 500_000; v++) {
            assertThat(set.contains(v * 0x9e3779b97f4a7c15L)).isEqualTo(Math.floorMod(v + 500, 3) == 0);
        }
    }

    static void assertRefused(byte[] stream, String message) {
        assertRefused(stream, trailerPayload(stream), message);
    }

    static void assertRefused(byte[] stream, long payload, String message) {
        assertThatThrownBy(() -> ArchiveReader.readAll(stream, payload)).isInstanceOf(CorruptDataException.class)
                .hasMessage(message);
    }

    /** The payload size our raw streams claim: the last byte (all tests use sizes below 128). */
    static long trailerPayload(byte[] stream) {
        return stream[stream.length - 1];
    }

    /** Returns one byte per read. */
    static final class TrickleInputStream extends InputStream {
        private final ByteArrayInputStream in;

        TrickleInputStream(byte[] b) {
            in = new ByteArrayInputStream(b);
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            return in.read(b, off, Math.min(len, 1));
        }
    }
}
