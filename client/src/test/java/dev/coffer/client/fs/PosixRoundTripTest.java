package dev.coffer.client.fs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Posix} against real files in a temporary directory, checked against java.nio and the command-line
 * tools where they can tell the same thing.
 */
class PosixRoundTripTest {
    private static final byte[] NON_UTF8 = {'a', (byte) 0xff, (byte) 0xfe};
    private static final int MIB = 1024 * 1024;

    @TempDir
    Path tmp;

    private byte[] p(String name) {
        return BytePaths.of(tmp.resolve(name));
    }

    private byte[] p(byte[] name) {
        return BytePaths.join(BytePaths.of(tmp), name);
    }

    private static void writeFile(byte[] path, byte[] content) {
        int fd = Posix.createFile(path, 0644, true, false);
        try {
            Posix.writeFully(fd, content, 0, content.length);
        } finally {
            Posix.close(fd);
        }
    }

    /** Reads until end of file with {@link Posix#read(int, byte[], int, int)} into one buffer of {@code size}. */
    private static byte[] readAll(byte[] path, int size) {
        int fd = Posix.openRead(path);
        try {
            byte[] buf = new byte[size];
            int at = 0;
            while (at < size) {
                int n = Posix.read(fd, buf, at, size - at);
                if (n == 0) {
                    break;
                }
                at += n;
            }
            assertThat(Posix.read(fd, new byte[1], 0, 1)).as("end of file").isZero();
            return Arrays.copyOf(buf, at);
        } finally {
            Posix.close(fd);
        }
    }

    private static FsException fsError(Runnable call) {
        try {
            call.run();
        } catch (FsException e) {
            return e;
        }
        throw new AssertionError("expected an FsException");
    }

    private static boolean root() {
        return Posix.geteuid() == 0;
    }

