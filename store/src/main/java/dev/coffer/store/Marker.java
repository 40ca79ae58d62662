package dev.coffer.store;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code .coffer-datastore} marker: a small JSON object
 * {@code {"format":"coffer-datastore","version":1,"created":"…"}}. Reading it needs only the top-level
 * string and integer members; other members, of any JSON type, are skipped.
 */
final class Marker {
    static final String FORMAT = "coffer-datastore";
    static final int VERSION = 1;
    static final int MAX_SIZE = 64 * 1024;

    private Marker() {
    }

    static byte[] encode(Instant created) {
        return ("{\"format\":\"" + FORMAT + "\",\"version\":" + VERSION + ",\"created\":\""
                + SnapshotRef.formatTime(created) + "\"}\n").getBytes(StandardCharsets.UTF_8);
    }

    /** The top-level string members (as String) and integer members (as Long) of a JSON object. */
    static Map<String, Object> parse(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        Parser p = new Parser(text);
        Map<String, Object> members = p.object();
        p.skipSpace();
        if (p.pos != text.length()) {
            throw p.error("unexpected text after the object");
        }
        return members;
    }

    private static final class Parser {
        private static final int MAX_DEPTH = 32;
        final String s;
        int pos;

        Parser(String s) {
            this.s = s;
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException(what + " at offset " + pos);
        }

        void skipSpace() {
            while (pos < s.length() && " \t\r\n".indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
        }

        void expect(char c) {
            skipSpace();
            if (pos >= s.length() || s.charAt(pos) != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        boolean peek(char c) {
            skipSpace();
            return pos < s.length() && s.charAt(pos) == c;
        }

        Map<String, Object> object() {
            Map<String, Object> members = new HashMap<>();
            expect('{');
            if (peek('}')) {
                pos++;
                return members;
            }
            do {
                skipSpace();
                String name = string();
                expect(':');
                Object value = value(1);
                if (members.containsKey(name)) {
                    throw error("duplicate member \"" + name + "\"");
                }
                members.put(name, value);
            } while (comma());
            expect('}');
            return members;
        }

        private boolean comma() {
            if (peek(',')) {
                pos++;
                return true;
            }
            return false;
        }

        /** A string or integer value; nested objects and arrays, numbers with fractions and literals become null. */
        Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("nesting too deep");
            }
            skipSpace();
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(pos);
            switch (c) {
                case '"' -> {
                    return string();
                }
                case '{' -> {
                    pos++;
                    if (!peek('}')) {
                        do {
                            skipSpace();
                            string();
                            expect(':');
                            value(depth + 1);
                        } while (comma());
                    }
                    expect('}');
                    return null;
                }
                case '[' -> {
                    pos++;
                    if (!peek(']')) {
                        do {
                            value(depth + 1);
                        } while (comma());
                    }
                    expect(']');
                    return null;
                }
                default -> {
                    for (String literal : new String[] {"true", "false", "null"}) {
                        if (s.startsWith(literal, pos)) {
                            pos += literal.length();
                            return null;
                        }
                    }
                    return number();
                }
            }
        }

        private Object number() {
            int start = pos;
            if (pos < s.length() && s.charAt(pos) == '-') {
                pos++;
            }
            int digits = pos;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                pos++;
            }
            if (pos == digits) {
                throw error("unexpected character");
            }
            boolean integer = true;
            if (pos < s.length() && s.charAt(pos) == '.') {
                integer = false;
                pos++;
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                    pos++;
                }
            }
            if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
                integer = false;
                pos++;
                if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
                    pos++;
                }
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                    pos++;
                }
            }
            if (!integer) {
                return null;
            }
            try {
                return Long.parseLong(s.substring(start, pos));
            } catch (NumberFormatException e) {
                return null;
            }
        }

        String string() {
            if (pos >= s.length() || s.charAt(pos) != '"') {
                throw error("expected a string");
            }
            pos++;
            StringBuilder b = new StringBuilder();
            while (true) {
                if (pos >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(pos++);
                if (c == '"') {
                    return b.toString();
                }
                if (c < 0x20) {
                    throw error("control character in string");
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (pos >= s.length()) {
                    throw error("unterminated string");
                }
                char e = s.charAt(pos++);
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (pos + 4 > s.length()) {
                            throw error("bad \\u escape");
                        }
                        String digits = s.substring(pos, pos + 4);
                        if (!digits.chars().allMatch(java.util.HexFormat::isHexDigit)) {
                            throw error("bad \\u escape");
                        }
                        b.append((char) java.util.HexFormat.fromHexDigits(digits));
                        pos += 4;
                    }
                    default -> throw error("bad escape");
                }
            }
        }
    }
}
