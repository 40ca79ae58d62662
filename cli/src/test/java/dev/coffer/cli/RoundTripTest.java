package dev.coffer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coffer.client.fs.BytePaths;
import dev.coffer.client.fs.Posix;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Backup then restore gives back the same tree, in every crypt mode. */
class RoundTripTest {
    @TempDir
    Path tmp;

    private String repo() {
        return tmp.resolve("ds").toString();
    }

    private String keyfile() {
        return tmp.resolve("key.json").toString();
    }

    private Cli.Result ok(String... args) {
        Cli.Result r = Cli.run(args);
        assertThat(r.code()).as(r.toString()).isZero();
        return r;
    }

    @ParameterizedTest
    @ValueSource(strings = {"encrypt", "sign-only", "none"})
    void everyKindOfEntryRoundTrips(String mode) throws Exception {
        Path src = tmp.resolve("src");
        Trees.everything(src);
        ok("key", "create", "--kdf", "none", "--keyfile", keyfile());
        Cli.Result b = ok("backup", "all.cfar:" + src, "--crypt-mode", mode, "--backup-id", "box",
                "--repository", repo(), "--keyfile", keyfile());
        assertThat(b.out()).contains("snapshot host/box/").contains(mode);
        Path dst = tmp.resolve("restored");
        Cli.Result r = ok("restore", "host/box", "all.cfar", dst.toString(), "--repository", repo(), "--keyfile", keyfile());
        assertThat(r.err()).doesNotContain("could not").doesNotContain("skipped");
        Trees.assertSameTree(src, dst);
        // holes stay holes: the 40 MiB sparse file takes little space after restore
        long blocks = (long) Files.getAttribute(dst.resolve("sparse.img"), "unix:size");
        assertThat(blocks).isEqualTo(40L << 20);
        assertThat(allocated(dst.resolve("sparse.img"))).isLessThan(8L << 20);
    }

    @Test
    void smallFilesAcrossManyWriterBatchesAndHardLinksBetweenThemRoundTrip() throws Exception {
        // restore hands small files to writer threads in batches of at most 256 files and 1 MiB: this tree
        // has several batches, files at the 1 MiB boundary on both sides, and hard links to files in the
        // batch being filled, in earlier batches, and to a large file
        Path src = tmp.resolve("src");
        java.util.Random r = new java.util.Random(11);
        for (int i = 0; i < 700; i++) {
            Trees.write(src.resolve(String.format("d%d/f%03d", i / 100, i)), Trees.random(i, r.nextInt(6000)));
        }
        Trees.write(src.resolve("d7/exactly-1MiB"), Trees.random(701, 1 << 20));
        Trees.write(src.resolve("d7/1MiB-and-1"), Trees.random(702, (1 << 20) + 1));
        Trees.write(src.resolve("d7/after"), Trees.random(703, 100));
        Files.createLink(src.resolve("d0/link-same-batch"), src.resolve("d0/f050"));
        Files.createLink(src.resolve("d6/link-earlier-batch"), src.resolve("d0/f001"));
        Files.createLink(src.resolve("d8-link-large"), src.resolve("d7/1MiB-and-1"));
        Files.createLink(src.resolve("d8-link-exact"), src.resolve("d7/exactly-1MiB"));
        ok("key", "create", "--kdf", "none", "--keyfile", keyfile());
        ok("backup", "s.cfar:" + src, "--backup-id", "box", "--repository", repo(), "--keyfile", keyfile());
        Path dst = tmp.resolve("restored");
        Cli.Result res = ok("restore", "host/box", "s.cfar", dst.toString(), "--repository", repo(), "--keyfile", keyfile());
        assertThat(res.err()).doesNotContain("skipped").doesNotContain("could not");
        Trees.assertSameTree(src, dst);
        assertThat(Files.getAttribute(dst.resolve("d6/link-earlier-batch"), "unix:ino"))
                .isEqualTo(Files.getAttribute(dst.resolve("d0/f001"), "unix:ino"));
    }

