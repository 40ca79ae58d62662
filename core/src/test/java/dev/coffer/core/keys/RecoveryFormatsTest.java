package dev.coffer.core.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.CofferException;
import dev.coffer.core.CorruptDataException;
import dev.coffer.core.crypto.DataKey;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RecoveryFormatsTest {
    @Test
    void gf256ArithmeticIsAField() {
        for (int a = 1; a < 256; a++) {
            assertThat(Shamir.mul(a, Shamir.div(1, a))).isEqualTo(1);
            assertThat(Shamir.mul(a, 1)).isEqualTo(a);
        }
        assertThat(Shamir.mul(0x53, 0xca)).isEqualTo(0x01); // the textbook inverse pair of the AES field
        assertThat(Shamir.mul(0x57, 0x83)).isEqualTo(0xc1); // FIPS-197 section 4.2 example
    }

    @Test
    void anyThresholdSubsetRecoversAndFewerDoNotDetermineTheSecret() {
        Random r = new Random(1);
        byte[] secret = new byte[32];
        r.nextBytes(secret);
        byte[][] shares = Shamir.split(secret, 6, 4, new SecureRandom());
        assertThat(Shamir.combine(new int[] {1, 3, 5, 6}, new byte[][] {shares[0], shares[2], shares[4], shares[5]})).isEqualTo(secret);
        assertThat(Shamir.combine(new int[] {6, 2, 4, 1}, new byte[][] {shares[5], shares[1], shares[3], shares[0]})).isEqualTo(secret);
        assertThat(Shamir.combine(new int[] {1, 2, 3}, new byte[][] {shares[0], shares[1], shares[2]})).isNotEqualTo(secret);
        // with k-1 shares fixed, every value of the secret's first byte is still possible: count distinct outcomes
        // of the 1-byte scheme over fresh randomness
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int i = 0; i < 4000; i++) {
            seen.add(Shamir.split(new byte[] {42}, 3, 2, new SecureRandom())[0][0] & 0xff);
        }
        assertThat(seen.size()).isGreaterThan(250); // one share alone is uniform, not tied to 42
    }

    @Test
    void lineCodeRoundTripsAndNamesBadLines() {
        byte[] payload = new byte[70];
        new Random(2).nextBytes(payload);
        List<String> lines = LineCode.encode("KEY", payload);
        assertThat(lines).hasSize(5);
        assertThat(lines.getFirst()).startsWith("KEY 01/05: ");
        String all = "heading\n" + String.join("\n", lines) + "\nfooter";
        assertThat(LineCode.decode("KEY", all)).isEqualTo(payload);
        assertThat(LineCode.decode("KEY", all.toUpperCase())).isEqualTo(payload); // case does not matter
        assertThat(LineCode.decode("KEY", LineCode.compact("KEY", payload))).isEqualTo(payload);
        List<String> shuffled = new ArrayList<>(lines);
        java.util.Collections.reverse(shuffled);
        assertThat(LineCode.decode("KEY", String.join("\n", shuffled))).isEqualTo(payload);
        String typo = lines.get(3).replaceFirst(": (.)", ": " + (lines.get(3).charAt(11) == 'f' ? "e" : "f"));
        List<String> bad = new ArrayList<>(lines);
        bad.set(3, typo);
        assertThatThrownBy(() -> LineCode.decode("KEY", String.join("\n", bad))).isInstanceOf(CorruptDataException.class)
                .hasMessage("line 4: checksum mismatch; check what you typed on this line");
        List<String> swapped = new ArrayList<>(lines);
        swapped.set(1, lines.get(1).replace("KEY 02/05", "KEY 03/05"));
        assertThatThrownBy(() -> LineCode.decode("KEY", String.join("\n", swapped))).hasMessageContaining("line 3");
        assertThatThrownBy(() -> LineCode.decode("KEY", "nothing here")).hasMessageContaining("no KEY lines found");
        assertThatThrownBy(() -> LineCode.decode("KEY", "COFFER-KEY:!!!")).hasMessageContaining("damaged");
    }

    @Test
    void paperKeyCarriesEveryKdf() {
        DataKey k = DataKey.generate();
        for (KeyFile kf : List.of(KeyFile.create(k, null, null),
                KeyFile.create(k, "passphrase".toCharArray(), new KeyFile.ScryptParams(1024, 8, 1), null),
                KeyFile.create(k, "passphrase".toCharArray(), new KeyFile.Argon2Params(1024, 2, 1), null))) {
            KeyFile back = PaperKey.parse(String.join("\n", PaperKey.lines(kf)));
            assertThat(back.fingerprint()).isEqualTo(kf.fingerprint());
            assertThat(back.kdf()).isEqualTo(kf.kdf());
            assertThat(back.created()).isEqualTo(kf.created());
            try (DataKey u = back.unwrap("passphrase".toCharArray())) {
                assertThat(u.fingerprint()).isEqualTo(k.fingerprint());
            }
            assertThat(PaperKey.parse(PaperKey.qrText(kf)).fingerprint()).isEqualTo(kf.fingerprint());
        }
    }

    @Test
    void sharesRejectMixturesAndTooFew() {
        DataKey a = DataKey.generate();
        DataKey b = DataKey.generate();
        List<RecoveryShare> sa = RecoveryShare.split(a, 5, 3);
        List<RecoveryShare> sb = RecoveryShare.split(b, 5, 3);
        try (DataKey back = RecoveryShare.combine(List.of(sa.get(4), sa.get(0), sa.get(2)))) {
            assertThat(back.fingerprint()).isEqualTo(a.fingerprint());
        }
        assertThatThrownBy(() -> RecoveryShare.combine(List.of(sa.get(0), sa.get(1)))).isInstanceOf(CofferException.class)
                .hasMessageContaining("3 shares are needed");
        assertThatThrownBy(() -> RecoveryShare.combine(List.of(sa.get(0), sa.get(1), sb.get(2))))
                .hasMessageContaining("different keys");
        RecoveryShare tampered = new RecoveryShare(3, 5, 2, a.fingerprint(), sb.get(1).y());
        assertThatThrownBy(() -> RecoveryShare.combine(List.of(sa.get(0), tampered, sa.get(2))))
                .isInstanceOf(CorruptDataException.class).hasMessageContaining("one of them is damaged or altered");
        RecoveryShare parsed = RecoveryShare.parse(sa.get(3).sheet(java.time.Instant.EPOCH));
        assertThat(parsed.index()).isEqualTo(4);
        assertThat(parsed.y()).isEqualTo(sa.get(3).y());
    }

    @Test
    void moreSharesThanNeededStillRebuildTheKeyPastOnesThatDoNotFitAndNameThem() {
        DataKey a = DataKey.generate();
        List<RecoveryShare> first = RecoveryShare.split(a, 5, 3);
        List<RecoveryShare> second = RecoveryShare.split(a, 5, 3); // the same key split again: other polynomials
        // share 1 of the second split first, so that the first three tried do not agree
        RecoveryShare.Combined c = RecoveryShare.combineReporting(List.of(second.get(0), first.get(1), first.get(2), first.get(4)));
        try (DataKey back = c.key()) {
            assertThat(back.fingerprint()).isEqualTo(a.fingerprint());
            assertThat(back.exposeBytesDangerous()).isEqualTo(a.exposeBytesDangerous());
        }
        assertThat(c.used()).containsExactly(2, 3, 5);
        assertThat(c.misfits()).containsExactly(1);
        // all agree: nothing to report
        RecoveryShare.Combined all = RecoveryShare.combineReporting(List.of(first.get(0), first.get(1), first.get(2), first.get(3)));
        assertThat(all.used()).containsExactly(1, 2, 3);
        assertThat(all.misfits()).isEmpty();
        all.key().close();
        // a tampered share among enough good ones is named too
        RecoveryShare tampered = new RecoveryShare(3, 5, 4, a.fingerprint(), second.get(3).y());
        RecoveryShare.Combined t = RecoveryShare.combineReporting(List.of(first.get(0), tampered, first.get(1), first.get(2)));
        assertThat(t.misfits()).containsExactly(4);
        t.key().close();
        // two from each split: no three agree
        assertThatThrownBy(() -> RecoveryShare.combine(List.of(first.get(0), first.get(1), second.get(2), second.get(3))))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("and no 3 of the 4 given agree")
                .hasMessageContaining("different splits of the key");
    }

    @Test
    void escrowOpensOnlyWithItsMasterKey() {
        var kp = MasterKey.generate(3072);
        var other = MasterKey.generate(3072);
        DataKey k = DataKey.generate();
        byte[] escrow = MasterKey.escrow(k, kp.getPublic());
        assertThat(new String(escrow)).doesNotContain(dev.coffer.core.util.Hex.encode(k.exposeBytesDangerous()));
        try (DataKey back = MasterKey.recover(escrow, kp.getPrivate(), kp.getPublic())) {
            assertThat(back.fingerprint()).isEqualTo(k.fingerprint());
        }
        assertThatThrownBy(() -> MasterKey.recover(escrow, other.getPrivate(), null))
                .hasMessageContaining("this master key cannot open the escrowed key");
        assertThatThrownBy(() -> MasterKey.recover(escrow, other.getPrivate(), other.getPublic()))
                .hasMessageContaining("was escrowed for master key");
        String pem = MasterKey.privatePem(kp.getPrivate(), "master pass".toCharArray());
        assertThat(MasterKey.readPrivate(pem, "master pass".toCharArray(), "x")).isEqualTo(kp.getPrivate());
        assertThatThrownBy(() -> MasterKey.readPrivate(pem, "wrong pass".toCharArray(), "x"))
                .isInstanceOf(WrongPassphraseException.class);
        assertThat(MasterKey.readPublic(MasterKey.publicPem(kp.getPublic()), "x")).isEqualTo(kp.getPublic());
        assertThatThrownBy(() -> MasterKey.readPublic("garbage", "f.pem")).hasMessage("f.pem is not a PEM public key");
    }
}
