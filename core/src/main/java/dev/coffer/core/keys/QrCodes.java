package dev.coffer.core.keys;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.EncodeHintType;
import com.google.zxing.NotFoundException;
import com.google.zxing.ReaderException;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.common.GlobalHistogramBinarizer;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import dev.coffer.core.CofferException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/** QR codes: drawn as text, as PNG, and read back from an image. */
public final class QrCodes {
    private QrCodes() {
    }

    static BitMatrix matrix(String text) {
        try {
            return new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 0, 0,
                    Map.of(EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M, EncodeHintType.MARGIN, 4));
        } catch (WriterException e) {
            throw new IllegalStateException("QR encoding failed", e);
        }
    }

    /** Two modules a character with half blocks: dark modules print as ink. */
    public static String asText(String text) {
        BitMatrix m = matrix(text);
        StringBuilder sb = new StringBuilder();
        for (int y = 0; y < m.getHeight(); y += 2) {
            for (int x = 0; x < m.getWidth(); x++) {
                boolean top = m.get(x, y);
                boolean bottom = y + 1 < m.getHeight() && m.get(x, y + 1);
                sb.append(top ? (bottom ? '\u2588' : '\u2580') : (bottom ? '\u2584' : ' '));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    public static byte[] asPng(String text, int scale) {
        BitMatrix m = matrix(text);
        BufferedImage img = new BufferedImage(m.getWidth() * scale, m.getHeight() * scale, BufferedImage.TYPE_BYTE_BINARY);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                img.setRGB(x, y, m.get(x / scale, y / scale) ? 0x000000 : 0xffffff);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /** Decodes the QR code in an image file. */
    public static String read(Path image) {
        BufferedImage img;
        try {
            img = ImageIO.read(image.toFile());
        } catch (IOException e) {
            throw new CofferException("cannot read image " + image + ": " + e.getMessage());
        }
        if (img == null) {
            throw new CofferException(image + " is not an image this version can read (use PNG, JPEG, GIF or BMP)");
        }
        int[] px = img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
        RGBLuminanceSource source = new RGBLuminanceSource(img.getWidth(), img.getHeight(), px);
        // The finder-pattern search misses about 2% of clean, generated codes (some data patterns look like
        // finder patterns); a pure-barcode read (an unrotated code on a plain margin, as Coffer draws them)
        // and a second binarizer catch those. Photographs and scans go through the first attempt.
        List<Map<DecodeHintType, Object>> attempts = List.of(
                Map.of(DecodeHintType.TRY_HARDER, Boolean.TRUE),
                Map.of(DecodeHintType.PURE_BARCODE, Boolean.TRUE));
        ReaderException last = null;
        for (BinaryBitmap bitmap : List.of(new BinaryBitmap(new HybridBinarizer(source)),
                new BinaryBitmap(new GlobalHistogramBinarizer(source)))) {
            for (Map<DecodeHintType, Object> hints : attempts) {
                try {
                    return new QRCodeReader().decode(bitmap, hints).getText();
                } catch (ReaderException e) {
                    if (last == null || !(e instanceof NotFoundException)) {
                        last = e; // a code that was found but not read says more than one not found
                    }
                }
            }
        }
        if (last instanceof NotFoundException) {
            throw new CofferException("no QR code found in " + image, "scan or photograph the code again, sharp and whole");
        }
        throw new CofferException("the QR code in " + image + " cannot be read: it is damaged or incomplete");
    }
}
