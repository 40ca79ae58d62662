// Corpora and change sets for bench/compare.sh, all deterministic for a given seed and source tree.
// Run with the JDK's source launcher: java bench/BenchData.java COMMAND ...
//
//   image OUT MIB SEED BINARY_DIR...   a disk image of MIB 1-MiB blocks of mixed content: text 35%, binaries
//                                      (consecutive bytes of the files under BINARY_DIRs, sorted) 25%,
//                                      zeros 20% (written, not holes), random 20%
//   image-change FILE PERCENT SEED     overwrites PERCENT% of the file's 1-MiB blocks (whole, aligned) with
//                                      random bytes, in place
//   tree-change DIR SAVE PERMILLE SEED  changes PERMILLE/1000 of the regular files under DIR: a third get
//                                      1-4 KiB inserted at a random offset, a third get 1-16 KiB appended, a
//                                      third are deleted; originals are copied to SAVE first (cp -a SAVE/. DIR/
//                                      puts them back)
//   tree-variant SRC DST KEY           copies SRC to DST with every file byte XORed with KEY (1-255): the same
//                                      sizes, layout and compressibility, nothing in common with SRC for
//                                      deduplication
//   stats DIR                          files, directories, symlinks and bytes under DIR

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

public class BenchData {
    static final int MIB = 1 << 20;

    public static void main(String[] a) throws Exception {
        switch (a.length == 0 ? "" : a[0]) {
            case "image" -> image(Path.of(a[1]), Integer.parseInt(a[2]), Long.parseLong(a[3]),
                    List.of(a).subList(4, a.length));
            case "image-change" -> imageChange(Path.of(a[1]), Double.parseDouble(a[2]), Long.parseLong(a[3]));
            case "tree-change" -> treeChange(Path.of(a[1]), Path.of(a[2]), Integer.parseInt(a[3]), Long.parseLong(a[4]));
            case "tree-variant" -> treeVariant(Path.of(a[1]), Path.of(a[2]), Integer.parseInt(a[3]));
            case "stats" -> stats(Path.of(a[1]));
            default -> {
                System.err.println("usage: see the comment at the top of bench/BenchData.java");
                System.exit(2);
            }
        }
    }

    // ------------------------------------------------------------------ image

    static final String[] WORDS = ("the of and to in is that for it as was with be by on not he this are or his "
            + "from at which but have an they you were her she there been one all we their has would when if so no "
            + "system file data user kernel module network device memory process thread server client request error "
            + "value table index record config option package library version update install remove build test "
            + "January February March April May June July August September October November December").split(" ");

