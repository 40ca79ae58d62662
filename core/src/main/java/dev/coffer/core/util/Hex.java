package dev.coffer.core.util;

import java.util.HexFormat;

/** Lower-case hexadecimal, strict on parse. */
public final class Hex {
    private static final HexFormat HEX = HexFormat.of();

    private Hex() {
    }

    public static String encode(byte[] bytes) {
        return HEX.formatHex(bytes);
    }

    /** @throws IllegalArgumentException if not an even number of hex digits */
    public static byte[] decode(CharSequence hex) {
        return HEX.parseHex(hex);
    }
}
