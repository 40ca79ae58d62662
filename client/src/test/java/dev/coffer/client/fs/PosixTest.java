package dev.coffer.client.fs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PosixTest {
    private static final byte[] NON_UTF8 = {'a', (byte) 0xff, (byte) 0xfe};

    @TempDir
    Path tmp;

    private byte[] p(String name) {
        return BytePaths.of(tmp.resolve(name));
    }

    private byte[] p(byte[] name) {
        return BytePaths.join(BytePaths.of(tmp), name);
    }

    private static boolean root() {
        return Posix.geteuid() == 0;
    }

    private static void writeFile(byte[] path, byte[] content) {
        int fd = Posix.createFile(path, 0644, true, false);
        try {
            Posix.writeFully(fd, content, 0, content.length);
        } finally {
            Posix.close(fd);
        }
    }

    private static byte[] readFile(byte[] path) {
        int fd = Posix.openRead(path);
        try {
            byte[] all = new byte[0];
            byte[] buf = new byte[7000];
            int n;
            while ((n = Posix.read(fd, buf, 0, buf.length)) > 0) {
                byte[] grown = Arrays.copyOf(all, all.length + n);
                System.arraycopy(buf, 0, grown, all.length, n);
                all = grown;
            }
            return all;
        } finally {
            Posix.close(fd);
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process pr = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes(), UTF_8);
        assertThat(pr.waitFor()).as("%s: %s", String.join(" ", command), out).isZero();
        return out;
    }

    // ------------------------------------------------------------------ stat

    @Test
    void lstatMatchesJavaNioForEveryKindOfEntry() throws Exception {
        Path file = Files.write(tmp.resolve("file"), "hello world".getBytes(UTF_8));
        Files.setLastModifiedTime(file, FileTime.from(Instant.ofEpochSecond(1_600_000_000L, 123_456_789)));
        Files.createLink(tmp.resolve("file-link"), file);
        Path dir = Files.createDirectory(tmp.resolve("dir"));
        Path symlink = Files.createSymbolicLink(tmp.resolve("symlink"), Path.of("file"));
        Posix.mkfifo(p("fifo"), 0640);

        for (Path path : List.of(file, dir, symlink, tmp.resolve("fifo"))) {
            Map<String, Object> nio = Files.readAttributes(path, "unix:*", LinkOption.NOFOLLOW_LINKS);
            Stat st = Posix.lstat(BytePaths.of(path));
            int nioMode = (Integer) nio.get("mode");
            assertThat(st.rawMode()).as("mode of %s", path).isEqualTo(nioMode);
            assertThat(st.mode()).isEqualTo(nioMode & 07777);
            assertThat(st.inode()).isEqualTo((Long) nio.get("ino"));
            assertThat(st.dev()).isEqualTo((Long) nio.get("dev"));
            assertThat(st.uid()).isEqualTo(((Integer) nio.get("uid")).longValue());
            assertThat(st.gid()).isEqualTo(((Integer) nio.get("gid")).longValue());
            assertThat(st.size()).isEqualTo((Long) nio.get("size"));
            assertThat(st.nlink()).isEqualTo(((Integer) nio.get("nlink")).longValue());
            Instant mtime = ((FileTime) nio.get("lastModifiedTime")).toInstant();
            assertThat(Instant.ofEpochSecond(st.mtimeSec(), st.mtimeNsec())).isEqualTo(mtime);
            Instant ctime = ((FileTime) nio.get("ctime")).toInstant();
            assertThat(Instant.ofEpochSecond(st.ctimeSec(), st.ctimeNsec())).isEqualTo(ctime);
        }
        assertThat(Posix.lstat(BytePaths.of(file)).fileType()).isEqualTo(FileType.FILE);
        assertThat(Posix.lstat(BytePaths.of(file)).mtimeNsec()).isEqualTo(123_456_789);
        assertThat(Posix.lstat(BytePaths.of(file)).nlink()).isEqualTo(2);
        assertThat(Posix.lstat(BytePaths.of(dir)).fileType()).isEqualTo(FileType.DIRECTORY);
        assertThat(Posix.lstat(BytePaths.of(symlink)).fileType()).isEqualTo(FileType.SYMLINK);
        assertThat(Posix.lstat(BytePaths.of(symlink)).size()).isEqualTo(4); // "file"
        assertThat(Posix.stat(BytePaths.of(symlink)).inode()).isEqualTo(Posix.lstat(BytePaths.of(file)).inode());
        assertThat(Posix.lstat(p("fifo")).fileType()).isEqualTo(FileType.FIFO);
    }

    @Test
    void fstatAndLstatAtDescribeTheSameEntry() {
        writeFile(p("f"), new byte[5000]);
        Stat byPath = Posix.lstat(p("f"));
        int fd = Posix.openRead(p("f"));
        try {
            assertThat(Posix.fstat(fd)).isEqualTo(byPath);
        } finally {
            Posix.close(fd);
        }
        int dirFd = Posix.openDir(BytePaths.of(tmp));
        try {
            assertThat(Posix.lstatAt(dirFd, BytePaths.of("f"))).isEqualTo(byPath);
            assertThat(Posix.listDir(dirFd)).containsExactly(BytePaths.of("f"));
        } finally {
            Posix.close(dirFd);
        }
    }

    @Test
    void missingPathFailsWithErrnoAndReadableMessage() {
        byte[] missing = p(NON_UTF8);
        assertThatThrownBy(() -> Posix.lstat(missing))
                .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(FsException.ENOENT))
                .hasMessage("lstat " + tmp + "/a\\xff\\xfe: No such file or directory");
        assertThatThrownBy(() -> Posix.listDir(missing)).isInstanceOf(FsException.class)
                .hasMessageContaining("No such file or directory");
        assertThatThrownBy(() -> Posix.openRead(missing)).isInstanceOf(FsException.class)
                .hasMessageContaining(BytePaths.display(missing));
    }

    @Test
    void pathsWithNulBytesAreRefusedNotTruncated() {
        writeFile(p("x"), new byte[1]);
        byte[] sneaky = BytePaths.join(BytePaths.of(tmp), new byte[] {'x', 0, 'y'});
        assertThatThrownBy(() -> Posix.lstat(sneaky))
                .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(FsException.EINVAL));
        assertThatThrownBy(() -> Posix.unlink(sneaky)).isInstanceOf(FsException.class);
        assertThat(Files.exists(tmp.resolve("x"))).isTrue();
    }

    @Test
    void pathsLongerThanTheScratchSlotStillReachTheKernel() {
        byte[] longName = new byte[5000];
        Arrays.fill(longName, (byte) 'n');
        assertThatThrownBy(() -> Posix.lstat(p(longName)))
                .isInstanceOfSatisfying(FsException.class,
                        e -> assertThat(e.errno()).isEqualTo(FsException.ENAMETOOLONG));
    }

    // ------------------------------------------------------------------ names

    @Test
    void nonUtf8NamesAreCreatedListedStatedAndReadByteExact() {
        byte[] path = p(NON_UTF8);
        byte[] content = "contents of a name that is not UTF-8".getBytes(UTF_8);
        writeFile(path, content);

        assertThat(Posix.listDir(BytePaths.of(tmp))).singleElement().isEqualTo(NON_UTF8);
        Stat st = Posix.lstat(path);
        assertThat(st.fileType()).isEqualTo(FileType.FILE);
        assertThat(st.size()).isEqualTo(content.length);
        assertThat(readFile(path)).isEqualTo(content);

        byte[] renamed = p(new byte[] {(byte) 0x80, '\n', 'z'});
        Posix.rename(path, renamed);
        assertThat(Posix.listDir(BytePaths.of(tmp))).singleElement().isEqualTo(new byte[] {(byte) 0x80, '\n', 'z'});
    }

    @Test
    void listDirSortsUnsignedBytewiseAndSpansManyGetdentsBuffers() {
        List<byte[]> expected = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            byte[] name = ("entry-with-a-longish-name-" + i).getBytes(UTF_8);
            expected.add(name);
        }
        expected.add(new byte[] {(byte) 0xff});
        expected.add(new byte[] {'A'});
        expected.add(new byte[] {'.', 'h'});
        expected.add(new byte[] {'.', '.', '.'});
        for (byte[] name : expected) {
            Posix.close(Posix.createFile(p(name), 0600, true, false));
        }
        expected.sort(Arrays::compareUnsigned);
        List<byte[]> listed = Posix.listDir(BytePaths.of(tmp));
        assertThat(listed).hasSize(expected.size());
        for (int i = 0; i < listed.size(); i++) {
            assertThat(listed.get(i)).isEqualTo(expected.get(i));
        }
        assertThat(listed.getLast()).isEqualTo(new byte[] {(byte) 0xff});
        assertThat(listed.getFirst()).isEqualTo(new byte[] {'.', '.', '.'});
    }

    @Test
    void symlinksHardLinksDirectoriesAndRemoval() {
        byte[] target = {'t', (byte) 0xe9, '/', '.', '.'};
        Posix.symlink(target, p("link"));
        assertThat(Posix.readlink(p("link"))).isEqualTo(target);
        assertThat(Posix.lstat(p("link")).size()).isEqualTo(target.length);

        byte[] longTarget = new byte[4000];
        Arrays.fill(longTarget, (byte) 'x');
        Posix.symlink(longTarget, p("long-link"));
        assertThat(Posix.readlink(p("long-link"))).isEqualTo(longTarget);

        writeFile(p("a"), new byte[] {1, 2, 3});
        Posix.link(p("a"), p("b"));
        assertThat(Posix.lstat(p("b")).inode()).isEqualTo(Posix.lstat(p("a")).inode());
        assertThat(Posix.lstat(p("a")).nlink()).isEqualTo(2);
        Posix.link(p("link"), p("link2")); // links the symlink itself
        assertThat(Posix.lstat(p("link2")).fileType()).isEqualTo(FileType.SYMLINK);

        assertThatThrownBy(() -> Posix.link(p("a"), p("b")))
                .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(FsException.EEXIST))
                .hasMessageContaining("/b to ").hasMessageContaining("/a: File exists");

        Posix.mkdir(p("d"), 0750);
        assertThat(Posix.lstat(p("d")).fileType()).isEqualTo(FileType.DIRECTORY);
        Posix.rmdir(p("d"));
        Posix.unlink(p("b"));
        Posix.unlink(p("link"));
        assertThat(Files.exists(tmp.resolve("b"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(Files.exists(tmp.resolve("link"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThatThrownBy(() -> Posix.rmdir(p("a")))
                .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(FsException.ENOTDIR));
    }

    @Test
    void openingNeverFollowsAFinalSymlink() throws Exception {
        writeFile(p("real"), new byte[] {42});
        Files.createSymbolicLink(tmp.resolve("sym"), Path.of("real"));
        Files.createSymbolicLink(tmp.resolve("symdir"), tmp);
        assertThatThrownBy(() -> Posix.openRead(p("sym")))
                .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(FsException.ELOOP));
        assertThatThrownBy(() -> Posix.createFile(p("sym"), 0600, false, true))
                .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(FsException.ELOOP));
        assertThatThrownBy(() -> Posix.openDir(p("symdir"))).isInstanceOf(FsException.class);
        assertThat(Posix.listDir(p("symdir"))).isNotEmpty(); // listDir follows, like opendir(3)
        assertThat(readFile(p("real"))).containsExactly(42);
    }

    @Test
    void prefetchIsOnlyAHintThatNeverFailsHangsOrLeaksADescriptor() throws Exception {
        byte[] data = new byte[3 << 20];
        new Random(5).nextBytes(data);
        writeFile(p("chunk"), data);
        Files.createSymbolicLink(tmp.resolve("sym"), Path.of("chunk"));
        Posix.mkfifo(p("fifo"), 0600); // no writer: a blocking open would hang here
        Files.createDirectory(tmp.resolve("dir"));
        long fdsBefore = openDescriptors();
        for (int i = 0; i < 200; i++) {
            for (String name : new String[] {"chunk", "sym", "fifo", "dir", "missing"}) {
                Posix.prefetch(p(name));
            }
        }
        assertThat(openDescriptors()).isEqualTo(fdsBefore);
        assertThat(readFile(p("chunk"))).isEqualTo(data);
        assertThat(Posix.lstat(p("fifo")).fileType()).isEqualTo(FileType.FIFO);
    }

    private static long openDescriptors() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    @Test
    void createFileHonoursExclusiveAndTruncate() {
        writeFile(p("f"), new byte[100]);
        assertThatThrownBy(() -> Posix.createFile(p("f"), 0600, true, false))
                .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(FsException.EEXIST));
        Posix.close(Posix.createFile(p("f"), 0600, false, false));
        assertThat(Posix.lstat(p("f")).size()).isEqualTo(100);
        Posix.close(Posix.createFile(p("f"), 0600, false, true));
        assertThat(Posix.lstat(p("f")).size()).isZero();
    }

    // ------------------------------------------------------------------ data

    @Test
    void readsAndWritesLargerThanOneCopyChunk() {
        byte[] data = new byte[3 * 1024 * 1024 + 12345];
        new Random(7).nextBytes(data);
        writeFile(p("big"), data);
        assertThat(readFile(p("big"))).isEqualTo(data);

        int fd = Posix.createFile(p("big"), 0600, false, false);
        try {
            byte[] patch = {9, 9, 9};
            Posix.pwriteFully(fd, patch, 0, 3, 2 * 1024 * 1024);
            System.arraycopy(patch, 0, data, 2 * 1024 * 1024, 3);
            Posix.ftruncate(fd, data.length - 5);
            Posix.fsync(fd);
        } finally {
            Posix.close(fd);
        }
        assertThat(readFile(p("big"))).isEqualTo(Arrays.copyOf(data, data.length - 5));

        int in = Posix.openRead(p("big"));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(4096);
            assertThat(Posix.lseek(in, 100, Posix.SEEK_SET)).isEqualTo(100);
            assertThat(Posix.read(in, seg, 4096)).isEqualTo(4096);
            assertThat(seg.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(Arrays.copyOfRange(data, 100, 4196));
            assertThat(Posix.lseek(in, 0, Posix.SEEK_END)).isEqualTo(data.length - 5);
            assertThat(Posix.read(in, seg, 4096)).isZero();
            assertThatThrownBy(() -> Posix.read(in, seg, 4097)).isInstanceOf(IndexOutOfBoundsException.class);
        } finally {
            Posix.close(in);
        }
    }

    @Test
    void sparseFilesShowTheirDataAndHoles() {
        int block = 64 * 1024;
        long holeEnd = block + 10L * 1024 * 1024;
        byte[] data = new byte[block];
        Arrays.fill(data, (byte) 1);
        int fd = Posix.createFile(p("sparse"), 0600, true, false);
        try {
            Posix.pwriteFully(fd, data, 0, block, 0);
            Posix.pwriteFully(fd, data, 0, block, holeEnd);
            Posix.fsync(fd);
        } finally {
            Posix.close(fd);
        }
        Stat st = Posix.lstat(p("sparse"));
        assertThat(st.size()).isEqualTo(holeEnd + block);
        assumeThat(st.blocks() * 512).as("filesystem keeps holes").isLessThan(st.size() / 2);

        fd = Posix.openRead(p("sparse"));
        try {
            assertThat(Posix.nextData(fd, 0)).isZero();
            assertThat(Posix.nextHole(fd, 0)).isEqualTo(block);
            assertThat(Posix.nextData(fd, block)).isEqualTo(holeEnd);
            assertThat(Posix.nextHole(fd, holeEnd)).isEqualTo(st.size()); // the end counts as a hole
            assertThat(Posix.nextData(fd, st.size())).isEqualTo(-1);
            assertThat(Posix.nextHole(fd, st.size())).isEqualTo(-1);
        } finally {
            Posix.close(fd);
        }
    }

    // ------------------------------------------------------------------ metadata

    @Test
    void timesRoundTripToTheNanosecondIncludingOnSymlinks() throws Exception {
        writeFile(p("f"), new byte[1]);
        Posix.setTimes(p("f"), 1_000_000_001L, 5, 1_234_567_890L, 987_654_321, false);
        Stat st = Posix.lstat(p("f"));
        assertThat(st.mtimeSec()).isEqualTo(1_234_567_890L);
        assertThat(st.mtimeNsec()).isEqualTo(987_654_321);
        assertThat(st.atimeSec()).isEqualTo(1_000_000_001L);
        assertThat(st.atimeNsec()).isEqualTo(5);

        Posix.setTimes(p("f"), 0, 0, -86_400L * 365, 1, false); // before the epoch
        assertThat(Posix.lstat(p("f")).mtimeSec()).isEqualTo(-86_400L * 365);
        assertThat(Posix.lstat(p("f")).mtimeNsec()).isEqualTo(1);

        Files.createSymbolicLink(tmp.resolve("s"), Path.of("f"));
        Stat targetBefore = Posix.lstat(p("f"));
        Posix.setTimes(p("s"), 7, 7, 1_500_000_000L, 111_111_111, true);
        Stat link = Posix.lstat(p("s"));
        assertThat(link.mtimeSec()).isEqualTo(1_500_000_000L);
        assertThat(link.mtimeNsec()).isEqualTo(111_111_111);
        Stat targetAfter = Posix.lstat(p("f"));
        assertThat(targetAfter.mtimeSec()).isEqualTo(targetBefore.mtimeSec());
        assertThat(targetAfter.mtimeNsec()).isEqualTo(targetBefore.mtimeNsec());

        Posix.setTimes(p("f"), 0, Posix.UTIME_OMIT, 42, 0, false);
        assertThat(Posix.lstat(p("f")).atimeSec()).isEqualTo(targetAfter.atimeSec());
        assertThat(Posix.lstat(p("f")).mtimeSec()).isEqualTo(42);
    }

    @Test
    void chmodSetsSpecialBitsAndLeavesSymlinkTargetsAlone() throws Exception {
        writeFile(p("tool"), new byte[1]);
        Posix.chmod(p("tool"), 04755);
        assertThat(Posix.lstat(p("tool")).mode()).isEqualTo(04755);
        Posix.chmod(p("tool"), 02711);
        assertThat(Posix.lstat(p("tool")).mode()).isEqualTo(02711);
        Posix.mkdir(p("shared"), 0700);
        Posix.chmod(p("shared"), 01777);
        assertThat(Posix.lstat(p("shared")).mode()).isEqualTo(01777);
        Posix.mkfifo(p("fifo"), 0600);
        Posix.chmod(p("fifo"), 0604);
        assertThat(Posix.lstat(p("fifo")).mode()).isEqualTo(0604);

        Posix.chmod(p("tool"), 0640);
        Files.createSymbolicLink(tmp.resolve("to-tool"), Path.of("tool"));
        Posix.chmod(p("to-tool"), 0777);
        assertThat(Posix.lstat(p("tool")).mode()).isEqualTo(0640);

        assertThatThrownBy(() -> Posix.chmod(p("missing"), 0600))
                .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(FsException.ENOENT));
    }

    @Test
    void chmodWithoutFchmodat2BehavesTheSame() throws Exception {
        Posix.useLegacyChmod(true);
        try {
            chmodSetsSpecialBitsAndLeavesSymlinkTargetsAlone();
        } finally {
            Posix.useLegacyChmod(false);
        }
    }

    @Test
    void fifosDeviceNodesAndOwnership() {
        Posix.mkfifo(p("fifo"), 0620);
        Stat fifo = Posix.lstat(p("fifo"));
        assertThat(fifo.fileType()).isEqualTo(FileType.FIFO);
        assertThat(fifo.mode() & 0600).isEqualTo(0600);

        assumeThat(root()).as("running as root").isTrue();
        Posix.mknod(p("null"), FileType.CHAR_DEVICE, 0666, 1, 3);
        Stat dev = Posix.lstat(p("null"));
        assertThat(dev.fileType()).isEqualTo(FileType.CHAR_DEVICE);
        assertThat(dev.rdevMajor()).isEqualTo(1);
        assertThat(dev.rdevMinor()).isEqualTo(3);

        Posix.mknod(p("blk"), FileType.BLOCK_DEVICE, 0600, 259, 70_000); // minor above 255 and 65535
        Stat blk = Posix.lstat(p("blk"));
        assertThat(blk.fileType()).isEqualTo(FileType.BLOCK_DEVICE);
        assertThat(blk.rdevMajor()).isEqualTo(259);
        assertThat(blk.rdevMinor()).isEqualTo(70_000);
        assertThatThrownBy(() -> Posix.mknod(p("big"), FileType.CHAR_DEVICE, 0600, 5000, 1))
                .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(FsException.EOVERFLOW));
        assertThatThrownBy(() -> Posix.mknod(p("dir"), FileType.DIRECTORY, 0600, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);

        Posix.lchown(p("null"), 12345, 54321);
        assertThat(Posix.lstat(p("null")).uid()).isEqualTo(12345);
        assertThat(Posix.lstat(p("null")).gid()).isEqualTo(54321);
        Posix.symlink(BytePaths.of("null"), p("link"));
        Posix.lchown(p("link"), 777, -1);
        assertThat(Posix.lstat(p("link")).uid()).isEqualTo(777);
        assertThat(Posix.lstat(p("link")).gid()).isZero();
        assertThat(Posix.lstat(p("null")).uid()).isEqualTo(12345);
        Posix.lchown(p("fifo"), 4_000_000_000L, 4_000_000_001L); // above Integer.MAX_VALUE
        assertThat(Posix.lstat(p("fifo")).uid()).isEqualTo(4_000_000_000L);
        assertThat(Posix.lstat(p("fifo")).gid()).isEqualTo(4_000_000_001L);
        assertThatThrownBy(() -> Posix.lchown(p("fifo"), 0xffffffffL, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void deviceNumbersMatchGlibcAndJavaNio() throws Exception {
        assertThat(Posix.makedev(1, 3)).isEqualTo(0x103);
        assertThat(Posix.makedev(259, 70_000)).isEqualTo(0x11110370L); // values from glibc's makedev(3)
        assertThat(Posix.makedev(0xfffff, 0xffffffffL)).isEqualTo(0xfffffffffffffL);
        for (long[] mm : new long[][] {{0, 0}, {1, 3}, {8, 1}, {259, 70_000}, {4095, 1_048_575}, {0xfffff, 0xffffffffL}, {0xffffffffL, 0xffffffffL}}) {
            long dev = Posix.makedev(mm[0], mm[1]);
            assertThat(Posix.major(dev)).isEqualTo(mm[0]);
            assertThat(Posix.minor(dev)).isEqualTo(mm[1]);
        }
        assertThat(Posix.makedev(0xffffffffL, 0xffffffffL)).isEqualTo(-1L);

        assumeThat(root()).as("running as root").isTrue();
        Posix.mknod(p("dev"), FileType.BLOCK_DEVICE, 0600, 259, 70_000);
        long nioRdev = (Long) Files.getAttribute(tmp.resolve("dev"), "unix:rdev", LinkOption.NOFOLLOW_LINKS);
        assertThat(nioRdev).isEqualTo(Posix.makedev(259, 70_000));
    }

    // ------------------------------------------------------------------ extended attributes

    @Test
    void userXattrsRoundTrip() {
        writeFile(p("f"), new byte[1]);
        byte[] binary = new byte[3000];
        new Random(3).nextBytes(binary);
        binary[0] = 0;
        try {
            Posix.setXattr(p("f"), BytePaths.of("user.binary"), binary);
        } catch (FsException e) {
            assumeThat(e.errno()).as("user xattrs supported").isNotEqualTo(FsException.ENOTSUP);
            throw e;
        }
        Posix.setXattr(p("f"), BytePaths.of("user.a"), new byte[0]);
        Posix.setXattr(p("f"), new byte[] {'u', 's', 'e', 'r', '.', (byte) 0xff}, "x".getBytes(UTF_8));

        List<byte[]> names = Posix.listXattrs(p("f"));
        List<String> shown = names.stream().map(BytePaths::display).filter(n -> n.startsWith("user.")).toList();
        assertThat(shown).containsExactly("user.a", "user.binary", "user.\\xff");
        assertThat(Posix.getXattr(p("f"), BytePaths.of("user.binary"))).isEqualTo(binary);
        assertThat(Posix.getXattr(p("f"), BytePaths.of("user.a"))).isEmpty();
        assertThat(Posix.getXattr(p("f"), new byte[] {'u', 's', 'e', 'r', '.', (byte) 0xff})).containsExactly('x');

        Posix.removeXattr(p("f"), BytePaths.of("user.a"));
        assertThatThrownBy(() -> Posix.getXattr(p("f"), BytePaths.of("user.a")))
                .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.errno()).isEqualTo(FsException.ENODATA))
                .hasMessageContaining("user.a");
        assertThat(Posix.xattrsSupported(BytePaths.of(tmp))).isTrue();

        Posix.symlink(BytePaths.of("f"), p("link")); // l*xattr: the link's own (empty) list, not the target's
        assertThat(Posix.listXattrs(p("link")).stream().map(BytePaths::display))
                .noneMatch(n -> n.startsWith("user."));
    }

    @Test
    void posixAclsCopyAsRawXattrs() throws Exception {
        assumeThat(Files.isExecutable(Path.of("/usr/bin/setfacl"))).as("setfacl installed").isTrue();
        assumeThat(Files.isExecutable(Path.of("/usr/bin/getfacl"))).as("getfacl installed").isTrue();
        writeFile(p("src"), new byte[1]);
        writeFile(p("dst"), new byte[1]);
        Posix.mkdir(p("dir"), 0755);
        Posix.mkdir(p("dir2"), 0755);
        Process probe = new ProcessBuilder("setfacl", "-m", "u:12345:r--,g:54321:rw-", tmp.resolve("src").toString())
                .redirectErrorStream(true).start();
        probe.getInputStream().readAllBytes();
        assumeThat(probe.waitFor()).as("filesystem supports ACLs").isZero();
        run("setfacl", "-d", "-m", "u:12345:rwx", tmp.resolve("dir").toString());

        byte[] access = BytePaths.of("system.posix_acl_access");
        byte[] deflt = BytePaths.of("system.posix_acl_default");
        assertThat(Posix.listXattrs(p("src"))).anySatisfy(n -> assertThat(n).isEqualTo(access));
        byte[] acl = Posix.getXattr(p("src"), access);
        assertThat(acl.length).isGreaterThan(4);
        Posix.setXattr(p("dst"), access, acl);
        byte[] dirAcl = Posix.getXattr(p("dir"), deflt);
        Posix.setXattr(p("dir2"), deflt, dirAcl);

        String src = run("getfacl", "-c", "-n", tmp.resolve("src").toString());
        String dst = run("getfacl", "-c", "-n", tmp.resolve("dst").toString());
        assertThat(dst).isEqualTo(src).contains("user:12345:r--").contains("group:54321:rw-");
        String dir = run("getfacl", "-c", "-n", tmp.resolve("dir").toString());
        String dir2 = run("getfacl", "-c", "-n", tmp.resolve("dir2").toString());
        assertThat(dir2).isEqualTo(dir).contains("default:user:12345:rwx");
    }

    // ------------------------------------------------------------------ errors and threads

    @Test
    void errorTextIsEnglishAndStable() {
        assertThat(Posix.strerror(FsException.ENOENT)).isEqualTo("No such file or directory");
        assertThat(Posix.strerror(FsException.EACCES)).isEqualTo("Permission denied");
        assertThat(Posix.strerror(FsException.ENOTSUP)).isEqualTo("Operation not supported");
        assertThat(Posix.strerror(100_000)).contains("100000");
        FsException e = new FsException("read", null, FsException.EIO);
        assertThat(e).hasMessage("read: Input/output error");
    }

    @Test
    void concurrentCallsDoNotShareScratchMemory() throws Exception {
        int files = 64;
        for (int i = 0; i < files; i++) {
            writeFile(p("f" + i), new byte[i * 100]);
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                results.add(pool.submit(() -> {
                    for (int round = 0; round < 200; round++) {
                        for (int i = 0; i < files; i++) {
                            assertThat(Posix.lstat(p("f" + i)).size()).isEqualTo(i * 100L);
                        }
                    }
                }));
            }
            for (Future<?> f : results) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
