package dev.coffer.client.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.CofferException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExcludesTest {
    @Test
    void patternWithoutSlashMatchesNamesAtAnyDepth() {
        Excludes e = new Excludes(List.of("*.tmp", "node_modules"));
        assertThat(e.excluded("a.tmp")).isTrue();
        assertThat(e.excluded("x/y/z.tmp")).isTrue();
        assertThat(e.excluded("x/node_modules")).isTrue();
        assertThat(e.excluded("x/node_modules2")).isFalse();
        assertThat(e.excluded("a.tmp.keep")).isFalse();
        assertThat(e.excluded("")).isFalse();
    }

    @Test
    void patternWithSlashMatchesFromTheArchiveRoot() {
        Excludes e = new Excludes(List.of("/var/cache", "home/*/.cache/", "logs/**/*.gz"));
        assertThat(e.excluded("var/cache")).isTrue();
        assertThat(e.excluded("x/var/cache")).isFalse();
        assertThat(e.excluded("home/alice/.cache")).isTrue();
        assertThat(e.excluded("home/alice/deep/.cache")).isFalse();
        assertThat(e.excluded("logs/a.gz")).isTrue();
        assertThat(e.excluded("logs/2026/11/a.gz")).isTrue();
        assertThat(e.excluded("logs/a.txt")).isFalse();
    }

    @Test
    void questionMarkClassesAndEscapes() {
        Excludes e = new Excludes(List.of("file?.txt", "[ab]x", "[!c]y", "lit\\*"));
        assertThat(e.excluded("file1.txt")).isTrue();
        assertThat(e.excluded("file12.txt")).isFalse();
        assertThat(e.excluded("ax")).isTrue();
        assertThat(e.excluded("cx")).isFalse();
        assertThat(e.excluded("dy")).isTrue();
        assertThat(e.excluded("cy")).isFalse();
        assertThat(e.excluded("lit*")).isTrue();
        assertThat(e.excluded("litx")).isFalse();
        assertThat(e.excluded("a.b")).isFalse();
    }

    @Test
    void badPatternsAreClearErrors() {
        assertThatThrownBy(() -> new Excludes(List.of("[abc"))).isInstanceOf(CofferException.class)
                .hasMessage("--exclude '[abc': unclosed '['");
        assertThatThrownBy(() -> new Excludes(List.of(""))).isInstanceOf(CofferException.class)
                .hasMessage("empty --exclude pattern");
    }

    @Test
    void archiveSpecsAreParsedAndValidated() {
        assertThat(ArchiveSpec.parse("docs.cfar:./docs")).isEqualTo(new ArchiveSpec("docs.cfar", "./docs"));
        assertThat(ArchiveSpec.parse("vm.img:/dev/sda:x")).isEqualTo(new ArchiveSpec("vm.img", "/dev/sda:x"));
        assertThat(ArchiveSpec.parse("vm.img:/x").isImage()).isTrue();
        assertThatThrownBy(() -> ArchiveSpec.parse("docs:./d")).isInstanceOf(CofferException.class)
                .hasMessage("archive name 'docs' is not valid");
        assertThatThrownBy(() -> ArchiveSpec.parse("../x.cfar:/d")).isInstanceOf(CofferException.class);
        assertThatThrownBy(() -> ArchiveSpec.parse("/d")).isInstanceOf(CofferException.class)
                .hasMessage("'/d' is not an archive argument");
    }
}