    /** Text: skewed word choice, numbers, punctuation and line breaks; zstd-1 shrinks it about threefold. */
    static void text(SplittableRandom r, byte[] out) {
        StringBuilder sb = new StringBuilder(out.length + 64);
        while (sb.length() < out.length) {
            sb.append(WORDS[(int) (WORDS.length * Math.pow(r.nextDouble(), 2.2))]);
            int p = r.nextInt(30);
            sb.append(p == 0 ? ".\n" : p == 1 ? ", " : p == 2 ? " " + r.nextInt(1_000_000) + " " : " ");
        }
        byte[] b = sb.toString().getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, out, 0, out.length);
    }

    /** Consecutive bytes of the regular files (64 KiB or more) under some directories, in sorted path order. */
    static final class Binaries {
        final List<Path> files = new ArrayList<>();
        int next;
        int round;
        FileChannel current;

        Binaries(List<String> dirs) throws IOException {
            for (String d : dirs) {
                try (Stream<Path> s = Files.walk(Path.of(d))) {
                    s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).filter(p -> {
                        try {
                            return Files.size(p) >= 64 << 10;
                        } catch (IOException e) {
                            return false;
                        }
                    }).sorted().forEach(files::add);
                }
            }
            if (files.isEmpty()) {
                throw new IllegalArgumentException("no files of 64 KiB or more under " + dirs);
            }
        }

        void fill(byte[] out) throws IOException {
            ByteBuffer buf = ByteBuffer.wrap(out);
            while (buf.hasRemaining()) {
                if (current == null) {
                    if (next == files.size()) {
                        next = 0;
                        round++; // wrapped around: vary the bytes so no block repeats an earlier one
                    }
                    current = FileChannel.open(files.get(next++));
                }
                if (current.read(buf) < 0) {
                    current.close();
                    current = null;
                }
            }
            if (round > 0) {
                for (int i = 0; i < out.length; i++) {
                    out[i] ^= (byte) (round * 0x3b);
                }
            }
        }
    }

    static void image(Path out, int mib, long seed, List<String> binaryDirs) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        Binaries bin = new Binaries(binaryDirs);
        byte[] block = new byte[MIB];
        int[] counts = new int[4];
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (int i = 0; i < mib; i++) {
                int p = r.nextInt(100);
                int kind = p < 35 ? 0 : p < 60 ? 1 : p < 80 ? 2 : 3;
                counts[kind]++;
                switch (kind) {
                    case 0 -> text(r, block);
                    case 1 -> bin.fill(block);
                    case 2 -> java.util.Arrays.fill(block, (byte) 0);
                    default -> r.nextBytes(block);
                }
                ByteBuffer b = ByteBuffer.wrap(block);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
        }
        System.out.printf(Locale.ROOT, "image %s: %d MiB: text %d, binaries %d, zeros %d, random %d blocks%n", out, mib,
                counts[0], counts[1], counts[2], counts[3]);
    }

    static void imageChange(Path file, double percent, long seed) throws IOException {
        long blocks = Files.size(file) / MIB;
        int n = (int) Math.max(1, Math.round(blocks * percent / 100));
        SplittableRandom r = new SplittableRandom(seed);
        List<Long> all = new ArrayList<>();
        for (long i = 0; i < blocks; i++) {
            all.add(i);
        }
        Collections.shuffle(all, new java.util.Random(seed));
        byte[] block = new byte[MIB];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (int i = 0; i < n; i++) {
                r.nextBytes(block);
                ByteBuffer b = ByteBuffer.wrap(block);
                long at = all.get(i) * MIB;
                while (b.hasRemaining()) {
                    at += ch.write(b, at);
                }
            }
        }
        System.out.printf(Locale.ROOT, "image %s: overwrote %d of %d 1-MiB blocks%n", file, n, blocks);
    }

    // ------------------------------------------------------------------ trees

    static List<Path> regularFiles(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).forEach(p -> files.add(dir.relativize(p)));
        }
        files.sort(null);
        return files;
    }

    static void treeChange(Path dir, Path save, int permille, long seed) throws IOException {
        List<Path> files = regularFiles(dir);
        List<Path> picked = new ArrayList<>(files);
        Collections.shuffle(picked, new java.util.Random(seed));
        int n = Math.max(3, files.size() * permille / 1000);
        picked = new ArrayList<>(picked.subList(0, Math.min(n, picked.size())));
        picked.sort(null);
        SplittableRandom r = new SplittableRandom(seed);
        int inserted = 0;
        int appended = 0;
        int deleted = 0;
        long bytes = 0;
        for (int i = 0; i < picked.size(); i++) {
            Path rel = picked.get(i);
            Path f = dir.resolve(rel);
            Path copy = save.resolve(rel);
            Files.createDirectories(copy.getParent());
            Files.copy(f, copy, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING,
                    LinkOption.NOFOLLOW_LINKS);
            switch (i % 3) {
                case 0 -> {
                    byte[] old = Files.readAllBytes(f);
                    byte[] add = new byte[1024 + r.nextInt(3 * 1024)];
                    r.nextBytes(add);
                    int at = old.length == 0 ? 0 : r.nextInt(old.length + 1);
                    try (OutputStream o = Files.newOutputStream(f, StandardOpenOption.TRUNCATE_EXISTING)) {
                        o.write(old, 0, at);
                        o.write(add);
                        o.write(old, at, old.length - at);
                    }
                    inserted++;
                    bytes += add.length;
                }
                case 1 -> {
                    byte[] add = new byte[1024 + r.nextInt(15 * 1024)];
                    r.nextBytes(add);
                    Files.write(f, add, StandardOpenOption.APPEND);
                    appended++;
                    bytes += add.length;
                }
                default -> {
                    Files.delete(f);
                    deleted++;
                }
            }
        }
        System.out.printf(Locale.ROOT, "%s: of %d files, %d got bytes inserted, %d appended (%d new bytes), %d deleted%n",
                dir, files.size(), inserted, appended, bytes, deleted);
    }

    static void treeVariant(Path src, Path dst, int key) throws IOException {
        if (key < 1 || key > 255) {
            throw new IllegalArgumentException("key 1..255");
        }
        byte[] map = new byte[256];
        for (int i = 0; i < 256; i++) {
            map[i] = (byte) (i ^ key);
        }
        List<Path[]> dirTimes = new ArrayList<>();
        Files.walkFileTree(src, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes at) throws IOException {
                Path t = dst.resolve(src.relativize(d).toString());
                Files.createDirectories(t);
                dirTimes.add(new Path[] {d, t});
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes at) throws IOException {
                Path t = dst.resolve(src.relativize(f).toString());
                if (at.isSymbolicLink()) {
                    Files.createSymbolicLink(t, Files.readSymbolicLink(f));
                    return FileVisitResult.CONTINUE;
                }
                if (!at.isRegularFile()) {
                    return FileVisitResult.CONTINUE; // devices, FIFOs, sockets: none in the corpus
                }
                byte[] b = Files.readAllBytes(f);
                for (int i = 0; i < b.length; i++) {
                    b[i] = map[b[i] & 0xff];
                }
                Files.write(t, b);
                copyMeta(f, t);
                return FileVisitResult.CONTINUE;
            }
        });
        for (int i = dirTimes.size() - 1; i >= 0; i--) {
            copyMeta(dirTimes.get(i)[0], dirTimes.get(i)[1]);
        }
    }

    static void copyMeta(Path from, Path to) throws IOException {
        PosixFileAttributes a = Files.readAttributes(from, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        PosixFileAttributeView v = Files.getFileAttributeView(to, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        v.setPermissions(a.permissions());
        v.setTimes(a.lastModifiedTime(), null, null);
    }

    static void stats(Path dir) throws IOException {
        long[] c = new long[4];
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes at) {
                c[1]++;
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes at) {
                if (at.isSymbolicLink()) {
                    c[2]++;
                } else if (at.isRegularFile()) {
                    c[0]++;
                    c[3] += at.size();
                }
                return FileVisitResult.CONTINUE;
            }
        });
        System.out.printf(Locale.ROOT, "%d files, %d directories, %d symlinks, %d bytes%n", c[0], c[1], c[2], c[3]);
    }
}