    private static boolean executable(String tool) {
        return Files.isExecutable(Path.of(tool));
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process pr = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes(), UTF_8);
        assertThat(pr.waitFor()).as("%s: %s", String.join(" ", command), out).isZero();
        return out;
    }

    private static int exitCode(String... command) throws IOException, InterruptedException {
        Process pr = new ProcessBuilder(command).redirectErrorStream(true).start();
        pr.getInputStream().readAllBytes();
        return pr.waitFor();
    }

    // ------------------------------------------------------------------ stat

    @Test
    void lstatOfFileDirectorySymlinkAndFifoMatchesJavaNio() throws Exception {
        Path file = Files.write(tmp.resolve("file"), "twelve bytes".getBytes(UTF_8));
        Files.setLastModifiedTime(file, FileTime.from(Instant.ofEpochSecond(1_700_000_000L, 123_456_789)));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        Path dir = Files.createDirectory(tmp.resolve("dir"));
        Files.setLastModifiedTime(dir, FileTime.from(Instant.ofEpochSecond(1_000_000_000L, 1)));
        Path symlink = Files.createSymbolicLink(tmp.resolve("symlink"), Path.of("file"));
        Path fifo = tmp.resolve("fifo");
        Posix.mkfifo(BytePaths.of(fifo), 0640);

        Map<Path, FileType> expectedTypes = Map.of(file, FileType.FILE, dir, FileType.DIRECTORY,
                symlink, FileType.SYMLINK, fifo, FileType.FIFO);
        for (Map.Entry<Path, FileType> entry : expectedTypes.entrySet()) {
            Path path = entry.getKey();
            Map<String, Object> nio = Files.readAttributes(path, "unix:*", LinkOption.NOFOLLOW_LINKS);
            Stat st = Posix.lstat(BytePaths.of(path));
            assertThat(st.fileType()).as("type of %s", path).isEqualTo(entry.getValue());
            assertThat(st.mode()).as("mode of %s", path).isEqualTo((Integer) nio.get("mode") & 07777);
            assertThat(st.rawMode()).as("raw mode of %s", path).isEqualTo((Integer) nio.get("mode"));
            assertThat(st.inode()).as("ino of %s", path).isEqualTo((Long) nio.get("ino"));
            assertThat(st.dev()).as("dev of %s", path).isEqualTo((Long) nio.get("dev"));
            assertThat(st.uid()).as("uid of %s", path).isEqualTo(Integer.toUnsignedLong((Integer) nio.get("uid")));
            assertThat(st.gid()).as("gid of %s", path).isEqualTo(Integer.toUnsignedLong((Integer) nio.get("gid")));
            assertThat(st.size()).as("size of %s", path).isEqualTo((Long) nio.get("size"));
            assertThat(st.nlink()).as("nlink of %s", path).isEqualTo(((Integer) nio.get("nlink")).longValue());
            Instant mtime = ((FileTime) nio.get("lastModifiedTime")).toInstant();
            assertThat(st.mtimeSec()).as("mtime seconds of %s", path).isEqualTo(mtime.getEpochSecond());
            assertThat(st.mtimeNsec()).as("mtime nanoseconds of %s", path).isEqualTo(mtime.getNano());
        }

        Stat f = Posix.lstat(BytePaths.of(file));
        assertThat(f.mode()).isEqualTo(0640);
        assertThat(f.size()).isEqualTo(12);
        assertThat(f.nlink()).isEqualTo(1);
        assertThat(f.mtimeSec()).isEqualTo(1_700_000_000L);
        assertThat(f.mtimeNsec()).isEqualTo(123_456_789);
        assertThat(f.uid()).isEqualTo(Posix.geteuid());
        assertThat(f.rdevMajor()).isZero();
        assertThat(f.rdevMinor()).isZero();
        Stat d = Posix.lstat(BytePaths.of(dir));
        assertThat(d.mtimeSec()).isEqualTo(1_000_000_000L);
        assertThat(d.mtimeNsec()).isEqualTo(1);
        assertThat(d.nlink()).isEqualTo(2);
        assertThat(Posix.lstat(BytePaths.of(symlink)).size()).isEqualTo(4); // "file"
        assertThat(Posix.lstat(BytePaths.of(fifo)).size()).isZero();
        assertThat(Posix.lstat(BytePaths.of(fifo)).mode()).isEqualTo(0640);
    }

    @Test
    void statFollowsASymlinkAndFstatEqualsLstat() throws Exception {
        writeFile(p("target"), new byte[777]);
        Files.createSymbolicLink(tmp.resolve("link"), Path.of("target"));
        Files.createSymbolicLink(tmp.resolve("link2"), Path.of("link")); // a chain of two
        Posix.mkdir(p("dir"), 0755);
        Files.createSymbolicLink(tmp.resolve("dirlink"), Path.of("dir"));

        Stat target = Posix.lstat(p("target"));
        Stat link = Posix.lstat(p("link"));
        assertThat(link.fileType()).isEqualTo(FileType.SYMLINK);
        assertThat(link.inode()).isNotEqualTo(target.inode());
        assertThat(Posix.stat(p("link"))).isEqualTo(target);
        assertThat(Posix.stat(p("link2"))).isEqualTo(target);
        assertThat(Posix.stat(p("target"))).isEqualTo(target);
        assertThat(Posix.stat(p("dirlink"))).isEqualTo(Posix.lstat(p("dir")));
        assertThat(Posix.stat(p("dirlink")).fileType()).isEqualTo(FileType.DIRECTORY);

        int fd = Posix.openRead(p("target"));
        try {
            assertThat(Posix.fstat(fd)).isEqualTo(Posix.lstat(p("target")));
        } finally {
            Posix.close(fd);
        }
        int dirFd = Posix.openDir(p("dir"));
        try {
            assertThat(Posix.fstat(dirFd)).isEqualTo(Posix.lstat(p("dir")));
        } finally {
            Posix.close(dirFd);
        }
        int out = Posix.createFile(p("new"), 0600, true, false);
        try {
            Posix.writeFully(out, new byte[10], 0, 10);
            assertThat(Posix.fstat(out)).isEqualTo(Posix.lstat(p("new")));
            assertThat(Posix.fstat(out).size()).isEqualTo(10);
        } finally {
            Posix.close(out);
        }

        Posix.symlink(BytePaths.of("nowhere"), p("dangling"));
        assertThat(Posix.lstat(p("dangling")).fileType()).isEqualTo(FileType.SYMLINK);
        assertThat(fsError(() -> Posix.stat(p("dangling"))).errno()).isEqualTo(FsException.ENOENT);
    }

    // ------------------------------------------------------------------ names that are not UTF-8

    @Test
    void nonUtf8NameIsCreatedListedStatedWrittenReadRenamedAndUnlinked() {
        byte[] path = p(NON_UTF8);
        assertThat(BytePaths.display(NON_UTF8)).isEqualTo("a\\xff\\xfe");
        assertThat(BytePaths.display(path)).isEqualTo(tmp + "/a\\xff\\xfe");
        assertThat(BytePaths.isSafeComponent(NON_UTF8)).isTrue();

        byte[] content = new byte[5000];
        new Random(11).nextBytes(content);
        int fd = Posix.createFile(path, 0600, true, false);
        try {
            Posix.writeFully(fd, content, 0, content.length);
        } finally {
            Posix.close(fd);
        }
        Posix.close(Posix.createFile(p("b"), 0600, true, false));
        Posix.close(Posix.createFile(p(new byte[] {(byte) 0x80}), 0600, true, false));
        Posix.close(Posix.createFile(p(new byte[] {'a', 0x7f}), 0600, true, false));

        // unsigned order: 'a',0x7f < 'a',0xff,0xfe < 'b' < 0x80; never "." or ".."
        List<byte[]> listed = Posix.listDir(BytePaths.of(tmp));
        assertThat(listed).hasSize(4);
        assertThat(listed.get(0)).containsExactly('a', 0x7f);
        assertThat(listed.get(1)).isEqualTo(NON_UTF8);
        assertThat(listed.get(2)).containsExactly('b');
        assertThat(listed.get(3)).containsExactly(0x80);

        Stat st = Posix.lstat(path);
        assertThat(st.fileType()).isEqualTo(FileType.FILE);
        assertThat(st.size()).isEqualTo(5000);
        assertThat(st.mode()).isEqualTo(0600);
        assertThat(readAll(path, 8192)).isEqualTo(content);

        byte[] newName = {(byte) 0xc3, (byte) 0x28, 'z'}; // an invalid two-byte sequence
        Posix.rename(path, p(newName));
        assertThat(fsError(() -> Posix.lstat(path)).errno()).isEqualTo(FsException.ENOENT);
        assertThat(Posix.lstat(p(newName)).inode()).isEqualTo(st.inode());
        assertThat(readAll(p(newName), 8192)).isEqualTo(content);
        assertThat(Posix.listDir(BytePaths.of(tmp))).anySatisfy(n -> assertThat(n).isEqualTo(newName))
                .noneSatisfy(n -> assertThat(n).isEqualTo(NON_UTF8));

        Posix.unlink(p(newName));
        assertThat(fsError(() -> Posix.lstat(p(newName))).errno()).isEqualTo(FsException.ENOENT);
        assertThat(Posix.listDir(BytePaths.of(tmp))).hasSize(3);
        FsException gone = fsError(() -> Posix.unlink(p(newName)));
        assertThat(gone.errno()).isEqualTo(FsException.ENOENT);
        assertThat(gone).hasMessage("remove " + tmp + "/\\xc3(z: No such file or directory");
    }

    @Test
    void nonUtf8DirectoryNamesWork() {
        byte[] dir = p(new byte[] {'d', (byte) 0xfe});
        Posix.mkdir(dir, 0700);
        byte[] inner = BytePaths.join(dir, NON_UTF8);
        writeFile(inner, new byte[] {1, 2, 3});
        assertThat(Posix.listDir(dir)).singleElement().isEqualTo(NON_UTF8);
        assertThat(Posix.lstat(inner).size()).isEqualTo(3);
        assertThat(Posix.lstat(dir).fileType()).isEqualTo(FileType.DIRECTORY);
        Posix.unlink(inner);
        assertThat(Posix.listDir(dir)).isEmpty();
        Posix.rmdir(dir);
        assertThat(Posix.listDir(BytePaths.of(tmp))).isEmpty();
    }

    // ------------------------------------------------------------------ times

    @Test
    void setTimesRoundTripsNanosecondsNegativeSecondsAndSymlinksOwnTimes() throws Exception {
        writeFile(p("f"), new byte[1]);
        Posix.setTimes(p("f"), 1_111_111_111L, 999_999_999, 1_234_567_890L, 1, false);
        Stat st = Posix.lstat(p("f"));
        assertThat(st.atimeSec()).isEqualTo(1_111_111_111L);
        assertThat(st.atimeNsec()).isEqualTo(999_999_999);
        assertThat(st.mtimeSec()).isEqualTo(1_234_567_890L);
        assertThat(st.mtimeNsec()).isEqualTo(1);
        Instant nio = Files.getLastModifiedTime(tmp.resolve("f")).toInstant();
        assertThat(nio).isEqualTo(Instant.ofEpochSecond(1_234_567_890L, 1));

        // before 1970: tv_sec negative, tv_nsec still counts forwards
        Posix.setTimes(p("f"), -1, 500_000_000, -1_000_000_000L, 123_456_789, false);
        st = Posix.lstat(p("f"));
        assertThat(st.atimeSec()).isEqualTo(-1);
        assertThat(st.atimeNsec()).isEqualTo(500_000_000);
        assertThat(st.mtimeSec()).isEqualTo(-1_000_000_000L);
        assertThat(st.mtimeNsec()).isEqualTo(123_456_789);
        assertThat(Files.getLastModifiedTime(tmp.resolve("f")).toInstant())
                .isEqualTo(Instant.ofEpochSecond(-1_000_000_000L, 123_456_789));

        // a symlink's own times, the target left alone
        Posix.symlink(BytePaths.of("f"), p("s"));
        Stat targetBefore = Posix.lstat(p("f"));
        Posix.setTimes(p("s"), 1_600_000_000L, 42, 1_500_000_000L, 987_654_321, true);
        Stat link = Posix.lstat(p("s"));
        assertThat(link.fileType()).isEqualTo(FileType.SYMLINK);
        assertThat(link.atimeSec()).isEqualTo(1_600_000_000L);
        assertThat(link.atimeNsec()).isEqualTo(42);
        assertThat(link.mtimeSec()).isEqualTo(1_500_000_000L);
        assertThat(link.mtimeNsec()).isEqualTo(987_654_321);
        assertThat(Posix.lstat(p("f"))).isEqualTo(targetBefore);

        // and without noFollow the target is changed, not the link
        Posix.setTimes(p("s"), 5, 5, 6, 6, false);
        assertThat(Posix.lstat(p("f")).mtimeSec()).isEqualTo(6);
        assertThat(Posix.lstat(p("f")).mtimeNsec()).isEqualTo(6);
        assertThat(Posix.lstat(p("f")).atimeSec()).isEqualTo(5);
        assertThat(Posix.lstat(p("s")).mtimeSec()).isEqualTo(1_500_000_000L);
        assertThat(Posix.lstat(p("s")).mtimeNsec()).isEqualTo(987_654_321);

        // UTIME_OMIT leaves one time as it is
        Posix.setTimes(p("f"), 0, Posix.UTIME_OMIT, 77, 7, false);
        assertThat(Posix.lstat(p("f")).atimeSec()).isEqualTo(5);
        assertThat(Posix.lstat(p("f")).atimeNsec()).isEqualTo(5);
        assertThat(Posix.lstat(p("f")).mtimeSec()).isEqualTo(77);

        assertThat(fsError(() -> Posix.setTimes(p("f"), 0, 1_000_000_000, 0, 0, false)).errno())
                .isEqualTo(FsException.EINVAL);
    }

    // ------------------------------------------------------------------ extended attributes

    @Test
    void userXattrsRoundTripBinaryValues() {
        writeFile(p("f"), new byte[1]);
        assertThat(Posix.listXattrs(p("f"))).isEmpty();

        byte[] binary = {0, 1, (byte) 0xff, 0, (byte) 0x80, '\n', 0};
        byte[] random = new byte[2000];
        new Random(5).nextBytes(random);
        try {
            Posix.setXattr(p("f"), BytePaths.of("user.binary"), binary);
        } catch (FsException e) {
            assumeTrue(e.errno() != FsException.ENOTSUP, "filesystem refuses user.* xattrs");
            throw e;
        }
        Posix.setXattr(p("f"), BytePaths.of("user.random"), random);
        Posix.setXattr(p("f"), BytePaths.of("user.empty"), new byte[0]);

        List<byte[]> names = Posix.listXattrs(p("f"));
        assertThat(names).hasSize(3);
        assertThat(names.get(0)).isEqualTo(BytePaths.of("user.binary"));
        assertThat(names.get(1)).isEqualTo(BytePaths.of("user.empty"));
        assertThat(names.get(2)).isEqualTo(BytePaths.of("user.random"));
        assertThat(Posix.getXattr(p("f"), BytePaths.of("user.binary"))).isEqualTo(binary);
        assertThat(Posix.getXattr(p("f"), BytePaths.of("user.random"))).isEqualTo(random);
        assertThat(Posix.getXattr(p("f"), BytePaths.of("user.empty"))).isEmpty();

        // replacing keeps one attribute with the new value
        byte[] smaller = {9, 8, 7};
        Posix.setXattr(p("f"), BytePaths.of("user.random"), smaller);
        assertThat(Posix.getXattr(p("f"), BytePaths.of("user.random"))).isEqualTo(smaller);
        assertThat(Posix.listXattrs(p("f"))).hasSize(3);

        Posix.removeXattr(p("f"), BytePaths.of("user.binary"));
        Posix.removeXattr(p("f"), BytePaths.of("user.empty"));
        List<byte[]> left = Posix.listXattrs(p("f"));
        assertThat(left).singleElement().isEqualTo(BytePaths.of("user.random"));
        FsException missing = fsError(() -> Posix.getXattr(p("f"), BytePaths.of("user.binary")));
        assertThat(missing.errno()).isEqualTo(FsException.ENODATA);
        assertThat(missing).hasMessage("read extended attribute user.binary of " + tmp + "/f: No data available");
        assertThat(fsError(() -> Posix.removeXattr(p("f"), BytePaths.of("user.binary"))).errno())
                .isEqualTo(FsException.ENODATA);
        Posix.removeXattr(p("f"), BytePaths.of("user.random"));
        assertThat(Posix.listXattrs(p("f"))).isEmpty();
    }

    /**
     * ext4 without the ea_inode feature keeps all of an inode's xattrs in one block and refuses a 10 KiB
     * value with ENOSPC; tmpfs (Linux 6.6 and later) takes it. So the value goes wherever it fits.
     */
    @Test
    void tenKibibyteXattrValueRoundTrips() throws Exception {
        byte[] large = new byte[10 * 1024];
        new Random(6).nextBytes(large);
        byte[] name = BytePaths.of("user.large");
        byte[] file = p("large");
        writeFile(file, new byte[1]);
        if (trySetXattr(file, name, large)) {
            checkLargeXattr(file, name, large);
            return;
        }
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no tmpfs at /dev/shm");
        Path dir = Files.createTempDirectory(shm, "coffer-xattr-");
        byte[] shmFile = BytePaths.of(dir.resolve("large"));
        try {
            writeFile(shmFile, new byte[1]);
            assumeTrue(trySetXattr(shmFile, name, large), "no filesystem here takes a 10 KiB xattr value");
            checkLargeXattr(shmFile, name, large);
        } finally {
            Files.deleteIfExists(dir.resolve("large"));
            Files.deleteIfExists(dir);
        }
    }

    private static boolean trySetXattr(byte[] path, byte[] name, byte[] value) {
        try {
            Posix.setXattr(path, name, value);
            return true;
        } catch (FsException e) {
            if (e.errno() == FsException.ENOSPC || e.errno() == FsException.ENOTSUP || e.errno() == 7 /* E2BIG */) {
                return false;
            }
            throw e;
        }
    }

    private static void checkLargeXattr(byte[] file, byte[] name, byte[] large) {
        assertThat(Posix.getXattr(file, name)).isEqualTo(large);
        assertThat(Posix.listXattrs(file)).singleElement().isEqualTo(name);
        byte[] larger = Arrays.copyOf(large, large.length + 100);
        Posix.setXattr(file, name, larger);
        assertThat(Posix.getXattr(file, name)).isEqualTo(larger);
        Posix.removeXattr(file, name);
        assertThat(Posix.listXattrs(file)).isEmpty();
    }

    @Test
    void xattrValuesWrittenHereAreSeenByGetfattr() throws Exception {
        assumeTrue(executable("/usr/bin/getfattr"), "getfattr installed");
        writeFile(p("f"), new byte[1]);
        try {
            Posix.setXattr(p("f"), BytePaths.of("user.hex"), new byte[] {(byte) 0xde, (byte) 0xad, 0, 1});
        } catch (FsException e) {
            assumeTrue(e.errno() != FsException.ENOTSUP, "filesystem refuses user.* xattrs");
            throw e;
        }
        String out = run("/usr/bin/getfattr", "--absolute-names", "-e", "hex", "-n", "user.hex",
                tmp.resolve("f").toString());
        assertThat(out).contains("user.hex=0xdead0001");
    }

    @Test
    void posixAclCopiedAsRawXattrGivesTheSameAcl() throws Exception {
        assumeTrue(executable("/usr/bin/setfacl"), "setfacl installed");
        assumeTrue(executable("/usr/bin/getfacl"), "getfacl installed");
        writeFile(p("A"), new byte[1]);
        writeFile(p("B"), new byte[1]);
        Path a = tmp.resolve("A");
        Path b = tmp.resolve("B");
        assumeTrue(exitCode("/usr/bin/setfacl", "-m", "u:4242:rw-", a.toString()) == 0, "filesystem has ACLs");

        byte[] access = BytePaths.of("system.posix_acl_access");
        assertThat(Posix.listXattrs(p("A"))).anySatisfy(n -> assertThat(n).isEqualTo(access));
        byte[] acl = Posix.getXattr(p("A"), access);
        // version 2 header, then (tag, perm, id) entries of 8 bytes
        assertThat(acl.length).isEqualTo(4 + 5 * 8);
        assertThat(Arrays.copyOf(acl, 4)).containsExactly(2, 0, 0, 0);

        Posix.setXattr(p("B"), access, acl);
        assertThat(Posix.getXattr(p("B"), access)).isEqualTo(acl);

        String fromA = run("/usr/bin/getfacl", "--omit-header", a.toString());
        String fromB = run("/usr/bin/getfacl", "--omit-header", b.toString());
        assertThat(withoutFileLine(fromB)).isEqualTo(withoutFileLine(fromA));
        assertThat(fromB).contains("user:4242:rw-").contains("mask::rw-");
        // the ACL's mask entry is the group class of the mode
        assertThat(Posix.lstat(p("B")).mode()).isEqualTo(Posix.lstat(p("A")).mode()).isEqualTo(0664);
    }

    private static String withoutFileLine(String getfaclOutput) {
        return getfaclOutput.lines().filter(l -> !l.startsWith("# file:")).reduce("", (x, y) -> x + y + "\n");
    }

    // ------------------------------------------------------------------ special files and ownership

    @Test
    void fifoAndDeviceNodesShowTheirTypeAndDeviceNumbers() {
        Posix.mkfifo(p("fifo"), 0600);
        Stat fifo = Posix.lstat(p("fifo"));
        assertThat(fifo.fileType()).isEqualTo(FileType.FIFO);
        assertThat(fifo.mode()).isEqualTo(0600);
        assertThat(fifo.rawMode()).isEqualTo(Posix.S_IFIFO | 0600);
        assertThat(fifo.rdevMajor()).isZero();
        assertThat(fifo.rdevMinor()).isZero();
        assertThat(fsError(() -> Posix.mkfifo(p("fifo"), 0600)).errno()).isEqualTo(FsException.EEXIST);
        // opening a FIFO for reading does not wait for a writer; without one it reads as end of file
        int fd = Posix.openRead(p("fifo"));
        try {
            assertThat(Posix.fstat(fd).fileType()).isEqualTo(FileType.FIFO);
            assertThat(Posix.read(fd, new byte[16], 0, 16)).isZero();
        } finally {
            Posix.close(fd);
        }

        assumeTrue(root(), "device nodes need CAP_MKNOD");
        Posix.mknod(p("null"), FileType.CHAR_DEVICE, 0666, 1, 3);
        Stat chr = Posix.lstat(p("null"));
        assertThat(chr.fileType()).isEqualTo(FileType.CHAR_DEVICE);
        assertThat(chr.rawMode() & Posix.S_IFMT).isEqualTo(Posix.S_IFCHR);
        assertThat(chr.rdevMajor()).isEqualTo(1);
        assertThat(chr.rdevMinor()).isEqualTo(3);
        assertThat(chr.mode()).isEqualTo(0666 & ~0022);
        assertThat(chr.size()).isZero();

        Posix.mknod(p("loop0"), FileType.BLOCK_DEVICE, 0660, 7, 0);
        Stat blk = Posix.lstat(p("loop0"));
        assertThat(blk.fileType()).isEqualTo(FileType.BLOCK_DEVICE);
        assertThat(blk.rawMode() & Posix.S_IFMT).isEqualTo(Posix.S_IFBLK);
        assertThat(blk.rdevMajor()).isEqualTo(7);
        assertThat(blk.rdevMinor()).isEqualTo(0);
        assertThat(blk.mode()).isEqualTo(0640);

        Posix.mknod(p("fifo2"), FileType.FIFO, 0644, 0, 0);
        assertThat(Posix.lstat(p("fifo2")).fileType()).isEqualTo(FileType.FIFO);
    }

    @Test
    void lchownChangesFilesAndSymlinksThemselves() {
        assumeTrue(root(), "changing owners needs CAP_CHOWN");
        writeFile(p("file"), new byte[3]);
        Posix.lchown(p("file"), 12345, 54321);
        Stat file = Posix.lstat(p("file"));
        assertThat(file.uid()).isEqualTo(12345);
        assertThat(file.gid()).isEqualTo(54321);

        writeFile(p("target"), new byte[3]);
        Stat targetBefore = Posix.lstat(p("target"));
        Posix.symlink(BytePaths.of("target"), p("link"));
        Posix.lchown(p("link"), 12345, 54321);
        Stat link = Posix.lstat(p("link"));
        assertThat(link.fileType()).isEqualTo(FileType.SYMLINK);
        assertThat(link.uid()).isEqualTo(12345);
        assertThat(link.gid()).isEqualTo(54321);
        Stat targetAfter = Posix.lstat(p("target"));
        assertThat(targetAfter.uid()).isEqualTo(targetBefore.uid()).isEqualTo(Posix.geteuid());
        assertThat(targetAfter.gid()).isEqualTo(targetBefore.gid());

        Posix.lchown(p("file"), -1, 7); // -1 leaves the owner
        assertThat(Posix.lstat(p("file")).uid()).isEqualTo(12345);
        assertThat(Posix.lstat(p("file")).gid()).isEqualTo(7);
        assertThat(fsError(() -> Posix.lchown(p("missing"), 1, 1)).errno()).isEqualTo(FsException.ENOENT);
    }

    @Test
    void chmodKeepsTheSetuidBit() {
        writeFile(p("tool"), new byte[1]);
        Posix.chmod(p("tool"), 04755);
        Stat st = Posix.lstat(p("tool"));
        assertThat(st.mode()).isEqualTo(04755);
        assertThat(st.mode() & Posix.S_ISUID).isEqualTo(Posix.S_ISUID);
        assertThat(st.rawMode()).isEqualTo(Posix.S_IFREG | 04755);
        Posix.chmod(p("tool"), 06711);
        assertThat(Posix.lstat(p("tool")).mode()).isEqualTo(06711);
        Posix.chmod(p("tool"), Posix.S_IFREG | 0600); // type bits in the argument are ignored
        assertThat(Posix.lstat(p("tool")).mode()).isEqualTo(0600);
        Posix.chmod(p("tool"), 0);
        assertThat(Posix.lstat(p("tool")).mode()).isZero();
    }

    // ------------------------------------------------------------------ sparse files

    @Test
    void sparseFileHolesAndDataAreFound() throws Exception {
        long block = Files.getFileStore(tmp).getBlockSize();
        long dataAt = 10L * MIB;
        long size = 20L * MIB;
        byte[] chunk = new byte[4096];
        Arrays.fill(chunk, (byte) 0x5a);
        int fd = Posix.createFile(p("sparse"), 0600, true, false);
        try {
            Posix.pwriteFully(fd, chunk, 0, chunk.length, 0);
            Posix.pwriteFully(fd, chunk, 0, chunk.length, dataAt);
            Posix.ftruncate(fd, size);
            Posix.fsync(fd);
        } finally {
            Posix.close(fd);
        }
        Stat st = Posix.lstat(p("sparse"));
        assertThat(st.size()).isEqualTo(size);
        assumeTrue(st.blocks() * 512 < 1L * MIB, "filesystem stores holes");

        fd = Posix.openRead(p("sparse"));
        try {
            assertThat(Posix.nextData(fd, 0)).isZero();
            assertThat(Posix.nextHole(fd, 0)).isCloseTo(4096L, within(block));
            assertThat(Posix.nextData(fd, 4096 * 2)).isCloseTo(dataAt, within(block));
            assertThat(Posix.nextData(fd, 4096 * 2)).isLessThanOrEqualTo(dataAt);
            long dataStart = Posix.nextData(fd, 4096 * 2);
            assertThat(Posix.nextHole(fd, dataStart)).isCloseTo(dataAt + 4096, within(block));
            assertThat(Posix.nextHole(fd, dataStart)).isGreaterThanOrEqualTo(dataAt + 4096);
            assertThat(Posix.nextData(fd, dataAt + 4096 + block)).isEqualTo(-1);
            assertThat(Posix.nextData(fd, size - 1)).isEqualTo(-1);
            assertThat(Posix.nextHole(fd, size - 1)).isEqualTo(size - 1);
            assertThat(Posix.nextData(fd, size)).isEqualTo(-1);
            assertThat(Posix.nextHole(fd, size)).isEqualTo(-1);
            assertThat(Posix.nextData(fd, size + 12345)).isEqualTo(-1);

            // the hole reads as zeros, the data as written
            byte[] buf = new byte[4096];
            Posix.lseek(fd, dataAt - 4096, Posix.SEEK_SET);
            assertThat(Posix.read(fd, buf, 0, 4096)).isEqualTo(4096);
            assertThat(buf).containsOnly(0);
            assertThat(Posix.read(fd, buf, 0, 4096)).isEqualTo(4096);
            assertThat(buf).isEqualTo(chunk);
        } finally {
            Posix.close(fd);
        }
    }

    // ------------------------------------------------------------------ large reads and writes

    @Test
    void threeMebibyteWritesAndReadsRoundTrip() {
        byte[] data = new byte[3 * MIB];
        new Random(42).nextBytes(data);

        int fd = Posix.createFile(p("w"), 0600, true, false);
        try {
            Posix.writeFully(fd, data, 0, data.length);
            assertThat(Posix.lseek(fd, 0, Posix.SEEK_CUR)).isEqualTo(data.length);
        } finally {
            Posix.close(fd);
        }
        assertThat(Posix.lstat(p("w")).size()).isEqualTo(data.length);

        int in = Posix.openRead(p("w"));
        try {
            byte[] buf = new byte[data.length];
            // one call reads at most the 1 MiB of the native buffer
            assertThat(Posix.read(in, buf, 0, buf.length)).isEqualTo(MIB);
            int at = MIB;
            while (at < buf.length) {
                int n = Posix.read(in, buf, at, buf.length - at);
                assertThat(n).isPositive();
                at += n;
            }
            assertThat(buf).isEqualTo(data);
            assertThat(Posix.read(in, buf, 0, buf.length)).isZero();
            assertThat(Posix.read(in, buf, 0, 0)).isZero();
        } finally {
            Posix.close(in);
        }

        // pwrite from an offset inside the array, crossing chunk boundaries
        int off = 12_345;
        int len = data.length - off - 17;
        int out = Posix.createFile(p("pw"), 0600, true, false);
        try {
            Posix.pwriteFully(out, data, off, len, 100);
            assertThat(Posix.lseek(out, 0, Posix.SEEK_CUR)).as("pwrite leaves the position").isZero();
        } finally {
            Posix.close(out);
        }
        byte[] expected = new byte[100 + len];
        System.arraycopy(data, off, expected, 100, len);
        assertThat(readAll(p("pw"), expected.length + 10)).isEqualTo(expected);

        assertThatThrownBy(() -> Posix.pwriteFully(0, data, 0, 1, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Posix.writeFully(0, data, data.length - 1, 2))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Posix.read(0, data, -1, 2)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void pwriteBeyondTheEndLeavesAHole() throws Exception {
        long block = Files.getFileStore(tmp).getBlockSize();
        byte[] head = new byte[4096];
        Arrays.fill(head, (byte) 1);
        byte[] tail = new byte[3 * MIB];
        new Random(9).nextBytes(tail);
        long tailAt = 8L * MIB;
        int fd = Posix.createFile(p("holey"), 0600, true, false);
        try {
            Posix.writeFully(fd, head, 0, head.length);
            Posix.pwriteFully(fd, tail, 0, tail.length, tailAt);
            assertThat(Posix.lseek(fd, 0, Posix.SEEK_CUR)).isEqualTo(head.length);
            Posix.fsync(fd);
        } finally {
            Posix.close(fd);
        }
        Stat st = Posix.lstat(p("holey"));
        assertThat(st.size()).isEqualTo(tailAt + tail.length);
        assertThat(st.blocks() * 512).isLessThan(tailAt + tail.length);

        byte[] all = readAll(p("holey"), (int) st.size());
        assertThat(Arrays.copyOf(all, 4096)).isEqualTo(head);
        assertThat(Arrays.equals(all, 4096, (int) tailAt, new byte[(int) tailAt - 4096], 0, (int) tailAt - 4096))
                .as("the hole reads as zeros").isTrue();
        assertThat(Arrays.copyOfRange(all, (int) tailAt, all.length)).isEqualTo(tail);

        int in = Posix.openRead(p("holey"));
        try {
            assertThat(Posix.nextHole(in, 0)).isCloseTo(4096L, within(block));
            assertThat(Posix.nextData(in, 4096 + block)).isCloseTo(tailAt, within(block));
        } finally {
            Posix.close(in);
        }
    }

    // ------------------------------------------------------------------ symlink targets

    @Test
    void readlinkReturnsLongAndNonUtf8TargetsByteExact() {
        byte[] longTarget = new byte[3000];
        for (int i = 0; i < longTarget.length; i++) {
            longTarget[i] = (byte) (i % 50 == 49 ? '/' : 'a' + i % 26);
        }
        Posix.symlink(longTarget, p("long"));
        assertThat(Posix.readlink(p("long"))).isEqualTo(longTarget);
        assertThat(Posix.lstat(p("long")).size()).isEqualTo(3000);

        byte[] odd = {'.', '.', '/', 'x', (byte) 0xff, (byte) 0xfe, '\n', (byte) 0x80, '/', 'y'};
        Posix.symlink(odd, p(NON_UTF8));
        assertThat(Posix.readlink(p(NON_UTF8))).isEqualTo(odd);
        assertThat(Posix.lstat(p(NON_UTF8)).size()).isEqualTo(odd.length);

        byte[] maximal = new byte[4095]; // the longest target Linux stores
        Arrays.fill(maximal, (byte) 'm');
        Posix.symlink(maximal, p("max"));
        assertThat(Posix.readlink(p("max"))).isEqualTo(maximal);

        writeFile(p("plain"), new byte[1]);
        assertThat(fsError(() -> Posix.readlink(p("plain"))).errno()).isEqualTo(FsException.EINVAL);
        assertThat(fsError(() -> Posix.readlink(p("missing"))).errno()).isEqualTo(FsException.ENOENT);
    }

    // ------------------------------------------------------------------ errors

    @Test
    void lstatOfAMissingPathNamesThePathAndTheReason() {
        byte[] missing = p("no-such-entry");
        FsException e = fsError(() -> Posix.lstat(missing));
        assertThat(e.errno()).isEqualTo(FsException.ENOENT);
        assertThat(e).hasMessageContaining(tmp + "/no-such-entry").hasMessageContaining("No such file or directory");
        assertThat(e).hasMessage("lstat " + tmp + "/no-such-entry: No such file or directory");

        byte[] missingOdd = p(NON_UTF8);
        FsException odd = fsError(() -> Posix.stat(missingOdd));
        assertThat(odd.errno()).isEqualTo(FsException.ENOENT);
        assertThat(odd).hasMessage("stat " + tmp + "/a\\xff\\xfe: No such file or directory");
        assertThat(fsError(() -> Posix.lstat(p("no-dir/child"))).errno()).isEqualTo(FsException.ENOENT);
    }

    @Test
    void systemCallErrorsCarryTheirErrno() throws Exception {
        writeFile(p("file"), new byte[1]);
        Files.createSymbolicLink(tmp.resolve("link"), Path.of("file"));

        FsException exists = fsError(() -> Posix.createFile(p("file"), 0600, true, false));
        assertThat(exists.errno()).isEqualTo(FsException.EEXIST).isEqualTo(17);
        assertThat(exists).hasMessage("create " + tmp + "/file: File exists");
        // exclusive creation refuses a symlink too, even a dangling one
        Posix.symlink(BytePaths.of("nowhere"), p("dangling"));
        assertThat(fsError(() -> Posix.createFile(p("dangling"), 0600, true, false)).errno())
                .isEqualTo(FsException.EEXIST);
        assertThat(Files.exists(tmp.resolve("nowhere"), LinkOption.NOFOLLOW_LINKS)).isFalse();

        FsException loop = fsError(() -> Posix.openRead(p("link")));
        assertThat(loop.errno()).isEqualTo(FsException.ELOOP).isEqualTo(40);
        assertThat(loop).hasMessageContaining(tmp + "/link");

        FsException notDir = fsError(() -> Posix.listDir(p("file")));
        assertThat(notDir.errno()).isEqualTo(FsException.ENOTDIR).isEqualTo(20);
        assertThat(notDir).hasMessage("list directory " + tmp + "/file: Not a directory");
        assertThat(fsError(() -> Posix.openDir(p("file"))).errno()).isEqualTo(FsException.ENOTDIR);
        assertThat(fsError(() -> Posix.listDir(p("file/x"))).errno()).isEqualTo(FsException.ENOTDIR);

        Posix.mkdir(p("dir"), 0755);
        FsException dirExists = fsError(() -> Posix.mkdir(p("dir"), 0755));
        assertThat(dirExists.errno()).isEqualTo(FsException.EEXIST);
        assertThat(dirExists).hasMessage("create directory " + tmp + "/dir: File exists");
        assertThat(fsError(() -> Posix.mkdir(p("file"), 0755)).errno()).isEqualTo(FsException.EEXIST);

        assertThat(fsError(() -> Posix.unlink(p("dir"))).errno()).isEqualTo(FsException.EISDIR);
        writeFile(p("dir/inside"), new byte[1]);
        assertThat(fsError(() -> Posix.rmdir(p("dir"))).errno()).isEqualTo(FsException.ENOTEMPTY);
        FsException rename = fsError(() -> Posix.rename(p("missing"), p("other")));
        assertThat(rename.errno()).isEqualTo(FsException.ENOENT);
        assertThat(rename).hasMessage("rename " + tmp + "/missing to " + tmp + "/other: No such file or directory");
        assertThat(fsError(() -> Posix.openWrite(p("missing"))).errno()).isEqualTo(FsException.ENOENT);

        FsException badFd = fsError(() -> Posix.read(-1, new byte[1], 0, 1));
        assertThat(badFd.errno()).isEqualTo(FsException.EBADF);
        assertThat(badFd).hasMessage("read: Bad file descriptor");
        assertThat(fsError(() -> Posix.close(-1)).errno()).isEqualTo(FsException.EBADF);
        assertThat(fsError(() -> Posix.fstat(-1)).errno()).isEqualTo(FsException.EBADF);
    }

    // ------------------------------------------------------------------ threads

    @Test
    void concurrentLstatAndListDirGiveConsistentResults() throws Exception {
        List<byte[]> names = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            byte[] name = ("entry-" + i).getBytes(UTF_8);
            names.add(name);
            writeFile(p(name), new byte[i * 37]);
        }
        names.add(NON_UTF8);
        writeFile(p(NON_UTF8), new byte[999]);
        byte[] sub = BytePaths.of("sub");
        names.add(sub);
        Posix.mkdir(p(sub), 0755);
        writeFile(BytePaths.join(p(sub), BytePaths.of("inner")), new byte[5]);
        names.sort(Arrays::compareUnsigned);

        byte[] root = BytePaths.of(tmp);
        List<byte[]> paths = names.stream().map(this::p).toList();
        List<Stat> expectedStats = paths.stream().map(Posix::lstat).toList();
        List<byte[]> expectedListing = Posix.listDir(root);
        assertThat(expectedListing).hasSize(names.size());
        for (int i = 0; i < names.size(); i++) {
            assertThat(expectedListing.get(i)).isEqualTo(names.get(i));
        }

        int threads = 4;
        int rounds = 2000;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                results.add(pool.submit(() -> {
                    start.await();
                    int checked = 0;
                    for (int r = 0; r < rounds; r++) {
                        int i = (r * 7 + seed) % paths.size();
                        Stat st = Posix.lstat(paths.get(i));
                        if (!st.equals(expectedStats.get(i))) {
                            throw new AssertionError("lstat of " + BytePaths.display(paths.get(i)) + " gave " + st);
                        }
                        List<byte[]> listed = Posix.listDir(root);
                        if (listed.size() != expectedListing.size()) {
                            throw new AssertionError("listing of size " + listed.size());
                        }
                        for (int k = 0; k < listed.size(); k++) {
                            if (!Arrays.equals(listed.get(k), expectedListing.get(k))) {
                                throw new AssertionError("listing differs at " + k + ": "
                                        + BytePaths.display(listed.get(k)));
                            }
                        }
                        checked++;
                    }
                    return checked;
                }));
            }
            start.countDown();
            for (Future<Integer> f : results) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(rounds);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
