package dev.coffer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coffer.client.fs.BytePaths;
import dev.coffer.client.fs.Posix;
import dev.coffer.client.fs.Stat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import dev.coffer.core.format.Index;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Metadata change detection: unchanged files are not read, yet every snapshot restores exactly. */
class ChangeDetectionTest {
    @TempDir
    Path tmp;

    private Cli.Result ok(String... args) {
        Cli.Result r = Cli.run(args);
        assertThat(r.code()).as(r.toString()).isZero();
        return r;
    }

    @Test
    void unchangedFilesAreReferencedNotReadAndEverythingRestores() throws Exception {
        Path src = tmp.resolve("src");
        for (int i = 0; i < 30; i++) {
            Trees.write(src.resolve("d" + (i % 3) + "/f" + i), Trees.random(i, 1000 + i * 9000));
        }
        Path ds = tmp.resolve("ds");
        Path key = tmp.resolve("k.json");
        ok("key", "create", "--kdf", "none", "--keyfile", key.toString());
        String[] common = {"--repository", ds.toString(), "--keyfile", key.toString()};
        Cli.Result first = ok(concat(new String[] {"backup", "s.cfar:" + src, "--chunk-size", "64K"}, common));
        assertThat(first.out()).doesNotContain("unchanged");
        Path firstCopy = tmp.resolve("first-restored");
        ok(concat(new String[] {"restore", "latest", "s.cfar", firstCopy.toString(), "--quiet"}, common));

        long expectedRead = 0;
        // same size, new bytes, and the old mtime put back: only ctime tells
        Path sneaky = src.resolve("d1/f4");
        Stat before = Posix.lstat(BytePaths.of(sneaky.toString()));
        byte[] b = Files.readAllBytes(sneaky);
        b[10] ^= 1;
        Files.write(sneaky, b);
        Posix.setTimes(BytePaths.of(sneaky.toString()), before.mtimeSec(), before.mtimeNsec(), before.mtimeSec(),
                before.mtimeNsec(), true);
        expectedRead += b.length;
        // plain rewrite, an append, two deletions, two new files, one rename
        Files.write(src.resolve("d0/f0"), Trees.random(100, 1000));
        expectedRead += 1000;
        Files.write(src.resolve("d2/f5"), new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
        expectedRead += Files.size(src.resolve("d2/f5"));
        Files.delete(src.resolve("d0/f3"));
        Files.delete(src.resolve("d1/f7"));
        Trees.write(src.resolve("d0/new1"), Trees.random(101, 5000));
        Trees.write(src.resolve("new2"), Trees.random(102, 7000));
        expectedRead += 12000;
        Files.move(src.resolve("d2/f8"), src.resolve("d2/f8-renamed"));
        expectedRead += Files.size(src.resolve("d2/f8-renamed"));

        Cli.Result second = ok(concat(new String[] {"backup", "s.cfar:" + src, "--chunk-size", "64K"}, common));
        assertThat(second.out()).contains("files 30 (24 unchanged").contains("read " + Units.bytes(expectedRead));
        Path out = tmp.resolve("second-restored");
        ok(concat(new String[] {"restore", "latest", "s.cfar", out.toString(), "--quiet"}, common));
        Trees.assertSameTree(src, out);

        // the first snapshot is untouched by all this
        Path again = tmp.resolve("first-again");
        var list = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                ok("snapshots", "--output-format", "json", "--repository", ds.toString()).out());
        ok(concat(new String[] {"restore", list.get(0).get("snapshot").asText(), "s.cfar", again.toString(), "--quiet"}, common));
        Trees.assertSameTree(firstCopy, again);
        assertThat(ok("verify", "--decrypt", "--repository", ds.toString(), "--keyfile", key.toString()).out())
                .contains("verified 2 snapshots");

        // a third backup with nothing changed reads nothing, and data mode reads everything
        Cli.Result third = ok(concat(new String[] {"backup", "s.cfar:" + src, "--chunk-size", "64K"}, common));
        assertThat(third.out()).contains("files 30 (30 unchanged").contains("read 0 B").contains("new 0 B in 0 chunks")
                .contains(", nothing new").doesNotContain("dedup"); // not a factor of a division by zero
        Cli.Result data = ok(concat(new String[] {"backup", "s.cfar:" + src, "--chunk-size", "64K", "--change-detection", "data"}, common));
        assertThat(data.out()).doesNotContain("unchanged").contains("read " + Units.bytes(Trees.sizeOf(src)));
        Path last = tmp.resolve("third-restored");
        ok(concat(new String[] {"restore", "latest", "s.cfar", last.toString(), "--quiet"}, common));
        Trees.assertSameTree(src, last);
    }

