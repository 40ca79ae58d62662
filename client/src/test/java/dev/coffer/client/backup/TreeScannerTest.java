package dev.coffer.client.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.client.fs.BytePaths;
import dev.coffer.client.fs.DirWalker;
import dev.coffer.core.CofferException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeScannerTest {
    @TempDir
    static Path tmp;

    /** A tree with more entries than the scanner may hold ahead, so the queue fills and drains many times. */
    @BeforeAll
    static void bigTree() throws Exception {
        for (int d = 0; d < 6; d++) {
            Path dir = Files.createDirectories(tmp.resolve("d" + d).resolve("sub"));
            for (int i = 0; i < TreeScanner.AHEAD / 4; i++) {
                Files.createFile(dir.resolve("f" + i));
            }
        }
        Files.writeString(tmp.resolve("a.txt"), "x");
        Files.createSymbolicLink(tmp.resolve("link"), Path.of("d0/sub/f1"));
        Files.createDirectories(tmp.resolve("skip/deep"));
        Files.createFile(tmp.resolve("skip/deep/file"));
    }

    private List<String> drain(TreeScanner s) {
        List<String> out = new ArrayList<>();
        for (TreeScanner.Item i; (i = s.next()) != null; ) {
            assertThat(i.problem()).isNull();
            assertThat(BytePaths.display(i.path())).isEqualTo(
                    i.rel().length == 0 ? tmp.toString() : tmp.resolve(BytePaths.display(i.rel())).toString());
            out.add(BytePaths.display(i.rel()) + ":" + i.stat().fileType()
                    + (i.linkTarget() == null ? "" : "->" + new String(i.linkTarget(), StandardCharsets.UTF_8)));
        }
        return out;
    }

    @Test
    void handsOverEveryEntryInArchiveOrderThroughABoundedQueue() throws Exception {
        List<String> expected = new ArrayList<>();
        DirWalker.walk(BytePaths.of(tmp), true, e -> {
            expected.add(BytePaths.display(e.relativePath()) + ":" + e.stat().fileType()
                    + (BytePaths.display(e.relativePath()).equals("link") ? "->d0/sub/f1" : ""));
            return true;
        });
        assertThat(expected).hasSizeGreaterThan(TreeScanner.AHEAD);
        try (TreeScanner s = TreeScanner.start(BytePaths.of(tmp), new Excludes(List.of()))) {
            List<String> got = drain(s);
            assertThat(got).isEqualTo(expected);
            assertThat(got.getFirst()).isEqualTo(":DIRECTORY");
            assertThat(s.next()).as("stays at the end").isNull();
        }
    }

    @Test
    void excludedEntriesAndEverythingBelowThemAreLeftOut() throws Exception {
        try (TreeScanner s = TreeScanner.start(BytePaths.of(tmp), new Excludes(List.of("skip", "f1*", "/d2")))) {
            List<String> got = drain(s);
            assertThat(got).contains("a.txt:FILE", "link:SYMLINK->d0/sub/f1", "d0/sub/f0:FILE", "d3/sub:DIRECTORY")
                    .noneMatch(p -> p.startsWith("skip") || p.matches("[^:]*/f1.*") || p.startsWith("d2"));
            // root, a.txt, link; d0, d1, d3, d4, d5 with their sub; in each sub the 1024 files but f1, f10..f19,
            // f100..f199 and f1000..f1023
            assertThat(TreeScanner.AHEAD / 4).isEqualTo(1024);
            assertThat(got).hasSize(3 + 5 * 2 + 5 * (1024 - 1 - 10 - 100 - 24));
        }
    }

    @Test
    void closingMidWayStopsTheWalkingThread() throws Exception {
        TreeScanner s = TreeScanner.start(BytePaths.of(tmp), new Excludes(List.of()));
        assertThat(s.next().rel()).isEmpty();
        Thread.sleep(200); // let it fill the queue and block
        s.close();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("coffer-walk") && t.isAlive());
    }

    @Test
    void anUnreadableDirectoryIsReportedAsStoredWithoutItsContents(@TempDir Path own) throws Exception {
        Path locked = Files.createDirectories(own.resolve("locked"));
        Files.createFile(locked.resolve("inside"));
        Files.createFile(own.resolve("next"));
        Files.setPosixFilePermissions(locked, java.util.Set.of());
        try {
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(locked), "permissions do not bind here (root)");
            List<String> entries = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            try (TreeScanner s = TreeScanner.start(BytePaths.of(own), new Excludes(List.of()))) {
                for (TreeScanner.Item i; (i = s.next()) != null; ) {
                    if (i.problem() != null) {
                        problems.add(i.problem());
                    } else {
                        entries.add(BytePaths.display(i.rel()));
                    }
                }
            }
            assertThat(entries).containsExactly("", "locked", "next");
            assertThat(problems).singleElement().asString().endsWith("; the directory is stored without its contents")
                    .contains(locked.toString()).contains("Permission denied");
        } finally {
            Files.setPosixFilePermissions(locked, java.util.Set.of(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                    java.nio.file.attribute.PosixFilePermission.OWNER_WRITE,
                    java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE));
        }
    }

    @Test
    void aMissingRootOrOneThatIsNotADirectoryFailsTheBackup(@TempDir Path other) throws Exception {
        try (TreeScanner s = TreeScanner.start(BytePaths.of(other.resolve("missing")), new Excludes(List.of()))) {
            assertThatThrownBy(s::next).isExactlyInstanceOf(CofferException.class)
                    .hasMessage("cannot read source directory " + other.resolve("missing") + ": stat "
                            + other.resolve("missing") + ": No such file or directory");
        }
        try (TreeScanner s = TreeScanner.start(BytePaths.of(tmp.resolve("a.txt")), new Excludes(List.of()))) {
            assertThatThrownBy(s::next).isExactlyInstanceOf(CofferException.class)
                    .hasMessage(tmp.resolve("a.txt") + " is not a directory");
        }
    }
}
