package dev.coffer.cli;

import dev.coffer.client.repo.Repository;
import dev.coffer.client.restore.ArchiveContents;
import dev.coffer.client.snapshot.OpenSnapshot;
import dev.coffer.client.snapshot.SnapshotSpec;
import dev.coffer.core.CofferException;
import dev.coffer.core.format.ArchiveEntry;
import dev.coffer.core.format.DeviceEntry;
import dev.coffer.core.format.DirEntry;
import dev.coffer.core.format.FifoEntry;
import dev.coffer.core.format.FileEntry;
import dev.coffer.core.format.HardlinkEntry;
import dev.coffer.core.format.SocketEntry;
import dev.coffer.core.format.SymlinkEntry;
import dev.coffer.client.fs.BytePaths;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "ls", mixinStandardHelpOptions = true,
        description = "List the entries of a directory archive, everything at or below PATH.")
final class LsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SNAPSHOT", description = "TYPE/ID/TIME, TYPE/ID or latest")
    String snapshot;

    @Parameters(index = "1", paramLabel = "ARCHIVE", description = "e.g. docs.cfar")
    String archive;

    @Parameters(index = "2", arity = "0..1", paramLabel = "PATH", description = "Path inside the archive")
    String path;

    @Option(names = "--ns", paramLabel = "NS", defaultValue = "", description = "Namespace")
    String ns;

    @Option(names = "--output-format", paramLabel = "FORMAT", defaultValue = "text", description = "text or json")
    Output.Format format;

    @Mixin
    RepoOptions repo;

    @Mixin
    KeyOptions key;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (Repository r = repo.open()) {
            OpenSnapshot snap = OpenSnapshot.open(r, SnapshotSpec.resolve(r, ns, snapshot), key::keys);
            String name = ArchiveNames.resolve(snap, archive);
            List<ArchiveEntry> entries = ArchiveContents.read(snap, snap.archive(name), ForkJoinPool.commonPool());
            String prefix = path == null ? "" : trim(path);
            List<ArchiveEntry> shown = new ArrayList<>();
            for (ArchiveEntry e : entries) {
                String p = new String(e.path(), StandardCharsets.UTF_8);
                if (prefix.isEmpty() || p.equals(prefix) || p.startsWith(prefix + "/")) {
                    shown.add(e);
                }
            }
            if (shown.isEmpty()) {
                throw new CofferException("no path '" + path + "' in " + name);
            }
            if (format == Output.Format.json) {
                List<Map<String, Object>> rows = new ArrayList<>();
                for (ArchiveEntry e : shown) {
                    rows.add(json(e));
                }
                Output.json(out, rows);
            } else {
                for (ArchiveEntry e : shown) {
                    out.println(line(e));
                }
            }
        }
        return Main.OK;
    }

    private static String trim(String p) {
        String s = p;
        while (s.startsWith("/")) {
            s = s.substring(1);
        }
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    static String type(ArchiveEntry e) {
        return switch (e) {
            case FileEntry f -> "file";
            case DirEntry d -> "dir";
            case SymlinkEntry s -> "symlink";
            case HardlinkEntry h -> "hardlink";
            case FifoEntry f -> "fifo";
            case SocketEntry s -> "socket";
            case DeviceEntry d -> d.block() ? "blockdev" : "chardev";
        };
    }

    private static String line(ArchiveEntry e) {
        char t = switch (e) {
            case FileEntry f -> '-';
            case DirEntry d -> 'd';
            case SymlinkEntry s -> 'l';
            case HardlinkEntry h -> 'h';
            case FifoEntry f -> 'p';
            case SocketEntry s -> 's';
            case DeviceEntry d -> d.block() ? 'b' : 'c';
        };
        String size = e instanceof FileEntry f ? String.valueOf(f.size()) : "";
        String p = e.path().length == 0 ? "/" : "/" + e.displayPath();
        String extra = switch (e) {
            case SymlinkEntry s -> " -> " + BytePaths.display(s.target());
            case HardlinkEntry h -> " => /" + BytePaths.display(h.targetPath());
            default -> "";
        };
        return String.format("%c%s %6d %6d %12s %s %s%s", t, perms(e.meta().mode()), e.meta().uid(), e.meta().gid(),
                size, Instant.ofEpochSecond(e.meta().mtimeSec()), p, extra);
    }

    static String perms(int mode) {
        char[] c = "rwxrwxrwx".toCharArray();
        for (int i = 0; i < 9; i++) {
            if ((mode & (1 << (8 - i))) == 0) {
                c[i] = '-';
            }
        }
        if ((mode & 04000) != 0) {
            c[2] = c[2] == 'x' ? 's' : 'S';
        }
        if ((mode & 02000) != 0) {
            c[5] = c[5] == 'x' ? 's' : 'S';
        }
        if ((mode & 01000) != 0) {
            c[8] = c[8] == 'x' ? 't' : 'T';
        }
        return new String(c);
    }

    private static Map<String, Object> json(ArchiveEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", "/" + e.displayPath());
        m.put("type", type(e));
        m.put("mode", String.format("%04o", e.meta().mode()));
        m.put("uid", e.meta().uid());
        m.put("gid", e.meta().gid());
        m.put("mtime", Instant.ofEpochSecond(e.meta().mtimeSec(), e.meta().mtimeNsec()).toString());
        switch (e) {
            case FileEntry f -> m.put("size", f.size());
            case SymlinkEntry s -> m.put("target", BytePaths.display(s.target()));
            case HardlinkEntry h -> m.put("target", "/" + BytePaths.display(h.targetPath()));
            case DeviceEntry d -> {
                m.put("major", d.major());
                m.put("minor", d.minor());
            }
            default -> {
            }
        }
        return m;
    }
}