    @Test
    void filesEndingInZerosKeepTheirSizeAndAnExistingTargetIsCheckedBeforeAnythingIsWritten() throws Exception {
        Path src = tmp.resolve("src");
        byte[] tail = new byte[70_000];
        tail[0] = 7; // data, then 69,999 zero bytes: a hole at the end once restored
        Trees.write(src.resolve("tail-zeros"), tail);
        Trees.write(src.resolve("all-zeros"), new byte[10_000]);
        Trees.write(src.resolve("block-and-one"), java.util.Arrays.copyOf(new byte[4096], 4097));
        Trees.write(src.resolve("d/empty"), new byte[0]);
        Trees.write(src.resolve("d/text"), "plain".getBytes(StandardCharsets.UTF_8));
        ok("key", "create", "--kdf", "none", "--keyfile", keyfile());
        ok("backup", "z.cfar:" + src, "--repository", repo(), "--keyfile", keyfile(), "--quiet");
        Path dst = tmp.resolve("new/target"); // does not exist: created, nothing can be in the way
        ok("restore", "latest", "z.cfar", dst.toString(), "--repository", repo(), "--keyfile", keyfile(), "--quiet");
        Trees.assertSameTree(src, dst);
        assertThat(Files.size(dst.resolve("tail-zeros"))).isEqualTo(70_000);
        assertThat(Files.readAllBytes(dst.resolve("all-zeros"))).isEqualTo(new byte[10_000]);

        // into the now existing target: refused before anything is written, then allowed with --overwrite
        Files.writeString(dst.resolve("d/text"), "local edit");
        Files.delete(dst.resolve("all-zeros"));
        Cli.Result again = Cli.run("restore", "latest", "z.cfar", dst.toString(), "--repository", repo(), "--keyfile",
                keyfile());
        assertThat(again.code()).isNotZero();
        assertThat(again.err()).contains("restore would replace existing ").contains("; nothing was written")
                .contains("--overwrite");
        assertThat(Files.readString(dst.resolve("d/text"))).isEqualTo("local edit");
        assertThat(dst.resolve("all-zeros")).doesNotExist();
        ok("restore", "latest", "z.cfar", dst.toString(), "--overwrite", "--repository", repo(), "--keyfile", keyfile(),
                "--quiet");
        Trees.assertSameTree(src, dst);
    }

    @Test
    void aTargetThatAlreadyHeldSomethingKeepsItsOwnModeLikeTmp() throws Exception {
        Path src = tmp.resolve("src-shared");
        Trees.write(src.resolve("notes.txt"), "restored".getBytes(StandardCharsets.UTF_8));
        Posix.chmod(BytePaths.of(src.toString()), 0750); // not 0700, which a new target has until its own mode is set
        ok("key", "create", "--kdf", "none", "--keyfile", keyfile());
        ok("backup", "s.cfar:" + src, "--repository", repo(), "--keyfile", keyfile(), "--quiet");
        // a shared directory like /tmp: sticky and world-writable, holding another user's file
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Files.writeString(shared.resolve("someone-elses"), "keep");
        Posix.chmod(BytePaths.of(shared.toString()), 01777);
        ok("restore", "latest", "s.cfar", shared.toString(), "--repository", repo(), "--keyfile", keyfile(), "--quiet");
        assertThat(Files.readString(shared.resolve("notes.txt"))).isEqualTo("restored");
        assertThat(Posix.lstat(BytePaths.of(shared.toString())).mode() & 07777).as("the target's own mode").isEqualTo(01777);
        // a new directory gets the archive root's
        Path fresh = tmp.resolve("fresh");
        ok("restore", "latest", "s.cfar", fresh.toString(), "--repository", repo(), "--keyfile", keyfile(), "--quiet");
        assertThat(Posix.lstat(BytePaths.of(fresh.toString())).mode() & 07777).isEqualTo(0750);
    }

    /** Files and directories in the permission patterns a umask or a default ACL could spoil. */
    private static Path modeTree(Path src) throws Exception {
        List<Integer> fileModes = new ArrayList<>(List.of(0644, 0755, 0666, 0600, 0444, 0640, 0777, 0604));
        if (Trees.isRoot()) {
            fileModes.add(0000); // readable for the comparison only by root
        }
        for (int m : fileModes) {
            Path f = src.resolve(String.format("files/f%03o", m));
            Trees.write(f, ("mode " + m).getBytes(StandardCharsets.UTF_8));
            Posix.chmod(BytePaths.of(f.toString()), m);
        }
        for (int m : new int[] {0755, 0700, 0777, 0750, 0705}) {
            Path d = src.resolve(String.format("dirs/d%03o", m));
            Trees.write(d.resolve("inside"), "x".getBytes(StandardCharsets.UTF_8));
            Posix.chmod(BytePaths.of(d.toString()), m);
        }
        return src;
    }

