package dev.coffer.store;

import dev.coffer.core.CofferException;
import java.util.regex.Pattern;

/** Validation of the names that become path components in a datastore, and safe display of rejected ones. */
final class Names {
    /** Backup ids and namespace components. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    /** Files inside a snapshot directory. */
    static final Pattern FILE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]{0,254}");

    private static final int DISPLAY_LIMIT = 64;

    private Names() {
    }

    static boolean isName(String s) {
        return NAME.matcher(s).matches();
    }

    static boolean isFileName(String s) {
        return FILE.matcher(s).matches();
    }

    static void checkFileName(String name) {
        if (name == null || !isFileName(name)) {
            throw new CofferException("invalid snapshot file name " + quote(name)
                    + ": use 1 to 255 letters, digits, '_', '.', '+' or '-', not starting with '.', '+' or '-'");
        }
    }

    /** A user-supplied string quoted for an error message: control characters escaped, long values cut. */
    static String quote(String s) {
        if (s == null) {
            return "(none)";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), DISPLAY_LIMIT) + 8).append('"');
        int shown = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (shown++ == DISPLAY_LIMIT) {
                b.append("…");
                break;
            }
            if (Character.isISOControl(cp) || cp == '"' || cp == '\\'
                    || Character.getType(cp) == Character.FORMAT || Character.isSurrogate((char) cp)) {
                b.append(String.format("\\u%04x", cp));
            } else {
                b.appendCodePoint(cp);
            }
        }
        return b.append('"').toString();
    }
}
