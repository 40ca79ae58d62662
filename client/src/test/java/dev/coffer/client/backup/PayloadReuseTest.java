package dev.coffer.client.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coffer.client.fs.BytePaths;
import dev.coffer.client.fs.DirWalker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PayloadReuseTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Component by component, each compared bytewise unsigned: the order design.md 6 defines. */
    private static int byComponents(byte[] a, byte[] b) {
        String[] x = new String(a, StandardCharsets.ISO_8859_1).split("/", -1);
        String[] y = new String(b, StandardCharsets.ISO_8859_1).split("/", -1);
        if (a.length == 0 || b.length == 0) {
            return Integer.compare(a.length, b.length);
        }
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = Arrays.compareUnsigned(b(x[i]), b(y[i]));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }

    @Test
    void archiveOrderPutsADirectorysContentsBeforeSiblingsThatSortBelowTheSlash() {
        // '-' and '.' sort below '/', so plain bytewise order would put "a-b" before "a/x"
        assertThat(PayloadReuse.compareInArchiveOrder(b("a/x"), b("a-b"))).isNegative();
        assertThat(PayloadReuse.compareInArchiveOrder(b("a-b"), b("a/x"))).isPositive();
        assertThat(PayloadReuse.compareInArchiveOrder(b("a"), b("a/x"))).isNegative();
        assertThat(PayloadReuse.compareInArchiveOrder(b(""), b("a"))).isNegative();
        assertThat(PayloadReuse.compareInArchiveOrder(b("a/x"), b("a/x"))).isZero();
        assertThat(PayloadReuse.compareInArchiveOrder(b("a\u00ff"), b("a0"))).as("unsigned").isPositive();
        Random r = new Random(7);
        byte[] alphabet = b("a-./0\u00ff");
        for (int n = 0; n < 20_000; n++) {
            byte[] x = randomPath(r, alphabet);
            byte[] y = randomPath(r, alphabet);
            assertThat(Integer.signum(PayloadReuse.compareInArchiveOrder(x, y)))
                    .as(new String(x, StandardCharsets.ISO_8859_1) + " vs " + new String(y, StandardCharsets.ISO_8859_1))
                    .isEqualTo(Integer.signum(byComponents(x, y)));
        }
    }

    /** A relative path of 1 to 3 non-empty components over {@code alphabet} (its '/' only separates). */
    private static byte[] randomPath(Random r, byte[] alphabet) {
        StringBuilder s = new StringBuilder();
        int parts = 1 + r.nextInt(3);
        for (int p = 0; p < parts; p++) {
            if (p > 0) {
                s.append('/');
            }
            int len = 1 + r.nextInt(3);
            for (int i = 0; i < len; i++) {
                byte c;
                do {
                    c = alphabet[r.nextInt(alphabet.length)];
                } while (c == '/');
                s.append((char) (c & 0xff));
            }
        }
        return b(s.toString());
    }

    @Test
    void theWalkComesInTheSameOrder(@TempDir Path tmp) throws Exception {
        for (String p : List.of("a/x", "a/y/z", "a-b", "a.c", "a0", "b", "a/x-1", "a/x.2/q")) {
            Files.createDirectories(tmp.resolve(p).getParent());
            Files.writeString(tmp.resolve(p), p);
        }
        List<byte[]> walked = new ArrayList<>();
        DirWalker.walk(BytePaths.of(tmp), true, e -> walked.add(e.relativePath()));
        for (int i = 1; i < walked.size(); i++) {
            assertThat(PayloadReuse.compareInArchiveOrder(walked.get(i - 1), walked.get(i))).isNegative();
        }
        assertThat(walked).hasSize(12);
    }
}
