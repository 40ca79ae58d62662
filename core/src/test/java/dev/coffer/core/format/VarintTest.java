package dev.coffer.core.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.CorruptDataException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VarintTest {
    static final HexFormat HEX = HexFormat.of();

    static String enc(long v) {
        return HEX.formatHex(new ByteWriter().varint(v).toByteArray());
    }

    static long dec(String hex) {
        ByteReader r = new ByteReader(HEX.parseHex(hex), "test");
        long v = r.varint();
        r.expectEnd();
        return v;
    }

    @Test
    void knownEncodings() {
        assertThat(enc(0)).isEqualTo("00");
        assertThat(enc(1)).isEqualTo("01");
        assertThat(enc(127)).isEqualTo("7f");
        assertThat(enc(128)).isEqualTo("8001");
        assertThat(enc(300)).isEqualTo("ac02");
        assertThat(enc(16383)).isEqualTo("ff7f");
        assertThat(enc(16384)).isEqualTo("808001");
        assertThat(enc(Long.MAX_VALUE)).isEqualTo("ffffffffffffffff7f");
        assertThat(dec("ffffffffffffffff7f")).isEqualTo(Long.MAX_VALUE);
        assertThat(dec("ac02")).isEqualTo(300);
    }

    @Test
    void sizesMatchEncodings() {
        Random r = new Random(1);
        for (int i = 0; i < 10_000; i++) {
            long v = r.nextLong() >>> (1 + r.nextInt(63));
            byte[] e = new ByteWriter().varint(v).toByteArray();
            assertThat(Varint.size(v)).isEqualTo(e.length);
            assertThat(dec(HEX.formatHex(e))).isEqualTo(v);
        }
        for (int bits = 0; bits <= 63; bits++) {
            long v = bits == 63 ? Long.MAX_VALUE : (1L << bits);
            assertThat(Varint.size(v)).as("2^%d", bits).isEqualTo(Math.max(1, (64 - Long.numberOfLeadingZeros(v) + 6) / 7));
        }
    }

    @Test
    void zigZag() {
        long[][] pairs = {{0, 0}, {-1, 1}, {1, 2}, {-2, 3}, {2, 4}, {Varint.MAX_SIGNED, Long.MAX_VALUE - 1},
                {Varint.MIN_SIGNED, Long.MAX_VALUE}};
        for (long[] p : pairs) {
            assertThat(Varint.zigZag(p[0])).isEqualTo(p[1]);
            assertThat(Varint.unZigZag(p[1])).isEqualTo(p[0]);
            ByteReader r = new ByteReader(new ByteWriter().svarint(p[0]).toByteArray(), "test");
            assertThat(r.svarint()).isEqualTo(p[0]);
        }
        assertThatThrownBy(() -> Varint.zigZag(Varint.MAX_SIGNED + 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Varint.zigZag(Varint.MIN_SIGNED - 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ByteWriter().varint(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void streamWritersMatch() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Varint.write(out, 300);
        Varint.writeSigned(out, -3);
        assertThat(HEX.formatHex(out.toByteArray())).isEqualTo("ac0205");
    }

    @Test
    void readersRejectEverythingElse() {
        assertThatThrownBy(() -> dec("8000")).isInstanceOf(CorruptDataException.class)
                .hasMessage("test: varint not in its shortest form at byte 2");
        assertThatThrownBy(() -> dec("ff8000")).hasMessage("test: varint not in its shortest form at byte 3");
        assertThatThrownBy(() -> dec("ffffffffffffffff80")).hasMessage("test: varint longer than 9 bytes at byte 9");
        assertThatThrownBy(() -> dec("ffffffffffffffffff01")).hasMessage("test: varint longer than 9 bytes at byte 9");
        assertThatThrownBy(() -> dec("")).hasMessage("test: truncated at byte 0 (1 bytes needed, 0 left)");
        assertThatThrownBy(() -> dec("80")).hasMessage("test: truncated at byte 1 (1 bytes needed, 0 left)");
        assertThatThrownBy(() -> dec("0100")).hasMessage("test: 1 unexpected bytes at byte 1");
    }

    @Test
    void lengthsAreCheckedBeforeAllocating() {
        byte[] huge = new ByteWriter().varint(Long.MAX_VALUE).toByteArray();
        assertThatThrownBy(() -> new ByteReader(huge, "test").lengthPrefixed(Integer.MAX_VALUE, "name"))
                .isInstanceOf(CorruptDataException.class)
                .hasMessage("test: name of 9223372036854775807 bytes exceeds the limit of 2147483647 at byte 0");
        byte[] tooFew = new ByteWriter().varint(1000).bytes(new byte[10]).toByteArray();
        assertThatThrownBy(() -> new ByteReader(tooFew, "test").lengthPrefixed(1 << 20, "name"))
                .hasMessage("test: truncated at byte 2 (1000 bytes needed, 10 left)");
    }
}