    @Test
    void namesThatSortAroundTheSlashAreAllFoundUnchanged() throws Exception {
        // the previous snapshot is read in step with the walk: "a/..." comes before "a-b" and "a.c" there
        Path src = tmp.resolve("src");
        List<String> names = List.of("a/x", "a/x-1", "a/x.2/q", "a/y/z", "a-b", "a.c", "a0/k", "b", "\u00e9/e");
        for (int i = 0; i < names.size(); i++) {
            Trees.write(src.resolve(names.get(i)), Trees.random(i, 500 + i));
        }
        Path ds = tmp.resolve("ds");
        String[] common = {"--repository", ds.toString(), "--keyfile", tmp.resolve("k.json").toString()};
        ok("key", "create", "--kdf", "none", "--keyfile", tmp.resolve("k.json").toString());
        ok(concat(new String[] {"backup", "s.cfar:" + src}, common));
        assertThat(ok(concat(new String[] {"backup", "s.cfar:" + src}, common)).out())
                .contains("files 9 (9 unchanged").contains("read 0 B");
    }

    @Test
    void aPreviousSnapshotUnreadablePartWayServesUpToThereAndTheRestIsRead() throws Exception {
        Path src = tmp.resolve("src");
        // 3,000 entries make more meta stream than the largest 64K-average chunk (256 KiB), whatever the key
        for (int i = 0; i < 3000; i++) {
            Trees.write(src.resolve(String.format("d%02d/file-with-a-longer-name-%04d", i / 100, i)), Trees.random(i, 100));
        }
        Path ds = tmp.resolve("ds");
        String[] common = {"--repository", ds.toString(), "--keyfile", tmp.resolve("k.json").toString()};
        ok("key", "create", "--kdf", "none", "--keyfile", tmp.resolve("k.json").toString());
        ok(concat(new String[] {"backup", "s.cfar:" + src, "--chunk-size", "64K", "--backup-id", "h"}, common));
        Path snapshot;
        try (var snaps = Files.list(ds.resolve("host/h"))) {
            snapshot = snaps.filter(p -> !p.getFileName().toString().startsWith(".")).findFirst().orElseThrow();
        }
        Index meta = Index.parse(Files.readAllBytes(snapshot.resolve("s.cfar.meta.cidx")));
        assertThat(meta.chunkCount()).as("meta chunks").isGreaterThanOrEqualTo(2);
        String last = meta.id(meta.chunkCount() - 1).hex();
        Path chunk = ds.resolve(".chunks").resolve(last.substring(0, 4)).resolve(last);
        byte[] b = Files.readAllBytes(chunk);
        b[40] ^= 1;
        Files.write(chunk, b);

        Cli.Result second = ok(concat(new String[] {"backup", "s.cfar:" + src, "--chunk-size", "64K", "--backup-id", "h"}, common));
        assertThat(second.err()).contains("cannot serve further as a base for change detection")
                .contains("reading the remaining files");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("files 3,?000 \\(([0-9,]+) unchanged").matcher(second.out());
        assertThat(m.find()).as(second.out()).isTrue();
        int unchanged = Integer.parseInt(m.group(1).replace(",", ""));
        assertThat(unchanged).as("the entries before the damaged chunk were used").isBetween(1, 2999);
        assertThat(second.out()).contains("read " + Units.bytes(100L * (3000 - unchanged)));
    }

