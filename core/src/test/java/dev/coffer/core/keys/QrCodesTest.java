package dev.coffer.core.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coffer.core.CofferException;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QrCodesTest {
    @TempDir
    Path tmp;

    /**
     * Every code Coffer draws must read back: the finder-pattern search alone missed about one generated code
     * in fifty (8 of 400 of these), which would make a recovery share or paper key unreadable.
     */
    @Test
    void everyGeneratedCodeReadsBack() throws Exception {
        Random r = new Random(1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567-";
        Path png = tmp.resolve("code.png");
        for (int i = 0; i < 400; i++) {
            StringBuilder sb = new StringBuilder("coffer-share:");
            for (int k = 80 + r.nextInt(200); k > 0; k--) {
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            String text = sb.toString();
            Files.write(png, QrCodes.asPng(text, 4));
            assertThat(QrCodes.read(png)).as("code %d", i).isEqualTo(text);
        }
    }

    @Test
    void imagesWithoutACodeAndFilesThatAreNoImagesAreRefusedClearly() throws Exception {
        Path blank = tmp.resolve("blank.png");
        BufferedImage white = new BufferedImage(200, 200, BufferedImage.TYPE_BYTE_BINARY);
        for (int y = 0; y < 200; y++) {
            for (int x = 0; x < 200; x++) {
                white.setRGB(x, y, 0xffffff);
            }
        }
        ImageIO.write(white, "png", blank.toFile());
        assertThatThrownBy(() -> QrCodes.read(blank)).isInstanceOf(CofferException.class)
                .hasMessage("no QR code found in " + blank);
        Path text = tmp.resolve("not-an-image.png");
        Files.writeString(text, "hello");
        assertThatThrownBy(() -> QrCodes.read(text)).isInstanceOf(CofferException.class)
                .hasMessage(text + " is not an image this version can read (use PNG, JPEG, GIF or BMP)");
    }
}
