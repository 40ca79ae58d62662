package dev.coffer.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.CofferException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {
    private static final Instant T = Instant.parse("2026-11-23T10:15:00Z");

    @Test
    void groupPathsAndNames() {
        BackupGroup plain = new BackupGroup("", "host", "web1");
        assertThat(plain.name()).isEqualTo("host/web1");
        assertThat(plain.path()).isEqualTo("host/web1");
        assertThat(plain).hasToString("host/web1");

        BackupGroup nested = new BackupGroup("a/b", "vm", "db_2.prod-x");
        assertThat(nested.name()).isEqualTo("vm/db_2.prod-x");
        assertThat(nested.path()).isEqualTo("ns/a/ns/b/vm/db_2.prod-x");
        assertThat(nested).hasToString("ns/a/ns/b/vm/db_2.prod-x");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "../x", "a/b", "/", ".hidden", "-x", "a b", "é", "a\u0000b", "a\nb"})
    void invalidIdsAreRejected(String id) {
        assertThatThrownBy(() -> new BackupGroup("", "host", id))
                .isInstanceOf(CofferException.class)
                .hasMessageStartingWith("invalid backup id ");
    }

    @Test
    void idLengthIsLimited() {
        assertThat(new BackupGroup("", "ct", "x".repeat(128)).id()).hasSize(128);
        assertThatThrownBy(() -> new BackupGroup("", "ct", "x".repeat(129)))
                .isInstanceOf(CofferException.class)
                .hasMessageContaining("1 to 128");
        String absurd = "y".repeat(1_000_000);
        assertThatThrownBy(() -> new BackupGroup("", "ct", absurd))
                .isInstanceOf(CofferException.class)
                .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(300));
    }

    @Test
    void typeMustBeKnown() {
        assertThatThrownBy(() -> new BackupGroup("", "disk", "x"))
                .isInstanceOf(CofferException.class)
                .hasMessage("invalid backup type \"disk\": use host, vm or ct");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "a/", "/a", "a//b", "..", "a/../b", "a/./b", "a b"})
    void invalidNamespacesAreRejected(String ns) {
        assertThatThrownBy(() -> new BackupGroup(ns, "host", "x"))
                .isInstanceOf(CofferException.class)
                .hasMessageStartingWith("invalid namespace ");
    }

    @Test
    void namespaceDepthIsLimited() {
        String eight = String.join("/", Collections.nCopies(8, "n"));
        assertThat(new BackupGroup(eight, "host", "x").path()).startsWith("ns/n/ns/n/");
        assertThatThrownBy(() -> new BackupGroup(eight + "/n", "host", "x"))
                .isInstanceOf(CofferException.class)
                .hasMessageContaining("at most 8 levels");
    }

    @Test
    void controlCharactersAreEscapedInMessages() {
        assertThatThrownBy(() -> new BackupGroup("", "host", "a\u001b[31mb"))
                .hasMessageStartingWith("invalid backup id \"a\\u001b[31mb\"");
    }

    @Test
    void snapshotNamesRoundTrip() {
        SnapshotRef s = SnapshotRef.parse("", "host/web1/2026-11-23T10:15:00Z");
        assertThat(s.group()).isEqualTo(new BackupGroup("", "host", "web1"));
        assertThat(s.time()).isEqualTo(T);
        assertThat(s.timeString()).isEqualTo("2026-11-23T10:15:00Z");
        assertThat(s.name()).isEqualTo("host/web1/2026-11-23T10:15:00Z");
        assertThat(s).hasToString("host/web1/2026-11-23T10:15:00Z");

        SnapshotRef n = SnapshotRef.parse("t1", "ct/c/2026-11-23T10:15:00Z");
        assertThat(n.name()).isEqualTo("ct/c/2026-11-23T10:15:00Z");
        assertThat(n.path()).isEqualTo("ns/t1/ct/c/2026-11-23T10:15:00Z");
    }

    @Test
    void timesAreTruncatedToSeconds() {
        SnapshotRef s = new SnapshotRef(new BackupGroup("", "host", "a"), T.plusMillis(999));
        assertThat(s.time()).isEqualTo(T);
        assertThat(s).isEqualTo(new SnapshotRef(new BackupGroup("", "host", "a"), T));
    }

    @Test
    void timesOutsideFourDigitYearsAreRejected() {
        BackupGroup g = new BackupGroup("", "host", "a");
        assertThatThrownBy(() -> new SnapshotRef(g, SnapshotRef.MAX_TIME.plusSeconds(1)))
                .isInstanceOf(CofferException.class)
                .hasMessageContaining("out of range");
        assertThat(new SnapshotRef(g, SnapshotRef.MAX_TIME).timeString()).isEqualTo("9999-12-31T23:59:59Z");
        assertThat(new SnapshotRef(g, SnapshotRef.MIN_TIME).timeString()).isEqualTo("0000-01-01T00:00:00Z");
    }

    @ParameterizedTest
    @ValueSource(strings = {"host/web1", "host/web1/", "host/web1/2026-11-23", "host/web1/2026-11-23T10:15:00",
        "host/web1/2026-11-23T10:15:00.5Z", "host/web1/2026-11-23T10:15:00+00:00", "host/web1/2026-02-30T10:15:00Z",
        "host/web1/2026-11-23t10:15:00Z", "host/../2026-11-23T10:15:00Z", "host/a/b/2026-11-23T10:15:00Z",
        "disk/a/2026-11-23T10:15:00Z", "", "/"})
    void invalidSnapshotNamesAreRejected(String text) {
        assertThatThrownBy(() -> SnapshotRef.parse("", text)).isInstanceOf(CofferException.class);
    }

    @Test
    void snapshotNameErrorMessage() {
        assertThatThrownBy(() -> SnapshotRef.parse("", "web1"))
                .hasMessage("invalid snapshot name \"web1\": expected TYPE/ID/TIME, e.g. host/web1/2026-11-23T10:15:00Z");
        assertThatThrownBy(() -> SnapshotRef.parse("", "host/web1/yesterday"))
                .hasMessage("invalid snapshot time \"yesterday\": expected RFC 3339 UTC with seconds, e.g. 2026-11-23T10:15:00Z");
    }

    @Test
    void ordering() {
        BackupGroup a = new BackupGroup("", "host", "a");
        BackupGroup b = new BackupGroup("", "host", "b");
        BackupGroup vm = new BackupGroup("", "ct", "a");
        List<SnapshotRef> list = new ArrayList<>(List.of(
                new SnapshotRef(b, T), new SnapshotRef(a, T.plusSeconds(60)), new SnapshotRef(a, T),
                new SnapshotRef(vm, T)));
        Collections.sort(list);
        assertThat(list).extracting(SnapshotRef::name).containsExactly(
                "ct/a/2026-11-23T10:15:00Z", "host/a/2026-11-23T10:15:00Z", "host/a/2026-11-23T10:16:00Z",
                "host/b/2026-11-23T10:15:00Z");
    }

    @Test
    void groupParse() {
        assertThat(BackupGroup.parse("x", "vm/100")).isEqualTo(new BackupGroup("x", "vm", "100"));
        assertThatThrownBy(() -> BackupGroup.parse("", "vm"))
                .hasMessage("invalid backup group \"vm\": expected TYPE/ID, e.g. host/web1");
    }
}