    @Test
    void extendedAttributeChangesAreSeenWhileUnchangedOnesAreCarriedOver() throws Exception {
        Path src = tmp.resolve("src");
        Trees.write(src.resolve("d/kept"), Trees.random(1, 3000));
        Trees.write(src.resolve("d/changed"), Trees.random(2, 3000));
        Trees.write(src.resolve("d/dropped"), Trees.random(3, 3000));
        byte[] dir = BytePaths.of(src.resolve("d").toString());
        byte[] kept = BytePaths.of(src.resolve("d/kept").toString());
        byte[] changed = BytePaths.of(src.resolve("d/changed").toString());
        byte[] dropped = BytePaths.of(src.resolve("d/dropped").toString());
        byte[] name = BytePaths.of("user.tag");
        try {
            Posix.setXattr(dir, name, new byte[] {'d'});
        } catch (dev.coffer.client.fs.FsException e) {
            org.junit.jupiter.api.Assumptions.abort("no user xattrs on this filesystem: " + e.getMessage());
        }
        Posix.setXattr(kept, name, new byte[] {'k'});
        Posix.setXattr(changed, name, new byte[] {'1'});
        Posix.setXattr(dropped, name, new byte[] {'x'});
        Path ds = tmp.resolve("ds");
        Path key = tmp.resolve("k.json");
        ok("key", "create", "--kdf", "none", "--keyfile", key.toString());
        String[] common = {"--repository", ds.toString(), "--keyfile", key.toString()};
        ok(concat(new String[] {"backup", "s.cfar:" + src}, common));

        // a new value and a removal, contents and mtimes untouched: only the ctime moves
        awaitLaterCtime(changed, dropped);
        Posix.setXattr(changed, name, new byte[] {'2', '2'});
        Posix.removeXattr(dropped, name);
        Cli.Result second = ok(concat(new String[] {"backup", "s.cfar:" + src}, common));
        // the ctime also makes the two files count as changed, so they are read again
        assertThat(second.out()).contains("files 3 (1 unchanged").contains("read " + Units.bytes(6000));
        Path out = tmp.resolve("restored");
        ok(concat(new String[] {"restore", "latest", "s.cfar", out.toString(), "--quiet"}, common));
        assertThat(Posix.getXattr(BytePaths.of(out.resolve("d").toString()), name)).containsExactly('d');
        assertThat(Posix.getXattr(BytePaths.of(out.resolve("d/kept").toString()), name)).containsExactly('k');
        assertThat(Posix.getXattr(BytePaths.of(out.resolve("d/changed").toString()), name)).containsExactly('2', '2');
        assertThat(Posix.listXattrs(BytePaths.of(out.resolve("d/dropped").toString()))).isEmpty();
        Trees.assertSameTree(src, out);
    }

    /**
     * Waits until a file changed now gets a later ctime than each of {@code paths} has. File times come from a
     * clock that advances in ticks (a few milliseconds with coarse kernel timestamps), and a change made in the
     * same tick as the one a backup recorded leaves the ctime as it was: not a change metadata detection can see.
     */
    private void awaitLaterCtime(byte[]... paths) throws Exception {
        byte[] probe = BytePaths.of(tmp.resolve("ctime-probe").toString());
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (byte[] path : paths) {
            Stat recorded = Posix.lstat(path);
            while (true) {
                Files.write(tmp.resolve("ctime-probe"), new byte[1]);
                Stat now = Posix.lstat(probe);
                if (now.ctimeSec() > recorded.ctimeSec()
                        || now.ctimeSec() == recorded.ctimeSec() && now.ctimeNsec() > recorded.ctimeNsec()) {
                    break;
                }
                assertThat(System.nanoTime()).as("file times advance").isLessThan(deadline);
                Thread.sleep(1);
            }
        }
        Files.delete(tmp.resolve("ctime-probe"));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
