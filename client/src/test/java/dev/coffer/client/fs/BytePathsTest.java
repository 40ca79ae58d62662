package dev.coffer.client.fs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BytePathsTest {
    @Test
    void displayKeepsValidUtf8AndEscapesEverythingElse() {
        assertThat(BytePaths.display(BytePaths.of("/home/ann/Grüße €𝄞.txt"))).isEqualTo("/home/ann/Grüße €𝄞.txt");
        assertThat(BytePaths.display(new byte[] {'a', (byte) 0xff, (byte) 0xfe})).isEqualTo("a\\xff\\xfe");
        assertThat(BytePaths.display(new byte[] {'x', '\n', 'y', '\t', 0x7f, 0x1b})).isEqualTo("x\\x0ay\\x09\\x7f\\x1b");
        // a C1 control (U+009B, the 8-bit CSI) is escaped although it is valid UTF-8
        assertThat(BytePaths.display(new byte[] {(byte) 0xc2, (byte) 0x9b})).isEqualTo("\\xc2\\x9b");
        // overlong '/' , a UTF-16 surrogate, a truncated sequence, a stray continuation byte, above U+10FFFF
        assertThat(BytePaths.display(new byte[] {(byte) 0xc0, (byte) 0xaf})).isEqualTo("\\xc0\\xaf");
        assertThat(BytePaths.display(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80})).isEqualTo("\\xed\\xa0\\x80");
        assertThat(BytePaths.display(new byte[] {(byte) 0xe2, (byte) 0x82, 'z'})).isEqualTo("\\xe2\\x82z");
        assertThat(BytePaths.display(new byte[] {(byte) 0x80, 'q'})).isEqualTo("\\x80q");
        assertThat(BytePaths.display(new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}))
                .isEqualTo("\\xf4\\x90\\x80\\x80");
        assertThat(BytePaths.display(new byte[0])).isEmpty();
    }

    @Test
    void displayAgreesWithTheJdkDecoderOnValidText() {
        String s = "plain ascii, Ελληνικά, 中文, emoji 😀, combining é";
        assertThat(BytePaths.display(s.getBytes(UTF_8))).isEqualTo(s);
    }

    @Test
    void joinAddsExactlyOneSlash() {
        assertThat(BytePaths.join(BytePaths.of("/a"), BytePaths.of("b"))).isEqualTo(BytePaths.of("/a/b"));
        assertThat(BytePaths.join(BytePaths.of("/"), BytePaths.of("b"))).isEqualTo(BytePaths.of("/b"));
        assertThat(BytePaths.join(BytePaths.of("a/"), BytePaths.of("b"))).isEqualTo(BytePaths.of("a/b"));
        assertThat(BytePaths.join(new byte[0], BytePaths.of("b"))).isEqualTo(BytePaths.of("b"));
        assertThat(BytePaths.join(BytePaths.of("d"), new byte[] {(byte) 0xff})).containsExactly('d', '/', 0xff);
    }

    @Test
    void ofPathGivesTheBytesOfAnOrdinaryPath() {
        assertThat(BytePaths.of(Path.of("/tmp/x y/ü"))).isEqualTo("/tmp/x y/ü".getBytes(UTF_8));
    }

    @Test
    void safeComponents() {
        assertThat(BytePaths.isSafeComponent(BytePaths.of("name"))).isTrue();
        assertThat(BytePaths.isSafeComponent(BytePaths.of("..."))).isTrue();
        assertThat(BytePaths.isSafeComponent(BytePaths.of(".hidden"))).isTrue();
        assertThat(BytePaths.isSafeComponent(new byte[] {(byte) 0xff, '\n'})).isTrue();
        assertThat(BytePaths.isSafeComponent(new byte[0])).isFalse();
        assertThat(BytePaths.isSafeComponent(BytePaths.of("."))).isFalse();
        assertThat(BytePaths.isSafeComponent(BytePaths.of(".."))).isFalse();
        assertThat(BytePaths.isSafeComponent(BytePaths.of("a/b"))).isFalse();
        assertThat(BytePaths.isSafeComponent(new byte[] {'a', 0})).isFalse();
    }
}