    /** Permission bits of every entry below {@code root}, by relative path (not the root itself). */
    private static java.util.Map<String, Integer> modes(Path root) throws Exception {
        java.util.Map<String, Integer> out = new java.util.TreeMap<>();
        try (var s = Files.walk(root)) {
            for (Path p : s.filter(p -> !p.equals(root)).toList()) {
                out.put(root.relativize(p).toString(), Posix.lstat(BytePaths.of(p.toString())).mode());
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"077", "000", "027"})
    void theArchivedModesComeBackWhateverTheUmask(String umask) throws Exception {
        Path src = modeTree(tmp.resolve("src"));
        ok("backup", "m.cfar:" + src, "--crypt-mode", "none", "--repository", repo(), "--quiet");
        for (String target : new String[] {"new/target", "empty"}) { // created by the restore, and existing but empty
            Path dst = tmp.resolve(target);
            if (target.equals("empty")) {
                Files.createDirectories(dst);
            }
            Cli.Result r = Cli.processWithUmask(umask, java.util.Map.of("HOME", tmp.toString()), tmp, "restore",
                    "latest", "m.cfar", dst.toString(), "--repository", repo(), "--quiet");
            assertThat(r.code()).as(r.toString()).isZero();
            assertThat(modes(dst)).as("under umask %s into %s", umask, target).isEqualTo(modes(src));
            Trees.assertSameTree(src, dst);
        }
    }

    @Test
    void theArchivedModesComeBackUnderADefaultAcl() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Trees.hasSetfacl(), "setfacl installed");
        Path src = modeTree(tmp.resolve("src"));
        ok("backup", "m.cfar:" + src, "--crypt-mode", "none", "--repository", repo(), "--quiet");
        // a default ACL, not the umask, decides the mode of new entries below the target: here, owner only
        Path dst = Files.createDirectories(tmp.resolve("acl-target"));
        Process p = new ProcessBuilder("setfacl", "-d", "-m", "u::rwx,g::---,o::---", dst.toString())
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        org.junit.jupiter.api.Assumptions.assumeTrue(p.waitFor() == 0, "filesystem has ACLs");
        // under umask 000, so that without the ACL every file could be created with its final mode
        Cli.Result r = Cli.processWithUmask("000", java.util.Map.of("HOME", tmp.toString()), tmp, "restore", "latest",
                "m.cfar", dst.toString(), "--repository", repo(), "--quiet");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(modes(dst)).isEqualTo(modes(src));
    }

    /** A directory with a file and a symlink in it and a file beside it, backed up as g.cfar. */
    private Path backUpSmallTree() throws Exception {
        Path src = tmp.resolve("src");
        Trees.write(src.resolve("sub/file"), "x".getBytes(StandardCharsets.UTF_8));
        Files.createSymbolicLink(src.resolve("sub/link"), Path.of("file"));
        Trees.write(src.resolve("top"), "y".getBytes(StandardCharsets.UTF_8));
        ok("backup", "g.cfar:" + src, "--crypt-mode", "none", "--repository", repo(), "--quiet");
        return src;
    }

    @Test
    void asRootSetgidDirectoriesInTheTargetDoNotChangeTheArchivedGroups() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Trees.isRoot(), "changing groups needs root");
        Path src = backUpSmallTree();
        long gid = Posix.lstat(BytePaths.of(src.resolve("top").toString())).gid();

        // an empty setgid target: new entries would take its group (4242) unless the restore sets theirs
        Path empty = Files.createDirectories(tmp.resolve("setgid-target"));
        Posix.lchown(BytePaths.of(empty.toString()), -1, 4242);
        Posix.chmod(BytePaths.of(empty.toString()), 02775);
        ok("restore", "latest", "g.cfar", empty.toString(), "--repository", repo(), "--quiet");
        Trees.assertSameTree(src, empty);

        // a target with a setgid directory in it, merged into
        Path merged = Files.createDirectories(tmp.resolve("merged/sub"));
        Posix.lchown(BytePaths.of(merged.toString()), -1, 4242);
        Posix.chmod(BytePaths.of(merged.toString()), 02775);
        Trees.write(tmp.resolve("merged/unrelated"), "keep".getBytes(StandardCharsets.UTF_8));
        ok("restore", "latest", "g.cfar", tmp.resolve("merged").toString(), "--repository", repo(), "--quiet");
        for (String name : new String[] {"sub", "sub/file", "sub/link", "top"}) {
            assertThat(Posix.lstat(BytePaths.of(tmp.resolve("merged").resolve(name).toString())).gid())
                    .as(name).isEqualTo(gid);
        }
        assertThat(Posix.lstat(BytePaths.of(tmp.resolve("merged/sub").toString())).mode())
                .as("the archived mode, without the setgid bit").isEqualTo(Posix.lstat(BytePaths.of(src.resolve("sub").toString())).mode());

        // an existing empty target owned by someone else gets the archived owner of the archive's root
        Path owned = Files.createDirectories(tmp.resolve("owned"));
        Posix.lchown(BytePaths.of(owned.toString()), 4321, 4321);
        ok("restore", "latest", "g.cfar", owned.toString(), "--repository", repo(), "--quiet");
        Trees.assertSameTree(src, owned);
    }

    private static int exit(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    @Test
    void asRootOnAGrpidMountTheArchivedGroupsAreKept() throws Exception {
        // with grpid (ext2/3/4, XFS) a new entry takes its parent directory's group, setgid or not
        org.junit.jupiter.api.Assumptions.assumeTrue(Trees.isRoot(), "mounting needs root");
        Path src = backUpSmallTree();
        Path image = tmp.resolve("grpid.img");
        try (var f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(16L << 20);
        }
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        org.junit.jupiter.api.Assumptions.assumeTrue(exit("mkfs.ext4", "-q", "-F", image.toString()) == 0, "mkfs.ext4 works");
        org.junit.jupiter.api.Assumptions.assumeTrue(
                exit("mount", "-o", "loop,grpid", image.toString(), mnt.toString()) == 0, "a loop device can be mounted here");
        try {
            Posix.lchown(BytePaths.of(mnt.toString()), -1, 4242);
            Path dst = mnt.resolve("restored");
            ok("restore", "latest", "g.cfar", dst.toString(), "--repository", repo(), "--quiet");
            Trees.assertSameTree(src, dst);
        } finally {
            exit("umount", mnt.toString());
        }
    }

    @Test
    void aFullDiskDuringARestoreIsAClearErrorAndLeavesNoPartOfTheFile() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Trees.isRoot(), "mounting needs root");
        Path src = tmp.resolve("src");
        Trees.write(src.resolve("a-small"), Trees.random(1, 10_000));
        Trees.write(src.resolve("big.bin"), Trees.random(2, 6 << 20)); // written in pieces by the writer threads
        Trees.write(src.resolve("z-after"), Trees.random(3, 10_000));
        ok("backup", "f.cfar:" + src, "--crypt-mode", "none", "--repository", repo(), "--quiet");
        Path mnt = Files.createDirectories(tmp.resolve("small-fs"));
        org.junit.jupiter.api.Assumptions.assumeTrue(
                exit("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mnt.toString()) == 0, "tmpfs can be mounted here");
        try {
            Cli.Result r = Cli.run("restore", "latest", "f.cfar", mnt.resolve("out").toString(), "--repository", repo());
            assertThat(r.code()).as(r.toString()).isEqualTo(1);
            // the writer threads write big.bin and the small files' batch at once: either can meet the full disk
            assertThat(r.err()).as(r.toString()).containsPattern("coffer: error: restoring (big.bin|z-after|a-small) to "
                    + java.util.regex.Pattern.quote(mnt.resolve("out").toString()) + "/\\S+: write: No space left on device")
                    .doesNotContain("\tat ");
            assertThat(mnt.resolve("out/big.bin")).doesNotExist();
            for (Path f : Trees.allFiles(mnt.resolve("out"))) { // a file written meanwhile is whole
                assertThat(f).hasSameBinaryContentAs(src.resolve(mnt.resolve("out").relativize(f)));
            }
        } finally {
            exit("umount", mnt.toString());
        }
    }

    @Test
    void theMetaStreamIsCutFinerThanThePayloadSoNoLargeMetaChunkIsHeld() throws Exception {
        Path src = tmp.resolve("src");
        Files.createDirectories(src);
        java.util.Random rnd = new java.util.Random(7);
        // about 8.5 MB of entries: symlinks with long targets of random letters (under XFS's limit of 1024)
        for (int i = 0; i < 9000; i++) {
            char[] target = new char[900];
            for (int j = 0; j < target.length; j++) {
                target[j] = (char) ('a' + rnd.nextInt(26));
            }
            Files.createSymbolicLink(src.resolve("link-" + i), Path.of(new String(target)));
        }
        Trees.write(src.resolve("big.bin"), Trees.random(31, 20 << 20));
        ok("backup", "t.cfar:" + src, "--crypt-mode", "none", "--backup-id", "m", "--repository", repo(), "--quiet");
        Path dir;
        try (var s = Files.list(Path.of(repo()).resolve("host/m"))) {
            dir = s.filter(p -> !p.getFileName().toString().startsWith(".")).findFirst().orElseThrow();
        }
        dev.coffer.core.format.Index meta = dev.coffer.core.format.Index.parse(Files.readAllBytes(dir.resolve("t.cfar.meta.cidx")));
        dev.coffer.core.format.Index payload =
                dev.coffer.core.format.Index.parse(Files.readAllBytes(dir.resolve("t.cfar.payload.cidx")));
        assertThat(meta.size()).isGreaterThan(8_000_000L);
        for (int i = 0; i < meta.chunkCount(); i++) {
            assertThat(meta.end(i) - meta.start(i)).as("meta chunk " + i).isLessThanOrEqualTo(4L << 20); // 4 × 1 MiB
        }
        assertThat(meta.chunkCount()).as("meta chunks of about 1 MiB").isGreaterThanOrEqualTo(5);
        // the payload keeps the 4 MiB average: 20 MiB of random data in a handful of chunks, none under 1 MiB but the last
        assertThat(payload.chunkCount()).isBetween(2, 10);
        for (int i = 0; i < payload.chunkCount() - 1; i++) {
            assertThat(payload.end(i) - payload.start(i)).as("payload chunk " + i).isGreaterThanOrEqualTo(1L << 20);
        }
        Path dst = tmp.resolve("dst");
        ok("restore", "latest", "t.cfar", dst.toString(), "--repository", repo(), "--quiet");
        Trees.assertSameTree(src, dst);
    }

    @Test
    void aReBackupOverABaseCutWithAnotherChunkSizeFindsEveryFileUnchanged() throws Exception {
        Path src = tmp.resolve("src");
        for (int i = 0; i < 300; i++) {
            Trees.write(src.resolve("d" + (i % 7) + "/f" + i), Trees.random(i, 3000 + i));
        }
        ok("backup", "t.cfar:" + src, "--crypt-mode", "none", "--chunk-size", "64K", "--repository", repo(), "--quiet");
        Cli.Result second = ok("backup", "t.cfar:" + src, "--crypt-mode", "none", "--repository", repo());
        assertThat(second.out()).contains("files 300 (300 unchanged").contains("read 0 B");
        Path dst = tmp.resolve("dst");
        ok("restore", "latest", "t.cfar", dst.toString(), "--repository", repo(), "--quiet");
        Trees.assertSameTree(src, dst);
    }

    /** Runs {@code command} and returns its standard output, or null when it failed. */
    private static String output(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? out.trim() : null;
    }

    /** Unmounts {@code mnt}, lazily if it is still busy (a test that failed may have left a file open). */
    private static void unmount(Path mnt) throws Exception {
        if (exit("umount", mnt.toString()) != 0) {
            exit("umount", "-l", mnt.toString());
        }
    }

    /**
     * Backs up, as image disk.img of group vm1, 9 MiB + 5 bytes: random data, a zero chunk's worth of zeros,
     * random data again; returns the image file.
     */
    private Path backUpMixedImage() throws Exception {
        Path img = tmp.resolve("disk.raw");
        byte[] b = Trees.random(21, (9 << 20) + 5);
        java.util.Arrays.fill(b, 4 << 20, 8 << 20, (byte) 0);
        Files.write(img, b);
        ok("key", "create", "--kdf", "none", "--keyfile", keyfile());
        ok("backup", "disk.img:" + img, "--backup-id", "vm1", "--repository", repo(), "--keyfile", keyfile(), "--quiet");
        return img;
    }

    /** Opens {@code device} exclusively, as a mount does: others' exclusive opens then fail with EBUSY. */
    private static int holdExclusively(String device) {
        return dev.coffer.client.fs.Posix.openDeviceExclusive(device.getBytes(StandardCharsets.UTF_8));
    }

    private static void release(int fd) {
        dev.coffer.client.fs.Posix.close(fd);
    }

    /** A loop block device over {@code backing} (the test is skipped where none can be set up); detach it after. */
    private static String attachLoop(Path backing) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Trees.isRoot(), "loop devices need root");
        String printed = output("losetup", "--find", "--show", backing.toString());
        String dev = printed == null || printed.isEmpty() ? null : printed.substring(printed.lastIndexOf('\n') + 1);
        org.junit.jupiter.api.Assumptions.assumeTrue(dev != null && dev.startsWith("/dev/loop"), "a loop device can be set up here");
        return dev;
    }

    @Test
    void anImageRestoresOntoABlockDeviceByteForByte() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Trees.isRoot(), "loop devices need root");
        Path img = backUpMixedImage();
        Path backing = tmp.resolve("device.raw");
        byte[] old = Trees.random(22, 12 << 20); // what the device held before: every byte of it is overwritten
        Files.write(backing, old);
        String dev = attachLoop(backing);
        try {
            // through a symlink, as /dev/mapper/… and /dev/disk/by-id/… names are, and with --overwrite: the
            // device is written, the link stays (it used to be replaced by a file in /dev)
            Path link = tmp.resolve("disk-by-name");
            Files.createSymbolicLink(link, Path.of(dev));
            ok("restore", "latest", "disk.img", link.toString(), "--overwrite", "--repository", repo(), "--keyfile",
                    keyfile(), "--quiet");
            assertThat(Files.isSymbolicLink(link)).isTrue();
            byte[] onDevice = Files.readAllBytes(backing);
            byte[] expected = Files.readAllBytes(img);
            assertThat(java.util.Arrays.copyOf(onDevice, expected.length)).isEqualTo(expected); // the zeros included
            assertThat(java.util.Arrays.copyOfRange(onDevice, expected.length, onDevice.length))
                    .as("the device beyond the image is left alone")
                    .isEqualTo(java.util.Arrays.copyOfRange(old, expected.length, old.length));
            // a device in use (mounted, or held exclusively as here) is refused
            int held = holdExclusively(dev);
            try {
                Cli.Result busy = Cli.run("restore", "latest", "disk.img", dev, "--repository", repo(), "--keyfile", keyfile());
                assertThat(busy.code()).as(busy.toString()).isEqualTo(1);
                assertThat(busy.err()).contains("block device " + dev + " is in use (mounted, or held open by another "
                        + "program); nothing was written").contains("hint: unmount it");
            } finally {
                release(held);
            }
        } finally {
            exit("losetup", "-d", dev);
        }
    }

    @Test
    void anImageIsNeverRestoredOverAFifoOrACharacterDevice() throws Exception {
        backUpMixedImage();
        Path fifo = tmp.resolve("pipe");
        assertThat(exit("mkfifo", fifo.toString())).isZero();
        Cli.Result r = Cli.run("restore", "latest", "disk.img", fifo.toString(), "--overwrite", "--repository", repo(),
                "--keyfile", keyfile());
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("restore target " + fifo + " is a FIFO; nothing was written")
                .contains("hint: an image restores to a file or a block device");
        assertThat(Files.readAttributes(fifo, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                .isOther()).as("the FIFO is still there").isTrue();
        Cli.Result nul = Cli.run("restore", "latest", "disk.img", "/dev/null", "--repository", repo(), "--keyfile", keyfile());
        assertThat(nul.code()).isEqualTo(1);
        assertThat(nul.err()).contains("/dev/null is a character device");
    }

    @Test
    void aBlockDeviceSmallerThanTheImageIsRefusedBeforeAnythingIsWritten() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Trees.isRoot(), "loop devices need root");
        Path img = backUpMixedImage();
        Path backing = tmp.resolve("small-device.raw");
        byte[] old = Trees.random(23, 4 << 20);
        Files.write(backing, old);
        String dev = attachLoop(backing);
        try {
            Cli.Result r = Cli.run("restore", "latest", "disk.img", dev, "--repository", repo(), "--keyfile", keyfile());
            assertThat(r.code()).as(r.toString()).isEqualTo(1);
            assertThat(r.err()).contains("coffer: error: block device " + dev + " holds " + (4 << 20) + " bytes, image disk.img has "
                    + Files.size(img) + "; nothing was written")
                    .contains("hint: restore onto a device at least as large, or into a file");
        } finally {
            exit("losetup", "-d", dev);
        }
        assertThat(Files.readAllBytes(backing)).isEqualTo(old);
    }

    @Test
    void aFullDiskDuringAnImageRestoreIsAClearErrorAndLeavesNoFile() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Trees.isRoot(), "mounting needs root");
        backUpMixedImage();
        Path mnt = Files.createDirectories(tmp.resolve("small-fs"));
        org.junit.jupiter.api.Assumptions.assumeTrue(
                exit("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mnt.toString()) == 0, "tmpfs can be mounted here");
        try {
            Path out = mnt.resolve("disk.img");
            Cli.Result r = Cli.run("restore", "latest", "disk.img", out.toString(), "--repository", repo(), "--keyfile",
                    keyfile());
            assertThat(r.code()).as(r.toString()).isEqualTo(1);
            assertThat(r.err()).as(r.toString())
                    .contains("coffer: error: restoring image disk.img to " + out + ": write: No space left on device")
                    .contains("hint: the partly written file was removed; make room there, or restore to another place")
                    .doesNotContain("\tat ");
            assertThat(out).doesNotExist();
            try (var left = Files.list(mnt)) {
                assertThat(left).isEmpty();
            }
        } finally {
            unmount(mnt);
        }
    }

    static long allocated(Path p) throws Exception {
        Process du = new ProcessBuilder("du", "-B1", "--", p.toString()).start();
        String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        du.waitFor();
        return Long.parseLong(out.split("\\s+")[0]);
    }

    @Test
    void imageArchiveRestoresToASparseFileWithTheSameBytes() throws Exception {
        Path img = tmp.resolve("disk.raw");
        try (var ch = java.nio.channels.FileChannel.open(img, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(Trees.random(9, 5 << 20)), 0);
            ch.write(java.nio.ByteBuffer.wrap("tail".getBytes(StandardCharsets.UTF_8)), (64L << 20) + 3);
        }
        ok("key", "create", "--kdf", "none", "--keyfile", keyfile());
        ok("backup", "disk.img:" + img, "--backup-id", "vm1", "--repository", repo(), "--keyfile", keyfile());
        Path out = tmp.resolve("out.raw");
        ok("restore", "latest", "disk.img", out.toString(), "--repository", repo(), "--keyfile", keyfile());
        assertThat(Files.size(out)).isEqualTo(Files.size(img));
        assertThat(Files.mismatch(img, out)).isEqualTo(-1L);
        assertThat(allocated(out)).isLessThan(12L << 20);
        // restoring again over it is refused without --overwrite, and allowed with it
        Cli.Result again = Cli.run("restore", "latest", "disk", out.toString(), "--repository", repo(), "--keyfile", keyfile());
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("exists").contains("--overwrite");
        ok("restore", "latest", "disk", out.toString(), "--overwrite", "--repository", repo(), "--keyfile", keyfile());
        assertThat(Files.mismatch(img, out)).isEqualTo(-1L);
    }

    @Test
    void includeRestoresOnlyPartAndExcludeSkips() throws Exception {
        Path src = tmp.resolve("src");
        Trees.write(src.resolve("a/one.txt"), "1".getBytes(StandardCharsets.UTF_8));
        Trees.write(src.resolve("a/b/two.txt"), "2".getBytes(StandardCharsets.UTF_8));
        Trees.write(src.resolve("c/three.txt"), "3".getBytes(StandardCharsets.UTF_8));
        Trees.write(src.resolve("c/skip.tmp"), "x".getBytes(StandardCharsets.UTF_8));
        Trees.write(src.resolve("cache/big"), "x".getBytes(StandardCharsets.UTF_8));
        ok("backup", "t.cfar:" + src, "--crypt-mode", "none", "--exclude", "*.tmp", "--exclude", "/cache",
                "--repository", repo());
        Path dst = tmp.resolve("dst");
        ok("restore", "latest", "t.cfar", dst.toString(), "--include", "a/b", "--repository", repo());
        assertThat(Files.readString(dst.resolve("a/b/two.txt"))).isEqualTo("2");
        assertThat(dst.resolve("a/one.txt")).doesNotExist();
        assertThat(dst.resolve("c")).doesNotExist();
        Path all = tmp.resolve("all");
        ok("restore", "latest", "t.cfar", all.toString(), "--repository", repo());
        assertThat(all.resolve("c/three.txt")).exists();
        assertThat(all.resolve("c/skip.tmp")).doesNotExist();
        assertThat(all.resolve("cache")).doesNotExist();

        // overlapping includes, in either order: each names something
        for (String[] order : new String[][] {{"a", "a/b"}, {"a/b", "a"}}) {
            Path both = tmp.resolve("both-" + order[0].replace('/', '-'));
            ok("restore", "latest", "t.cfar", both.toString(), "--include", order[0], "--include", order[1],
                    "--repository", repo());
            assertThat(Files.readString(both.resolve("a/one.txt"))).isEqualTo("1");
            assertThat(Files.readString(both.resolve("a/b/two.txt"))).isEqualTo("2");
            assertThat(both.resolve("c")).doesNotExist();
        }

        Cli.Result missing = Cli.run("restore", "latest", "t.cfar", tmp.resolve("m").toString(), "--include", "nope",
                "--repository", repo());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("--include nope: no such path in the archive");
        assertThat(tmp.resolve("m")).as("checked before anything is written").doesNotExist();
    }

    @Test
    void anIncludedHardLinkToAFileLeftOutIsRestoredWithItsContent() throws Exception {
        Path src = tmp.resolve("src");
        Trees.write(src.resolve("a/first.txt"), "shared".getBytes(StandardCharsets.UTF_8));
        Files.createSymbolicLink(src.resolve("a/sym"), Path.of("first.txt"));
        Trees.write(src.resolve("z/own.txt"), "own".getBytes(StandardCharsets.UTF_8));
        Files.createLink(src.resolve("z/second.txt"), src.resolve("a/first.txt")); // archived as a link to a/first.txt
        dev.coffer.client.fs.Posix.link(dev.coffer.client.fs.BytePaths.of(src.resolve("a/sym").toString()),
                dev.coffer.client.fs.BytePaths.of(src.resolve("z/sym-link").toString()));
        ok("backup", "t.cfar:" + src, "--crypt-mode", "none", "--repository", repo());

        Path dst = tmp.resolve("dst");
        Cli.Result r = Cli.run("restore", "latest", "t.cfar", dst.toString(), "--include", "z", "--repository", repo());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(Files.readString(dst.resolve("z/second.txt"))).isEqualTo("shared");
        assertThat(Files.readString(dst.resolve("z/own.txt"))).isEqualTo("own");
        assertThat(dst.resolve("a")).doesNotExist();
        // a hard link to a symlink that is not restored has nothing to point to
        assertThat(r.err()).contains("skipped hard link z/sym-link: its target a/sym was not restored");
        assertThat(dst.resolve("z/sym-link")).doesNotExist();

        Path all = tmp.resolve("all");
        ok("restore", "latest", "t.cfar", all.toString(), "--repository", repo());
        assertThat(Files.isSameFile(all.resolve("a/first.txt"), all.resolve("z/second.txt"))).isTrue();
        assertThat(Files.readSymbolicLink(all.resolve("z/sym-link"))).isEqualTo(Path.of("first.txt"));
        assertThat(Files.getAttribute(all.resolve("a/sym"), "unix:ino", java.nio.file.LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(Files.getAttribute(all.resolve("z/sym-link"), "unix:ino", java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void restoreRefusesToOverwriteAndNeverFollowsSymlinksInTheTarget() throws Exception {
        Path src = tmp.resolve("src");
        Trees.write(src.resolve("d/f.txt"), "new".getBytes(StandardCharsets.UTF_8));
        ok("backup", "t.cfar:" + src, "--crypt-mode", "none", "--repository", repo());
        Path dst = tmp.resolve("dst");
        Path outside = tmp.resolve("outside");
        Files.createDirectories(outside);
        Files.createDirectories(dst);
        Files.createSymbolicLink(dst.resolve("d"), outside);
        Cli.Result r = Cli.run("restore", "latest", "t.cfar", dst.toString(), "--repository", repo());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("nothing was written").contains("--overwrite");
        assertThat(outside).isEmptyDirectory();
        // with --overwrite the symlink is replaced by the directory, and nothing lands outside
        ok("restore", "latest", "t.cfar", dst.toString(), "--overwrite", "--repository", repo());
        assertThat(outside).isEmptyDirectory();
        assertThat(Files.isSymbolicLink(dst.resolve("d"))).isFalse();
        assertThat(Files.readString(dst.resolve("d/f.txt"))).isEqualTo("new");
    }

    @Test
    void snapshotsListsWhatTheDatastoreSeesAndLsListsTheArchive() throws Exception {
        Path src = tmp.resolve("src");
        Trees.write(src.resolve("x/y.txt"), "hello".getBytes(StandardCharsets.UTF_8));
        ok("key", "create", "--kdf", "none", "--keyfile", keyfile());
        ok("backup", "t.cfar:" + src, "--backup-id", "h1", "--repository", repo(), "--keyfile", keyfile());
        Cli.Result s = ok("snapshots", "--output-format", "json", "--repository", repo());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(s.out());
        assertThat(json).hasSize(1);
        assertThat(json.get(0).get("snapshot").asText()).startsWith("host/h1/");
        assertThat(json.get(0).get("files").get(0).asText()).isEqualTo("t.cfar");
        assertThat(json.get(0).get("crypt-mode").asText()).isEqualTo("encrypt");
        assertThat(json.get(0).get("key-fingerprint").asText()).hasSize(95);
        assertThat(json.get(0).get("size").asLong()).isEqualTo(5);
        assertThat(json.get(0).get("verify").asText()).isEqualTo("none");
        assertThat(json.get(0).get("protected").asBoolean()).isFalse();
        Cli.Result ls = ok("ls", "latest", "t.cfar", "x", "--output-format", "json", "--repository", repo(),
                "--keyfile", keyfile());
        var entries = new com.fasterxml.jackson.databind.ObjectMapper().readTree(ls.out());
        assertThat(entries).hasSize(2);
        assertThat(entries.get(1).get("path").asText()).isEqualTo("/x/y.txt");
        assertThat(entries.get(1).get("size").asLong()).isEqualTo(5);
        Cli.Result text = ok("ls", "host/h1", "t", "--repository", repo(), "--keyfile", keyfile());
        assertThat(text.out()).contains("/x/y.txt");
    }

    @Test
    void nonUtf8NamesSurviveByteForByte() throws Exception {
        Path src = tmp.resolve("src");
        Files.createDirectories(src);
        byte[] name = BytePaths.join(BytePaths.of(src.toString()), Trees.NON_UTF8_NAME);
        Posix.close(Posix.createFile(name, 0600, true, false));
        ok("backup", "t.cfar:" + src, "--crypt-mode", "none", "--repository", repo());
        Path dst = tmp.resolve("dst");
        ok("restore", "latest", "t.cfar", dst.toString(), "--repository", repo());
        assertThat(Posix.listDir(BytePaths.of(dst.toString()))).singleElement()
                .satisfies(n -> assertThat(n).isEqualTo(Trees.NON_UTF8_NAME));
    }
}
