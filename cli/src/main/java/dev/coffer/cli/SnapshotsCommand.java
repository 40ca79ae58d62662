package dev.coffer.cli;

import dev.coffer.client.repo.Repository;
import dev.coffer.client.snapshot.OpenSnapshot;
import dev.coffer.core.CofferException;
import dev.coffer.core.format.ArchiveRef;
import dev.coffer.core.format.IndexRef;
import dev.coffer.core.format.ManifestBody;
import dev.coffer.store.SnapshotRef;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "snapshots", mixinStandardHelpOptions = true,
        description = "List snapshots. Needs no key: shows what the datastore itself can see.")
final class SnapshotsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--ns", paramLabel = "NS", defaultValue = "", description = "Namespace")
    String ns;

    @Option(names = "--output-format", paramLabel = "FORMAT", defaultValue = "text", description = "text or json")
    Output.Format format;

    @Mixin
    RepoOptions repo;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Repository r = repo.open()) {
            for (SnapshotRef s : r.snapshots(ns)) {
                rows.add(describe(r, s));
            }
        }
        if (format == Output.Format.json) {
            Output.json(out, rows);
            return Main.OK;
        }
        List<List<String>> table = new ArrayList<>();
        for (Map<String, Object> m : rows) {
            String fp = (String) m.get("key-fingerprint");
            table.add(List.of((String) m.get("snapshot"), String.join(" ", castList(m.get("files"))),
                    m.get("size") instanceof Long l ? Units.bytes(l) : "?", String.valueOf(m.get("crypt-mode")),
                    fp == null ? "-" : fp.substring(0, 23), String.valueOf(m.get("verify")),
                    Boolean.TRUE.equals(m.get("protected")) ? "yes" : ""));
        }
        if (table.isEmpty()) {
            out.println("no snapshots");
        } else {
            Output.table(out, List.of("SNAPSHOT", "ARCHIVES", "SIZE", "CRYPT", "KEY", "VERIFY", "PROTECTED"), table);
        }
        return Main.OK;
    }

    @SuppressWarnings("unchecked")
    private static List<String> castList(Object o) {
        return (List<String>) o;
    }

    static Map<String, Object> describe(Repository r, SnapshotRef s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("snapshot", s.name());
        if (!s.group().ns().isEmpty()) {
            m.put("ns", s.group().ns());
        }
        try {
            ManifestBody b = OpenSnapshot.readManifest(r, s).body();
            List<String> files = new ArrayList<>();
            long size = 0;
            for (ArchiveRef a : b.archives()) {
                files.add(a.name());
                for (IndexRef ir : a.indexes()) {
                    if (!ir.role().equals("meta")) {
                        size += ir.size();
                    }
                }
            }
            m.put("files", files);
            m.put("crypt-mode", b.cryptMode().cliName());
            m.put("key-fingerprint", b.keyFingerprint() == null ? null : b.keyFingerprint().toString());
            m.put("size", size);
        } catch (CofferException e) {
            m.put("files", List.of());
            m.put("crypt-mode", null);
            m.put("key-fingerprint", null);
            m.put("size", null);
            m.put("error", e.getMessage());
        }
        var st = r.status(s);
        m.put("verify", st.verify());
        if (st.verifyTime() != null) {
            m.put("verify-time", st.verifyTime().toString());
        }
        m.put("protected", st.isProtected());
        return m;
    }
}
