package dev.coffer.core.format;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

/** Builds valid archives (entries in order, with a payload size) from random or fuzzer-provided choices. */
final class TreeGenerator {
    /** Where the choices come from. Bounds are inclusive. */
    interface Choices {
        int nextInt(int min, int max);

        long nextLong(long min, long max);

        boolean nextBoolean();

        byte[] bytes(int maxLength);
    }

    static Choices of(Random r) {
        return new Choices() {
            @Override
            public int nextInt(int min, int max) {
                return (int) nextLong(min, max);
            }

            @Override
            public long nextLong(long min, long max) {
                return switch (r.nextInt(8)) { // the edges often
                    case 0 -> min;
                    case 1 -> max;
                    default -> max - min == Long.MAX_VALUE ? min + (r.nextLong() >>> 1)
                            : max - min < 0 ? r.nextLong(min, max) : min + r.nextLong(max - min + 1);
                };
            }

            @Override
            public boolean nextBoolean() {
                return r.nextBoolean();
            }

            @Override
            public byte[] bytes(int maxLength) {
                byte[] b = new byte[r.nextInt(maxLength + 1)];
                r.nextBytes(b);
                return b;
            }
        };
    }

    static Choices of(FuzzedDataProvider d) {
        return new Choices() {
            @Override
            public int nextInt(int min, int max) {
                return d.consumeInt(min, max);
            }

            @Override
            public long nextLong(long min, long max) {
                return d.consumeLong(min, max);
            }

            @Override
            public boolean nextBoolean() {
                return d.consumeBoolean();
            }

            @Override
            public byte[] bytes(int maxLength) {
                return d.consumeBytes(maxLength);
            }
        };
    }

    record Archive(List<ArchiveEntry> entries, long payloadSize) {
    }

    private final Choices c;
    private final List<ArchiveEntry> out = new ArrayList<>();
    private final List<byte[]> linkable = new ArrayList<>();
    private long payloadEnd;

    private TreeGenerator(Choices c) {
        this.c = c;
    }

    static Archive generate(Choices c) {
        TreeGenerator g = new TreeGenerator(c);
        g.out.add(new DirEntry(new byte[0], g.meta()));
        g.children(new byte[0], 0);
        return new Archive(List.copyOf(g.out), g.payloadEnd + c.nextLong(0, 1000));
    }

    private void children(byte[] parent, int depth) {
        int n = depth > 5 || out.size() > 150 ? 0 : c.nextInt(0, 6);
        TreeSet<byte[]> names = new TreeSet<>(Arrays::compareUnsigned);
        for (int i = 0; i < n; i++) {
            byte[] name = c.bytes(12);
            for (int k = 0; k < name.length; k++) {
                if (name[k] == '/' || name[k] == 0) {
                    name[k] = 'x';
                }
            }
            if (name.length == 0) {
                continue;
            }
            if (name[0] == '.' && (name.length == 1 || (name.length == 2 && name[1] == '.'))) {
                name[0] = 'n';
            }
            names.add(name);
        }
        for (byte[] name : names) {
            byte[] path = parent.length == 0 ? name : concat(parent, name);
            int type = c.nextInt(1, 8);
            switch (type) {
                case 1 -> {
                    long size = c.nextLong(0, 1 << 20);
                    long offset = c.nextLong(0, 1 << 20);
                    out.add(new FileEntry(path, meta(), size, offset, Arrays.copyOf(c.bytes(32), 32)));
                    payloadEnd = Math.max(payloadEnd, offset + size);
                    linkable.add(path);
                }
                case 2 -> {
                    out.add(new DirEntry(path, meta()));
                    children(path, depth + 1);
                }
                case 3 -> {
                    byte[] target = c.bytes(64);
                    for (int k = 0; k < target.length; k++) {
                        target[k] = target[k] == 0 ? 1 : target[k];
                    }
                    out.add(new SymlinkEntry(path, meta(), target.length == 0 ? new byte[] {'t'} : target));
                    linkable.add(path);
                }
                case 4 -> {
                    if (linkable.isEmpty()) {
                        out.add(new FifoEntry(path, meta()));
                        linkable.add(path);
                    } else {
                        out.add(new HardlinkEntry(path, meta(), linkable.get(c.nextInt(0, linkable.size() - 1))));
                    }
                }
                case 5 -> {
                    out.add(new FifoEntry(path, meta()));
                    linkable.add(path);
                }
                case 6, 7 -> {
                    out.add(new DeviceEntry(path, meta(), type == 7, c.nextLong(0, EntryRules.MAX_ID),
                            c.nextLong(0, EntryRules.MAX_ID)));
                    linkable.add(path);
                }
                default -> {
                    out.add(new SocketEntry(path, meta()));
                    linkable.add(path);
                }
            }
        }
    }

    private EntryMeta meta() {
        int nx = c.nextInt(0, 3);
        TreeSet<byte[]> names = new TreeSet<>(Arrays::compareUnsigned);
        for (int i = 0; i < nx; i++) {
            byte[] name = c.bytes(20);
            for (int k = 0; k < name.length; k++) {
                name[k] = name[k] == 0 ? 1 : name[k];
            }
            if (name.length > 0) {
                names.add(name);
            }
        }
        List<Xattr> xattrs = new ArrayList<>();
        for (byte[] name : names) {
            xattrs.add(new Xattr(name, c.bytes(40)));
        }
        return new EntryMeta(c.nextInt(0, 07777), c.nextLong(0, EntryRules.MAX_ID), c.nextLong(0, EntryRules.MAX_ID),
                c.nextLong(Varint.MIN_SIGNED, Varint.MAX_SIGNED), c.nextInt(0, 999_999_999),
                c.nextLong(Varint.MIN_SIGNED, Varint.MAX_SIGNED), c.nextInt(0, 999_999_999),
                c.nextLong(0, Long.MAX_VALUE), xattrs);
    }

    private static byte[] concat(byte[] parent, byte[] name) {
        byte[] p = Arrays.copyOf(parent, parent.length + 1 + name.length);
        p[parent.length] = '/';
        System.arraycopy(name, 0, p, parent.length + 1, name.length);
        return p;
    }
}
