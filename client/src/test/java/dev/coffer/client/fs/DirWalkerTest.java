package dev.coffer.client.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirWalkerTest {
    @TempDir
    Path tmp;

    private byte[] p(String rel) {
        return BytePaths.of(tmp.resolve(rel));
    }

    private void tree() throws Exception {
        Files.createDirectories(tmp.resolve("b/inner/deeper"));
        Files.createDirectories(tmp.resolve("a-dir"));
        Files.createDirectories(tmp.resolve("empty"));
        Files.write(tmp.resolve("b/inner/deeper/file"), new byte[] {1});
        Files.write(tmp.resolve("b/z"), new byte[10]);
        Files.write(tmp.resolve("a"), new byte[3]);
        Files.write(tmp.resolve("a-dir/x"), new byte[0]);
        Files.createSymbolicLink(tmp.resolve("b/link-to-a-dir"), tmp.resolve("a-dir"));
        Posix.close(Posix.createFile(BytePaths.join(p("b"), new byte[] {(byte) 0xff}), 0600, true, false));
    }

    private static List<String> walk(byte[] root, boolean oneFs, DirWalker.Visitor inner) {
        List<String> seen = new ArrayList<>();
        DirWalker.walk(root, oneFs, new DirWalker.Visitor() {
            @Override
            public boolean visit(DirWalker.Entry e) {
                seen.add(BytePaths.display(e.relativePath()) + ":" + e.stat().fileType() + ":" + e.depth());
                return inner.visit(e);
            }

            @Override
            public void failed(byte[] path, byte[] relativePath, FsException error) {
                inner.failed(path, relativePath, error);
            }
        });
        return seen;
    }

    @Test
    void visitsDepthFirstParentsBeforeChildrenSiblingsSortedBytewise() throws Exception {
        tree();
        List<String> seen = walk(BytePaths.of(tmp), false, e -> true);
        assertThat(seen).containsExactly(
                ":DIRECTORY:0",
                "a:FILE:1",
                "a-dir:DIRECTORY:1",
                "a-dir/x:FILE:2",
                "b:DIRECTORY:1",
                "b/inner:DIRECTORY:2",
                "b/inner/deeper:DIRECTORY:3",
                "b/inner/deeper/file:FILE:4",
                "b/link-to-a-dir:SYMLINK:2",
                "b/z:FILE:2",
                "b/\\xff:FILE:2",
                "empty:DIRECTORY:1");
    }

    @Test
    void entriesCarryFullPathNameAndLstat() throws Exception {
        tree();
        List<DirWalker.Entry> entries = new ArrayList<>();
        DirWalker.walk(BytePaths.of(tmp), false, e -> entries.add(e));
        DirWalker.Entry root = entries.getFirst();
        assertThat(root.isRoot()).isTrue();
        assertThat(root.path()).isEqualTo(BytePaths.of(tmp));
        assertThat(root.name()).isEmpty();
        for (DirWalker.Entry e : entries.subList(1, entries.size())) {
            assertThat(e.path()).isEqualTo(BytePaths.join(BytePaths.of(tmp), e.relativePath()));
            assertThat(e.stat()).isEqualTo(Posix.lstat(e.path()));
            byte[] rel = e.relativePath();
            assertThat(BytePaths.display(rel)).endsWith(BytePaths.display(e.name()));
        }
    }

    @Test
    void visitorCanSkipSubtrees() throws Exception {
        tree();
        List<String> seen = walk(BytePaths.of(tmp), false, e -> !BytePaths.display(e.relativePath()).equals("b"));
        assertThat(seen).contains("b:DIRECTORY:1").noneMatch(s -> s.startsWith("b/"));
        assertThat(seen).contains("a-dir/x:FILE:2", "empty:DIRECTORY:1");
    }

    @Test
    void aRootThatIsAFileOrASymlinkToADirectory() throws Exception {
        tree();
        assertThat(walk(p("a"), false, e -> true)).containsExactly(":FILE:0");
        assertThat(walk(p("b/link-to-a-dir"), false, e -> true)).containsExactly(":DIRECTORY:0", "x:FILE:1");
        assertThatThrownBy(() -> walk(p("missing"), false, e -> true))
                .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(FsException.ENOENT));
    }

    @Test
    void unreadableDirectoriesAreReportedAndSkipped() throws Exception {
        tree();
        Files.createDirectory(tmp.resolve("gone"));
        List<String> failures = new ArrayList<>();
        DirWalker.Visitor v = new DirWalker.Visitor() {
            @Override
            public boolean visit(DirWalker.Entry e) {
                if (BytePaths.display(e.relativePath()).equals("gone")) {
                    Posix.rmdir(e.path()); // vanishes between listing and reading
                }
                return true;
            }

            @Override
            public void failed(byte[] path, byte[] relativePath, FsException error) {
                failures.add(BytePaths.display(relativePath) + " " + error.errno());
            }
        };
        List<String> seen = walk(BytePaths.of(tmp), false, v);
        assertThat(failures).containsExactly("gone " + FsException.ENOENT);
        assertThat(seen).contains("gone:DIRECTORY:1", "empty:DIRECTORY:1");

        Files.createDirectory(tmp.resolve("gone"));
        assertThatThrownBy(() -> walk(BytePaths.of(tmp), false, e -> {
            if (BytePaths.display(e.relativePath()).equals("gone")) {
                Posix.rmdir(e.path());
            }
            return true;
        })).isInstanceOf(FsException.class).hasMessageContaining("gone");
    }

    @Test
    void aDirectoryReplacedAfterItWasStatedIsNotWalked() throws Exception {
        tree();
        List<String> failures = new ArrayList<>();
        List<String> seen = walk(BytePaths.of(tmp), false, new DirWalker.Visitor() {
            @Override
            public boolean visit(DirWalker.Entry e) {
                if (BytePaths.display(e.relativePath()).equals("a-dir")) {
                    Posix.rename(e.path(), p("elsewhere"));
                    Posix.mkdir(e.path(), 0700); // same name, another inode
                    Posix.close(Posix.createFile(BytePaths.join(e.path(), BytePaths.of("new")), 0600, true, false));
                }
                return true;
            }

            @Override
            public void failed(byte[] path, byte[] relativePath, FsException error) {
                failures.add(BytePaths.display(relativePath) + " " + error.errno());
            }
        });
        assertThat(failures).containsExactly("a-dir " + FsException.ESTALE);
        assertThat(seen).noneMatch(s -> s.startsWith("a-dir/"));
    }

    @Test
    void oneFileSystemVisitsMountPointsButDoesNotEnterThem() throws Exception {
        assumeThat(Posix.geteuid()).as("root, to mount").isZero();
        Files.createDirectories(tmp.resolve("mnt"));
        Files.write(tmp.resolve("before"), new byte[1]);
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", tmp.resolve("mnt").toString())
                .redirectErrorStream(true).start();
        mount.getInputStream().readAllBytes();
        assumeThat(mount.waitFor()).as("tmpfs can be mounted here").isZero();
        try {
            Files.write(tmp.resolve("mnt/inside"), new byte[1]);
            assertThat(walk(BytePaths.of(tmp), true, e -> true))
                    .containsExactly(":DIRECTORY:0", "before:FILE:1", "mnt:DIRECTORY:1");
            assertThat(walk(BytePaths.of(tmp), false, e -> true)).contains("mnt/inside:FILE:2");
        } finally {
            new ProcessBuilder("umount", tmp.resolve("mnt").toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    void deepTreesNeedNoDeepStack() throws Exception {
        byte[] dir = BytePaths.of(tmp);
        int depth = 300;
        for (int i = 0; i < depth; i++) {
            dir = BytePaths.join(dir, BytePaths.of("d"));
            Posix.mkdir(dir, 0700);
        }
        int[] count = {0, 0};
        DirWalker.walk(BytePaths.of(tmp), false, e -> {
            count[0]++;
            count[1] = Math.max(count[1], e.depth());
            return true;
        });
        assertThat(count[0]).isEqualTo(depth + 1);
        assertThat(count[1]).isEqualTo(depth);
    }
}
