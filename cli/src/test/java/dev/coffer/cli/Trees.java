package dev.coffer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coffer.client.fs.BytePaths;
import dev.coffer.client.fs.FileType;
import dev.coffer.client.fs.FsException;
import dev.coffer.client.fs.Posix;
import dev.coffer.client.fs.Stat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Builds source trees with every kind of entry, and compares trees exactly. */
final class Trees {
    static final byte[] NON_UTF8_NAME = {'n', 'a', 'm', 'e', '-', (byte) 0xff, (byte) 0xfe, '-', 'x'};
    static final String DISTINCTIVE = "Zebrafish-Quixotic-7741-Marmalade";

    private Trees() {
    }

    /**
     * A version-2 file capability: magic 0x02000000 with the effective flag, then permitted and inheritable
     * words for capabilities 0..31 and 32..63 (little-endian); CAP_NET_RAW is bit 13.
     */
    static final byte[] CAP_NET_RAW_EP = {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

    static boolean isRoot() {
        return Posix.geteuid() == 0;
    }

    static boolean hasSetfacl() {
        return Files.isExecutable(Path.of("/usr/bin/setfacl"));
    }

    static void write(Path p, byte[] data) throws IOException {
        Files.createDirectories(p.getParent());
        Files.write(p, data);
    }

    static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A tree holding every kind of entry a directory archive keeps. */
    static void everything(Path root) throws Exception {
        Files.createDirectories(root);
        write(root.resolve("hello.txt"), ("hello " + DISTINCTIVE + "\n").repeat(200).getBytes(StandardCharsets.UTF_8));
        write(root.resolve("empty"), new byte[0]);
        write(root.resolve("sub/deeper/random.bin"), random(1, 3 * 1024 * 1024 + 17));
        Files.createDirectories(root.resolve("empty-dir"));
        byte[] weird = BytePaths.join(BytePaths.of(root.resolve("sub").toString()), NON_UTF8_NAME);
        int fd = Posix.createFile(weird, 0640, true, false);
        byte[] weirdContent = ("not utf-8 " + DISTINCTIVE).getBytes(StandardCharsets.UTF_8);
        Posix.writeFully(fd, weirdContent, 0, weirdContent.length);
        Posix.close(fd);
        // permissions with special bits
        Path suid = root.resolve("setuid-tool");
        write(suid, "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8));
        Posix.chmod(BytePaths.of(suid.toString()), 04755);
        Path sticky = root.resolve("sticky");
        Files.createDirectories(sticky);
        Posix.chmod(BytePaths.of(sticky.toString()), 01777);
        Path ro = root.resolve("read-only.txt");
        write(ro, "ro".getBytes(StandardCharsets.UTF_8));
        Posix.chmod(BytePaths.of(ro.toString()), 0444);
        // links
        Files.createSymbolicLink(root.resolve("link-rel"), Path.of("hello.txt"));
        Files.createSymbolicLink(root.resolve("link-dangling"), Path.of("/nonexistent/target"));
        Files.createSymbolicLink(root.resolve("sub/link-dir"), Path.of("deeper"));
        Files.createLink(root.resolve("hard-b"), root.resolve("hello.txt"));
        Files.createLink(root.resolve("sub/hard-c"), root.resolve("hello.txt"));
        // sparse: 1 MiB data, 30 MiB hole, 1 MiB data, 8 MiB hole at the end
        Path sparse = root.resolve("sparse.img");
        try (var ch = java.nio.channels.FileChannel.open(sparse, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(random(2, 1 << 20)), 0);
            ch.write(java.nio.ByteBuffer.wrap(random(3, 1 << 20)), 31L << 20);
            ch.truncate(40L << 20);
        }
        try (var ch = java.nio.channels.FileChannel.open(sparse, java.nio.file.StandardOpenOption.WRITE)) {
            // make the length 40 MiB with a trailing hole
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {0}), (40L << 20) - 1);
        }
        // special files
        Posix.mkfifo(BytePaths.of(root.resolve("fifo").toString()), 0620);
        // hard links to a FIFO and to a symlink, not only to regular files
        Files.createLink(root.resolve("fifo-link"), root.resolve("fifo"));
        Posix.link(BytePaths.of(root.resolve("link-dangling").toString()), BytePaths.of(root.resolve("sub/symlink-hardlink").toString()));
        if (isRoot()) {
            Posix.mknod(BytePaths.of(root.resolve("null-dev").toString()), FileType.CHAR_DEVICE, 0666, 1, 3);
            Posix.lchown(BytePaths.of(root.resolve("hello.txt").toString()), 1234, 5678);
            Posix.lchown(BytePaths.of(root.resolve("link-rel").toString()), 4321, 8765);
            // a file capability (cap_net_raw+ep, as ping has): a change of owner clears it, so a restore
            // that sets extended attributes before the owner loses it; this one is owned by someone else
            Path ping = root.resolve("ping-like");
            write(ping, "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8));
            Posix.chmod(BytePaths.of(ping.toString()), 0755);
            Posix.lchown(BytePaths.of(ping.toString()), 2345, 6789);
            try {
                Posix.setXattr(BytePaths.of(ping.toString()), BytePaths.of("security.capability"), CAP_NET_RAW_EP);
            } catch (FsException e) {
                // no file capabilities on this filesystem: the comparison covers the rest
            }
        }
        // extended attributes and ACLs (when the filesystem has them)
        byte[] hello = BytePaths.of(root.resolve("sub/deeper/random.bin").toString());
        try {
            Posix.setXattr(hello, BytePaths.of("user.comment"), ("xattr " + DISTINCTIVE).getBytes(StandardCharsets.UTF_8));
            Posix.setXattr(hello, BytePaths.of("user.binary"), new byte[] {0, 1, 2, (byte) 0xff});
        } catch (FsException e) {
            // no user xattrs on this filesystem: the comparison still covers whatever exists
        }
        if (hasSetfacl()) {
            Process p = new ProcessBuilder("setfacl", "-m", "u:4242:rw-,g:4343:r--",
                    root.resolve("empty").toString()).inheritIO().start();
            p.waitFor();
            Process d = new ProcessBuilder("setfacl", "-d", "-m", "u:4242:rwx", root.resolve("sub").toString())
                    .inheritIO().start();
            d.waitFor();
        }
        // nanosecond mtimes everywhere we can, set last, directories after their contents
        setTimes(root.resolve("hello.txt"), 1_600_000_000L, 123_456_789);
        setTimes(root.resolve("empty"), -86_400L * 365, 1);
        setTimes(root.resolve("link-rel"), 1_500_000_000L, 999_999_999);
        setTimes(root.resolve("sub/deeper"), 1_700_000_000L, 5);
        setTimes(root.resolve("sub"), 1_700_000_001L, 500_000_000);
    }

    static void setTimes(Path p, long sec, int nsec) {
        Posix.setTimes(BytePaths.of(p.toString()), sec, nsec, sec, nsec, true);
    }

    /** A description of one entry with everything a restore must preserve (not atime, ctime or inode). */
    record Node(String path, FileType type, int mode, long uid, long gid, long size, long mtimeSec, int mtimeNsec,
            String content, String link, long rdevMajor, long rdevMinor, Map<String, String> xattrs, int linkGroup) {
    }

    static List<Node> describe(Path root) {
        List<Node> out = new ArrayList<>();
        Map<Long, Integer> groups = new HashMap<>();
        walk(BytePaths.of(root.toString()), new byte[0], out, groups);
        return out;
    }

    private static void walk(byte[] dir, byte[] rel, List<Node> out, Map<Long, Integer> groups) {
        Stat st = Posix.lstat(dir);
        out.add(node(dir, rel, st, groups));
        if (st.fileType() != FileType.DIRECTORY) {
            return;
        }
        for (byte[] name : Posix.listDir(dir)) {
            walk(BytePaths.join(dir, name), rel.length == 0 ? name : BytePaths.join(rel, name), out, groups);
        }
    }

    private static Node node(byte[] path, byte[] rel, Stat st, Map<Long, Integer> groups) {
        String content = null;
        String link = null;
        if (st.fileType() == FileType.FILE) {
            content = sha256(path);
        } else if (st.fileType() == FileType.SYMLINK) {
            link = BytePaths.display(Posix.readlink(path));
        }
        Map<String, String> x = new java.util.TreeMap<>();
        for (byte[] n : Posix.listXattrs(path)) {
            x.put(BytePaths.display(n), java.util.HexFormat.of().formatHex(Posix.getXattr(path, n)));
        }
        int group = 0;
        if (st.fileType() != FileType.DIRECTORY && st.nlink() > 1) {
            group = groups.computeIfAbsent(st.inode(), k -> groups.size() + 1);
        }
        return new Node(BytePaths.display(rel), st.fileType(), st.mode(), st.uid(), st.gid(),
                st.fileType() == FileType.FILE ? st.size() : 0, st.mtimeSec(), st.mtimeNsec(), content, link,
                st.rdevMajor(), st.rdevMinor(), x, group);
    }

    private static String sha256(byte[] path) {
        try {
            var md = java.security.MessageDigest.getInstance("SHA-256");
            int fd = Posix.openRead(path);
            try {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = Posix.read(fd, buf, 0, buf.length)) > 0) {
                    md.update(buf, 0, n);
                }
            } finally {
                Posix.close(fd);
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Asserts that two trees are equal in everything a restore preserves. */
    static void assertSameTree(Path expected, Path actual) {
        List<Node> a = describe(expected);
        List<Node> b = describe(actual);
        assertThat(b).as("restored tree").containsExactlyElementsOf(a);
    }

    /** Every regular file's bytes under root, for scanning. */
    static List<Path> allFiles(Path root) throws IOException {
        try (var s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    static long sizeOf(Path root) throws IOException {
        long total = 0;
        for (Path p : allFiles(root)) {
            total += Files.size(p);
        }
        return total;
    }

    static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    static boolean sameBytes(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }
}
